import { RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elasticache from 'aws-cdk-lib/aws-elasticache';
import { Construct } from 'constructs';
import { SUBNETS } from './network.ts';

export interface CacheProps {
  readonly vpc: ec2.IVpc;
  /** Admits the origin tasks only (see AppNetwork). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Upper bound of stored data in GB; bounds the bill (the origin keeps small entries). */
  readonly maxDataStorageGb?: number;
  /** Upper bound of ElastiCache Processing Units per second; bounds the bill. */
  readonly maxEcpuPerSecond?: number;
}

/**
 * The second cache tier: ElastiCache Serverless for Valkey. Serverless caches
 * always use TLS (hence `rediss://`); Valkey's minimum billed storage is
 * 100 MB, a tenth of Redis OSS serverless's, which is why it is Valkey. The
 * cache holds no source of truth (PostgreSQL does), so no snapshots are kept.
 */
export class Cache extends Construct {
  readonly cache: elasticache.CfnServerlessCache;
  /** `rediss://host:port` for the origin's REDIS_URL. */
  readonly url: string;

  constructor(scope: Construct, id: string, props: CacheProps) {
    super(scope, id);
    const subnets = props.vpc.selectSubnets({ subnetGroupName: SUBNETS.data });
    this.cache = new elasticache.CfnServerlessCache(this, 'Serverless', {
      serverlessCacheName: 'vitrine',
      engine: 'valkey',
      majorEngineVersion: '8',
      description: 'Vitrine L2 cache (Valkey, TLS)',
      subnetIds: subnets.subnetIds,
      securityGroupIds: [props.securityGroup.securityGroupId],
      cacheUsageLimits: {
        dataStorage: { maximum: props.maxDataStorageGb ?? 1, unit: 'GB' },
        ecpuPerSecond: { maximum: props.maxEcpuPerSecond ?? 5000 },
      },
      snapshotRetentionLimit: 0,
    });
    // Retained like the rest of the data stack; its content is disposable, so
    // deleting it by hand after a stack deletion loses nothing.
    this.cache.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.url = `rediss://${this.cache.attrEndpointAddress}:${this.cache.attrEndpointPort}`;
  }
}
