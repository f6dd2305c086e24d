import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { Construct } from 'constructs';
import { DATABASE_NAME } from '../constructs/database.ts';
import type { AppNetwork } from '../constructs/network.ts';
import { OriginService, TASK_SIZES } from '../constructs/origin-service.ts';
import { type DataStack, MEDIA_PREFIX } from './data-stack.ts';
import type { RegistryStack } from './registry-stack.ts';

export interface BackendStackProps extends StackProps {
  readonly network: AppNetwork;
  readonly data: DataStack;
  readonly registry: RegistryStack;
  readonly imageTag: string;
  /** PUBLIC_BASE_URL: `https://<domain>`, or the distribution's address once known. */
  readonly publicBaseUrl: string;
  readonly payments: 'test' | 'stripe';
  /**
   * Path, inside the image, of the RDS CA bundle. Set: the origin verifies the
   * database certificate (PGSSLMODE=verify-full). Absent: TLS without
   * verification (PGSSLMODE=no-verify): encrypted, inside the VPC, to an
   * endpoint only the tasks' security group reaches; Node does not trust
   * the RDS CA by default.
   */
  readonly databaseCaBundlePath?: string;
}

/** VitrineBackend: the ECS cluster, the origin service and its internal ALB. */
export class BackendStack extends Stack {
  readonly origin: OriginService;

  constructor(scope: Construct, id: string, props: BackendStackProps) {
    super(scope, id, props);
    const { network, data, registry } = props;
    const db = data.database.instance;

    const environment: Record<string, string> = {
      NODE_ENV: 'production',
      PORT: '3000',
      // No credentials here: node-postgres takes PGUSER/PGPASSWORD (secrets).
      DATABASE_URL: `postgres://${db.dbInstanceEndpointAddress}:${db.dbInstanceEndpointPort}/${DATABASE_NAME}`,
      PGSSLMODE: props.databaseCaBundlePath ? 'verify-full' : 'no-verify',
      REDIS_URL: data.cache.url,
      PUBLIC_BASE_URL: props.publicBaseUrl,
      // CloudFront → ALB → task.
      TRUST_PROXY: '2',
      STORAGE_DRIVER: 's3',
      MEDIA_BUCKET: data.mediaBucket.bucketName,
      MEDIA_BUCKET_PREFIX: MEDIA_PREFIX,
      MEDIA_PUBLIC_URL: '/media',
      AWS_REGION: this.region,
      PAYMENTS_PROVIDER: props.payments,
      LOG_LEVEL: 'info',
    };
    if (props.databaseCaBundlePath) environment.NODE_EXTRA_CA_CERTS = props.databaseCaBundlePath;

    this.origin = new OriginService(this, 'Origin', {
      vpc: network.vpc,
      albSecurityGroup: network.albSecurityGroup,
      tasksSecurityGroup: network.tasksSecurityGroup,
      repository: registry.repository,
      imageTag: props.imageTag,
      size: TASK_SIZES.standard,
      minTasks: 2,
      maxTasks: 4,
      environment,
      secrets: data.secrets.variables,
      databaseSecret: data.database.secret,
      mediaBucket: data.mediaBucket,
      mediaPrefix: MEDIA_PREFIX,
    });

    // The pipeline may restart the service (a forced deployment) and watch it; nothing else.
    new iam.Policy(this, 'DeployAccess', {
      roles: [registry.deployRole.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['ecs:UpdateService', 'ecs:DescribeServices'],
          resources: [this.origin.service.serviceArn],
        }),
      ],
    });

    new CfnOutput(this, 'ClusterName', { value: this.origin.cluster.clusterName });
    new CfnOutput(this, 'ServiceName', { value: this.origin.service.serviceName });
    new CfnOutput(this, 'LoadBalancerDnsName', {
      value: this.origin.loadBalancer.loadBalancerDnsName,
      description: 'Internal: reachable from CloudFront (VPC origin) only',
    });
  }
}
