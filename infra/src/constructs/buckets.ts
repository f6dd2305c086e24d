import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import type { Construct } from 'constructs';

export interface PrivateBucketProps {
  /** A fixed name when something outside CloudFormation must know it (e.g. Lambda@Edge code). */
  readonly bucketName?: string;
  /** Days a replaced or deleted object version is kept. */
  readonly noncurrentVersionDays: number;
  /** RETAIN for data; the site bucket is rebuilt by every deploy but is retained too (no DESTROY). */
  readonly removalPolicy?: RemovalPolicy;
  /** Why this bucket has no server access log (cdk-nag AwsSolutions-S1). */
  readonly noAccessLogReason: string;
}

/**
 * A bucket nobody reads directly: public access blocked, ACLs off, TLS
 * required (1.2+), SSE-S3 (which CloudFront's OAC reads without a key
 * policy), versioned, with noncurrent versions and stale uploads expired.
 */
export function privateBucket(scope: Construct, id: string, props: PrivateBucketProps): s3.Bucket {
  const bucket = new s3.Bucket(scope, id, {
    bucketName: props.bucketName,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    versioned: true,
    lifecycleRules: [
      {
        id: 'expire-old-versions',
        noncurrentVersionExpiration: Duration.days(props.noncurrentVersionDays),
        abortIncompleteMultipartUploadAfter: Duration.days(7),
      },
    ],
    removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
  });
  NagSuppressions.addResourceSuppressions(bucket, [
    { id: 'AwsSolutions-S1', reason: props.noAccessLogReason },
  ]);
  return bucket;
}

/**
 * Lets CloudFront distributions of this account read the bucket through an
 * origin access control. The distribution lives in a later stack, so its id
 * cannot be named here without the stacks depending on each other both ways;
 * the grant is bounded to this account's distributions, and only to GetObject.
 */
export function allowCloudFrontRead(bucket: s3.Bucket, keyPattern = '*'): void {
  const stack = Stack.of(bucket);
  bucket.addToResourcePolicy(
    new iam.PolicyStatement({
      sid: 'CloudFrontOriginAccessControlRead',
      principals: [new iam.ServicePrincipal('cloudfront.amazonaws.com')],
      actions: ['s3:GetObject'],
      resources: [bucket.arnForObjects(keyPattern)],
      conditions: {
        StringEquals: { 'AWS:SourceAccount': stack.account },
        ArnLike: {
          'AWS:SourceArn': `arn:${stack.partition}:cloudfront::${stack.account}:distribution/*`,
        },
      },
    }),
  );
}
