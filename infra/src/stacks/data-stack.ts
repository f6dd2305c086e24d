import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { AppSecrets } from '../constructs/app-secrets.ts';
import { allowCloudFrontRead, privateBucket } from '../constructs/buckets.ts';
import { Cache } from '../constructs/cache.ts';
import { Database } from '../constructs/database.ts';
import type { AppNetwork } from '../constructs/network.ts';

export interface DataStackProps extends StackProps {
  readonly network: AppNetwork;
  readonly payments: 'test' | 'stripe';
}

/** Key prefix of uploads in the media bucket; CloudFront's `/media/*` maps onto it unchanged. */
export const MEDIA_PREFIX = 'media/';

/**
 * VitrineData: everything stateful. Termination protection is on, nothing is
 * ever destroyed with the stack (RETAIN, or SNAPSHOT for RDS), and the
 * construct ids here are the logical ids of live data: never rename them.
 */
export class DataStack extends Stack {
  readonly database: Database;
  readonly cache: Cache;
  readonly mediaBucket: s3.Bucket;
  readonly secrets: AppSecrets;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, { ...props, terminationProtection: true });
    const { network } = props;

    this.database = new Database(this, 'Database', {
      vpc: network.vpc,
      securityGroup: network.databaseSecurityGroup,
    });
    this.cache = new Cache(this, 'Cache', {
      vpc: network.vpc,
      securityGroup: network.cacheSecurityGroup,
    });
    this.mediaBucket = privateBucket(this, 'MediaBucket', {
      noncurrentVersionDays: 30,
      noAccessLogReason:
        'Reads arrive only through CloudFront, whose access logs record them; writes come from the origin task role and are in CloudTrail.',
    });
    allowCloudFrontRead(this.mediaBucket, `${MEDIA_PREFIX}*`);
    this.secrets = new AppSecrets(this, 'AppSecrets', { payments: props.payments });

    new CfnOutput(this, 'SessionKeysSecretArn', {
      value: this.secrets.sessionKeys.secretArn,
      description: 'SESSION_KEYS; put the same kid:<kid> keys into the KeyValueStore',
    });
    new CfnOutput(this, 'MediaBucketName', { value: this.mediaBucket.bucketName });
  }
}
