import { buildViewerRequest } from '@vitrine/edge/build';
import {
  BEHAVIOURS,
  type Behaviour,
  ORIGIN_IDS,
  RESPONSE_HEADERS,
  VIEWER_REQUEST,
} from '@vitrine/edge/description';
import { DEFAULT_FLAGS, kvsDocument } from '@vitrine/edge/kvs';
import { Annotations, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { privateBucket } from './buckets.ts';
import { type BehaviourPolicies, policiesFor } from './edge-policies.ts';
import { errorPageHandler } from './error-pages.ts';

export interface SiteDistributionProps {
  /** The internal ALB, reached through a CloudFront VPC origin. */
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  /** The media bucket (uploads), read through OAC under `/media/*`. */
  readonly mediaBucket: s3.IBucket;
  /** Fixed name of the site bucket: the error-page function names it in its code. */
  readonly siteBucketName: string;
  /** The shop's domain and its us-east-1 ACM certificate; absent: `*.cloudfront.net`. */
  readonly domain?: { name: string; certificateArn: string };
  /** The description's behaviours; the default is the real list. */
  readonly behaviours?: readonly Behaviour[];
}

/**
 * The CloudFront distribution built from edge/src/description.ts: one cache
 * behaviour per description entry, in its order; policies from its TTLs and
 * allow-lists; the viewer-request function built by the edge workspace with
 * its KeyValueStore; the response headers policy; origins `static` (site
 * bucket, OAC), `app` and `app-canary` (the internal ALB through one VPC
 * origin; the canary is the same ALB until a second target exists) and
 * `media` (media bucket, OAC).
 */
export class SiteDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly siteBucket: s3.Bucket;
  readonly logBucket: s3.Bucket;
  readonly keyValueStore: cloudfront.KeyValueStore;
  readonly viewerRequest: cloudfront.Function;
  /** Policies per behaviour name, as deployed. */
  readonly policies: ReadonlyMap<string, BehaviourPolicies>;

  constructor(scope: Construct, id: string, props: SiteDistributionProps) {
    super(scope, id);
    const behaviours = props.behaviours ?? BEHAVIOURS;

    this.siteBucket = privateBucket(this, 'SiteBucket', {
      bucketName: props.siteBucketName,
      noncurrentVersionDays: 7,
      noAccessLogReason:
        'Reads arrive only through CloudFront, whose access logs record them; writes come from the deploy role and are in CloudTrail.',
    });

    // CloudFront's standard logs are delivered with ACLs, which this bucket
    // alone enables (object writer: the log delivery account).
    this.logBucket = new s3.Bucket(this, 'LogBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: true,
      lifecycleRules: [
        {
          id: 'expire-logs',
          expiration: Duration.days(90),
          noncurrentVersionExpiration: Duration.days(1),
        },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.logBucket, [
      {
        id: 'AwsSolutions-S1',
        reason: 'This is the access-log bucket; logging it into itself would loop.',
      },
    ]);

    // Only the flags: the session keys (`kid:<kid>`) are secrets and never
    // enter a template; they are put with `aws cloudfront-keyvaluestore put-key`
    // at deploy and at every key rotation.
    this.keyValueStore = new cloudfront.KeyValueStore(this, 'KeyValueStore', {
      comment: 'Vitrine edge flags and session keys (kid:<kid>)',
      source: cloudfront.ImportSource.fromInline(
        JSON.stringify(kvsDocument(new Map(), DEFAULT_FLAGS)),
      ),
    });

    this.viewerRequest = new cloudfront.Function(this, 'ViewerRequest', {
      functionName: VIEWER_REQUEST.name,
      comment: 'Canonical URLs, S3 index rewrite, session gate, maintenance, canary',
      code: cloudfront.FunctionCode.fromInline(buildViewerRequest()),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
      keyValueStore: this.keyValueStore,
      autoPublish: true,
    });

    const responseHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ResponseHeaders', {
      comment: 'Vitrine security headers; headers the origin sets win (override false)',
      ...responseHeadersFromDescription(RESPONSE_HEADERS),
    });

    const staticOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.siteBucket, {
      originId: ORIGIN_IDS.static,
      originAccessLevels: [cloudfront.AccessLevel.READ],
    });
    // The media bucket belongs to the data stack, which grants read to this
    // account's distributions itself (see allowCloudFrontRead); CDK cannot
    // edit another stack's bucket policy, so that step is skipped here.
    const mediaOrigin = origins.S3BucketOrigin.withOriginAccessControl(
      s3.Bucket.fromBucketAttributes(this, 'Media', {
        bucketArn: props.mediaBucket.bucketArn,
        bucketName: props.mediaBucket.bucketName,
        bucketRegionalDomainName: props.mediaBucket.bucketRegionalDomainName,
      }),
      { originId: ORIGIN_IDS.media, originAccessLevels: [cloudfront.AccessLevel.READ] },
    );
    const vpcOrigin = new cloudfront.VpcOrigin(this, 'AppVpcOrigin', {
      endpoint: cloudfront.VpcOriginEndpoint.applicationLoadBalancer(props.loadBalancer),
      // Inside AWS's network from CloudFront to the ALB; TLS ends at CloudFront.
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTP_ONLY,
      httpPort: 80,
    });
    const appOriginProps = {
      domainName: props.loadBalancer.loadBalancerDnsName,
      readTimeout: Duration.seconds(30),
      keepaliveTimeout: Duration.seconds(5),
    };
    const appOrigin = origins.VpcOrigin.withVpcOrigin(vpcOrigin, {
      ...appOriginProps,
      originId: ORIGIN_IDS.app,
    });
    const originFor = (b: Behaviour): cloudfront.IOrigin =>
      b.origin === ORIGIN_IDS.static
        ? staticOrigin
        : b.origin === ORIGIN_IDS.media
          ? mediaOrigin
          : appOrigin;

    const errorFunctions = new Map<string, lambda.IVersion>();
    const errorFunctionFor = (b: Behaviour): lambda.IVersion | undefined => {
      if (b.errorPages.length === 0) return undefined;
      if (b.origin !== ORIGIN_IDS.static)
        throw new Error(`behaviour ${b.name}: error pages are served for the static origin only`);
      const key = JSON.stringify(b.errorPages);
      let version = errorFunctions.get(key);
      if (!version) {
        version = this.errorPageFunction(`ErrorPages${errorFunctions.size + 1}`, b, props);
        errorFunctions.set(key, version);
      }
      return version;
    };

    const cachePolicies = new Map<string, cloudfront.CachePolicy>();
    const requestPolicies = new Map<string, cloudfront.OriginRequestPolicy>();
    const policies = new Map<string, BehaviourPolicies>();
    const behaviourOptions = (b: Behaviour): cloudfront.BehaviorOptions => {
      const p = policiesFor(b);
      policies.set(b.name, p);
      const cacheKeyId = JSON.stringify([p.ttl, p.cacheKey, p.caching]);
      let cachePolicy = cachePolicies.get(cacheKeyId);
      if (!cachePolicy) {
        cachePolicy = new cloudfront.CachePolicy(this, `Cache-${b.name}`, {
          comment: `Vitrine ${b.name}: TTL ${p.ttl.min}/${p.ttl.default}/${p.ttl.max} s`,
          minTtl: Duration.seconds(p.ttl.min),
          defaultTtl: Duration.seconds(p.ttl.default),
          maxTtl: Duration.seconds(p.ttl.max),
          headerBehavior:
            p.cacheKey.headers.length > 0
              ? cloudfront.CacheHeaderBehavior.allowList(...p.cacheKey.headers)
              : cloudfront.CacheHeaderBehavior.none(),
          cookieBehavior:
            p.cacheKey.cookies.length > 0
              ? cloudfront.CacheCookieBehavior.allowList(...p.cacheKey.cookies)
              : cloudfront.CacheCookieBehavior.none(),
          queryStringBehavior:
            p.cacheKey.queryStrings === 'all'
              ? cloudfront.CacheQueryStringBehavior.all()
              : cloudfront.CacheQueryStringBehavior.none(),
          // Compression needs Accept-Encoding in the key, which needs a policy that may cache.
          enableAcceptEncodingGzip: p.caching,
          enableAcceptEncodingBrotli: p.caching,
        });
        cachePolicies.set(cacheKeyId, cachePolicy);
      }
      let originRequestPolicy: cloudfront.IOriginRequestPolicy | undefined;
      if (p.forwarded) {
        const f = p.forwarded;
        const requestKeyId = JSON.stringify(f);
        originRequestPolicy = requestPolicies.get(requestKeyId);
        if (!originRequestPolicy) {
          // CloudFront's default quota is 10 headers per origin request
          // policy; the app behaviours forward more (a quota increase, see the report).
          const created = new cloudfront.OriginRequestPolicy(this, `Request-${b.name}`, {
            comment: `Vitrine ${b.name}: allow-listed cookies, headers, query`,
            headerBehavior:
              f.headers.length > 0
                ? cloudfront.OriginRequestHeaderBehavior.allowList(...f.headers)
                : cloudfront.OriginRequestHeaderBehavior.none(),
            cookieBehavior:
              f.cookies.length > 0
                ? cloudfront.OriginRequestCookieBehavior.allowList(...f.cookies)
                : cloudfront.OriginRequestCookieBehavior.none(),
            queryStringBehavior:
              f.queryStrings === 'all'
                ? cloudfront.OriginRequestQueryStringBehavior.all()
                : cloudfront.OriginRequestQueryStringBehavior.none(),
          });
          requestPolicies.set(requestKeyId, created);
          originRequestPolicy = created;
        }
      }
      const errorFunction = errorFunctionFor(b);
      return {
        origin: originFor(b),
        allowedMethods:
          b.methods === 'all'
            ? cloudfront.AllowedMethods.ALLOW_ALL
            : cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        compress: true,
        cachePolicy,
        originRequestPolicy,
        responseHeadersPolicy: responseHeaders,
        functionAssociations: b.viewerRequest
          ? [
              {
                function: this.viewerRequest,
                eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
              },
            ]
          : undefined,
        edgeLambdas: errorFunction
          ? [
              {
                functionVersion: errorFunction,
                eventType: cloudfront.LambdaEdgeEventType.ORIGIN_RESPONSE,
              },
            ]
          : undefined,
      };
    };

    const last = behaviours.at(-1);
    if (last?.pathPattern !== '*' || !last)
      throw new Error('the last behaviour of the description must be the default (*)');
    const additionalBehaviors: Record<string, cloudfront.BehaviorOptions> = {};
    for (const b of behaviours.slice(0, -1)) {
      if (b.pathPattern in additionalBehaviors) throw new Error(`duplicate path ${b.pathPattern}`);
      additionalBehaviors[b.pathPattern] = behaviourOptions(b);
    }

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Vitrine storefront',
      defaultBehavior: behaviourOptions(last),
      additionalBehaviors,
      domainNames: props.domain ? [props.domain.name] : undefined,
      certificate: props.domain
        ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.domain.certificateArn)
        : undefined,
      // Settable only with a custom certificate; *.cloudfront.net has CloudFront's own policy.
      minimumProtocolVersion: props.domain
        ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021
        : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      // North America and Europe edges: the cheapest class; other viewers are served from the nearest of them.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logBucket,
      logFilePrefix: 'cloudfront/',
      // No distribution-wide error responses: they would replace the API's
      // JSON errors. The static behaviours map their errors at origin response.
    });
    this.policies = policies;
    Annotations.of(this.distribution).acknowledgeWarning(
      '@aws-cdk/aws-cloudfront-origins:updateImportedBucketPolicyOac',
      'The data stack grants the distributions of this account read on the media prefix (allowCloudFrontRead).',
    );

    // The canary origin: selected by the function (cf.selectRequestOriginById)
    // for a share of sessions, so no behaviour names it and CDK would not
    // render it. The same ALB until a second target group exists.
    const cfn = this.distribution.node.defaultChild as cloudfront.CfnDistribution;
    cfn.addPropertyOverride('DistributionConfig.Origins.3', {
      Id: ORIGIN_IDS.canary,
      DomainName: appOriginProps.domainName,
      VpcOriginConfig: {
        VpcOriginId: vpcOrigin.vpcOriginId,
        OriginReadTimeout: appOriginProps.readTimeout.toSeconds(),
        OriginKeepaliveTimeout: appOriginProps.keepaliveTimeout.toSeconds(),
      },
    });

    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'A shop sells wherever its buyers are; no country is excluded by default.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'AWS WAF (~$5/month per web ACL + $1 per rule + requests) does not fit the $100/month budget; the origin throttles logins per account and IP, validates every input, and the ALB is reachable only through CloudFront.',
      },
      ...(props.domain
        ? []
        : [
            {
              id: 'AwsSolutions-CFR4',
              reason:
                'Without a custom domain the distribution uses the *.cloudfront.net certificate, whose minimum protocol CloudFront fixes; with a domain TLSv1.2_2021 applies.',
            },
          ]),
    ]);
  }

  /** One origin-response Lambda@Edge per distinct error mapping of the static behaviours. */
  private errorPageFunction(id: string, b: Behaviour, props: SiteDistributionProps) {
    const stack = Stack.of(this);
    const fn = new cloudfront.experimental.EdgeFunction(this, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline(
        errorPageHandler({
          bucketName: props.siteBucketName,
          bucketRegion: stack.region,
          errorPages: b.errorPages,
        }),
      ),
      memorySize: 128,
      timeout: Duration.seconds(5),
      description: `Vitrine: ${b.errorPages.map((e) => `${e.status} -> ${e.page}`).join(', ')} for the static behaviours`,
    });
    fn.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['s3:GetObject'],
        resources: [
          ...new Set(
            b.errorPages.map(
              (e) =>
                `arn:${stack.partition}:s3:::${props.siteBucketName}/${e.page.replace(/^\//, '')}`,
            ),
          ),
        ],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      fn,
      [
        {
          id: 'AwsSolutions-IAM4',
          reason:
            'AWSLambdaBasicExecutionRole only lets the function write its own logs; Lambda@Edge writes them in every region it runs in, which a hand-written ARN list could not name.',
          appliesTo: [
            'Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
          ],
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            'Pinned to nodejs22.x, a runtime Lambda@Edge documents; move on when Lambda@Edge lists a newer one.',
        },
      ],
      true,
    );
    return fn.currentVersion;
  }
}

