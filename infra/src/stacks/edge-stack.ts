import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';
import { SiteDistribution } from '../constructs/site-distribution.ts';
import type { BackendStack } from './backend-stack.ts';
import type { DataStack } from './data-stack.ts';
import type { RegistryStack } from './registry-stack.ts';

export interface EdgeStackProps extends StackProps {
  readonly backend: BackendStack;
  readonly data: DataStack;
  readonly registry: RegistryStack;
  readonly domain?: { name: string; certificateArn: string };
}

/** VitrineEdge: the site bucket and the CloudFront distribution built from the edge description. */
export class EdgeStack extends Stack {
  readonly site: SiteDistribution;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    this.site = new SiteDistribution(this, 'Site', {
      loadBalancer: props.backend.origin.loadBalancer,
      mediaBucket: props.data.mediaBucket,
      siteBucketName: `vitrine-site-${this.account}-${this.region}`,
      domain: props.domain,
    });
    const { distribution, siteBucket, keyValueStore } = this.site;

    // The pipeline uploads the static build, invalidates what changed, and
    // keeps the KeyValueStore's session keys in step with SESSION_KEYS.
    const deployAccess = new iam.Policy(this, 'DeployAccess', {
      roles: [props.registry.deployRole.role],
      statements: [
        new iam.PolicyStatement({
          sid: 'SiteBucketList',
          actions: ['s3:ListBucket'],
          resources: [siteBucket.bucketArn],
        }),
        new iam.PolicyStatement({
          sid: 'SiteBucketObjects',
          actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
          resources: [siteBucket.arnForObjects('*')],
        }),
        new iam.PolicyStatement({
          sid: 'Invalidate',
          actions: ['cloudfront:CreateInvalidation', 'cloudfront:GetInvalidation'],
          resources: [distribution.distributionArn],
        }),
        new iam.PolicyStatement({
          sid: 'KeyValueStore',
          actions: [
            'cloudfront:DescribeKeyValueStore',
            'cloudfront-keyvaluestore:DescribeKeyValueStore',
            'cloudfront-keyvaluestore:GetKey',
            'cloudfront-keyvaluestore:ListKeys',
            'cloudfront-keyvaluestore:PutKey',
            'cloudfront-keyvaluestore:DeleteKey',
            'cloudfront-keyvaluestore:UpdateKeys',
          ],
          resources: [keyValueStore.keyValueStoreArn],
        }),
        new iam.PolicyStatement({
          sid: 'SessionKeysForTheEdge',
          actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
          resources: [props.data.secrets.sessionKeys.secretArn],
        }),
      ],
    });
    NagSuppressions.addResourceSuppressions(deployAccess, [
      {
        id: 'AwsSolutions-IAM5',
        reason:
          'Object-level access to the one site bucket (its keys are the files of the build, unknown in advance); the pipeline syncs the whole build.',
        appliesTo: [
          `Resource::<${this.getLogicalId(siteBucket.node.defaultChild as s3.CfnBucket)}.Arn>/*`,
        ],
      },
    ]);

    new CfnOutput(this, 'SiteBucketName', { value: siteBucket.bucketName });
    new CfnOutput(this, 'DistributionId', { value: distribution.distributionId });
    new CfnOutput(this, 'DistributionDomainName', {
      value: distribution.distributionDomainName,
      description: 'PUBLIC_BASE_URL is https://<this> when no domain is set',
    });
    new CfnOutput(this, 'KeyValueStoreArn', {
      value: keyValueStore.keyValueStoreArn,
      description:
        'Put kid:<kid> -> secret for each SESSION_KEYS entry: aws cloudfront-keyvaluestore put-key',
    });
  }
}