/** Maps RESPONSE_HEADERS onto CloudFront's security headers and custom headers, override false. */
export function responseHeadersFromDescription(
  headers: Readonly<Record<string, string>>,
): Pick<
  cloudfront.ResponseHeadersPolicyProps,
  'securityHeadersBehavior' | 'customHeadersBehavior'
> {
  const security: cloudfront.ResponseSecurityHeadersBehavior = {};
  const custom: cloudfront.ResponseCustomHeader[] = [];
  const mutable = security as {
    -readonly [K in keyof cloudfront.ResponseSecurityHeadersBehavior]: cloudfront.ResponseSecurityHeadersBehavior[K];
  };
  for (const [name, value] of Object.entries(headers)) {
    switch (name) {
      case 'content-security-policy':
        mutable.contentSecurityPolicy = { contentSecurityPolicy: value, override: false };
        break;
      case 'strict-transport-security': {
        const maxAge = /max-age=(\d+)/.exec(value);
        if (!maxAge?.[1]) throw new Error(`strict-transport-security needs max-age: ${value}`);
        mutable.strictTransportSecurity = {
          accessControlMaxAge: Duration.seconds(Number(maxAge[1])),
          includeSubdomains: /includeSubDomains/i.test(value),
          preload: /preload/i.test(value),
          override: false,
        };
        break;
      }
      case 'x-content-type-options':
        if (value !== 'nosniff')
          throw new Error(`x-content-type-options must be nosniff: ${value}`);
        mutable.contentTypeOptions = { override: false };
        break;
      case 'x-frame-options':
        mutable.frameOptions = {
          frameOption: value.toUpperCase() as cloudfront.HeadersFrameOption,
          override: false,
        };
        break;
      case 'referrer-policy':
        mutable.referrerPolicy = {
          referrerPolicy: value as cloudfront.HeadersReferrerPolicy,
          override: false,
        };
        break;
      default:
        custom.push({ header: name, value, override: false });
    }
  }
  return {
    securityHeadersBehavior: security,
    customHeadersBehavior: custom.length > 0 ? { customHeaders: custom } : undefined,
  };
}
