import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { buildViewerRequest } from '@vitrine/edge/build';
import {
  BEHAVIOURS,
  type Behaviour,
  behaviourFor,
  KVS_KEYS,
  ORIGIN_IDS,
  RESPONSE_HEADERS,
} from '@vitrine/edge/description';
import { errorPageHandler } from '../constructs/error-pages.ts';
import { bucketPolicyStatements, onlyResource, resourcesOf, synthesise } from '../testing.ts';

interface CfnBehaviour {
  PathPattern?: string;
  TargetOriginId: string;
  AllowedMethods: string[];
  CachedMethods: string[];
  CachePolicyId: { Ref: string };
  OriginRequestPolicyId?: { Ref: string };
  ResponseHeadersPolicyId: { Ref: string };
  FunctionAssociations?: { EventType: string; FunctionARN: { 'Fn::GetAtt': [string, string] } }[];
  LambdaFunctionAssociations?: { EventType: string; LambdaFunctionARN: { Ref: string } }[];
  Compress: boolean;
  ViewerProtocolPolicy: string;
}

interface ListConfig {
  HeaderBehavior?: string;
  CookieBehavior?: string;
  QueryStringBehavior?: string;
  Headers?: string[];
  Cookies?: string[];
}

describe('VitrineEdge', () => {
  const { json } = synthesise();
  const edge = json.edge;
  const dist = onlyResource(edge, 'AWS::CloudFront::Distribution').Properties
    ?.DistributionConfig as {
    DefaultCacheBehavior: CfnBehaviour;
    CacheBehaviors: CfnBehaviour[];
    Origins: Record<string, unknown>[];
    CustomErrorResponses?: unknown;
    Logging?: unknown;
  };
  const deployed = [...dist.CacheBehaviors, { ...dist.DefaultCacheBehavior, PathPattern: '*' }];
  const props = (ref: { Ref: string } | undefined) =>
    ref
      ? (edge.Resources[ref.Ref]?.Properties as Record<string, Record<string, unknown>>)
      : undefined;

  /** What a deployed behaviour sends to its origin: cache key and origin request policy together. */
  const reaching = (b: CfnBehaviour) => {
    const cache = props(b.CachePolicyId)?.CachePolicyConfig as Record<string, unknown>;
    const key = cache.ParametersInCacheKeyAndForwardedToOrigin as Record<string, ListConfig>;
    const request = props(b.OriginRequestPolicyId)?.OriginRequestPolicyConfig as
      | Record<string, ListConfig>
      | undefined;
    const list = (c: ListConfig | undefined, kind: 'Headers' | 'Cookies') =>
      c?.[kind === 'Headers' ? 'HeaderBehavior' : 'CookieBehavior'] === 'none'
        ? []
        : (c?.[kind] ?? []);
    const headers = [
      ...list(key.HeadersConfig, 'Headers'),
      ...list(request?.HeadersConfig, 'Headers'),
    ].sort();
    const cookies = [
      ...list(key.CookiesConfig, 'Cookies'),
      ...list(request?.CookiesConfig, 'Cookies'),
    ].sort();
    const query =
      key.QueryStringsConfig?.QueryStringBehavior === 'all' ||
      request?.QueryStringsConfig?.QueryStringBehavior === 'all'
        ? 'all'
        : 'none';
    return {
      headers,
      cookies,
      query,
      ttl: { min: cache.MinTTL, default: cache.DefaultTTL, max: cache.MaxTTL },
    };
  };

  it('when synthesised, then the behaviours are the description’s, in its order, default last', () => {
    assert.deepEqual(
      deployed.map((b) => b.PathPattern),
      BEHAVIOURS.map((b) => b.pathPattern),
    );
  });

  for (const [i, b] of BEHAVIOURS.entries()) {
    it(`when synthesised, then behaviour ${b.name} (${b.pathPattern}) has the description’s origin, methods, allow-lists and TTLs`, () => {
      const d = deployed[i] as CfnBehaviour;
      assert.equal(d.TargetOriginId, b.origin);
      assert.deepEqual(
        [...d.AllowedMethods].sort(),
        b.methods === 'all'
          ? ['DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT']
          : ['GET', 'HEAD'],
      );
      const r = reaching(d);
      assert.deepEqual(r.headers, [...b.headers].sort(), 'headers');
      assert.deepEqual(r.cookies, [...b.cookies].sort(), 'cookies');
      assert.equal(r.query, b.queryStrings, 'query strings');
      assert.deepEqual(r.ttl, b.cache, 'TTLs');
      assert.equal(d.ViewerProtocolPolicy, 'redirect-to-https');
      assert.equal(d.Compress, true);
      assert.equal((d.FunctionAssociations ?? []).length, b.viewerRequest ? 1 : 0, 'function');
      assert.equal((d.LambdaFunctionAssociations ?? []).length, b.errorPages.length > 0 ? 1 : 0);
    });
  }

  it('when a behaviour may cache, then its cookies and query string are in the cache key (no answer crosses sessions)', () => {
    for (const [i, b] of BEHAVIOURS.entries()) {
      if (b.cache.max === 0) continue;
      const cache = props((deployed[i] as CfnBehaviour).CachePolicyId)?.CachePolicyConfig as Record<
        string,
        unknown
      >;
      const key = cache.ParametersInCacheKeyAndForwardedToOrigin as Record<string, ListConfig>;
      assert.deepEqual(
        [...(key.CookiesConfig?.Cookies ?? [])].sort(),
        [...b.cookies].sort(),
        b.name,
      );
      assert.equal(key.QueryStringsConfig?.QueryStringBehavior, b.queryStrings, b.name);
    }
  });

  it('when synthesised, then the viewer-request function is the edge build’s, on cloudfront-js-2.0, with the KeyValueStore', () => {
    const fn = onlyResource(edge, 'AWS::CloudFront::Function').Properties as Record<
      string,
      unknown
    >;
    assert.equal(fn.FunctionCode, buildViewerRequest());
    const config = fn.FunctionConfig as { Runtime: string; KeyValueStoreAssociations: unknown[] };
    assert.equal(config.Runtime, 'cloudfront-js-2.0');
    assert.equal(config.KeyValueStoreAssociations.length, 1);
    assert.equal(fn.AutoPublish, true);
    for (const b of deployed)
      for (const f of b.FunctionAssociations ?? []) assert.equal(f.EventType, 'viewer-request');
  });

  it('when synthesised, then the KeyValueStore is created with the flags only, never a session key', () => {
    const kvs = onlyResource(edge, 'AWS::CloudFront::KeyValueStore');
    assert.ok(kvs.Properties.ImportSource, 'imported from the inline document');
    const { outdir } = synthesise();
    // The inline document is written as an asset next to the templates.
    const docs = readdirSync(outdir)
      .filter((f) => f.startsWith('asset.') && f.endsWith('.json'))
      .map((f) => readFileSync(join(outdir, f), 'utf8'))
      .filter((t) => t.includes('"data"'));
    assert.equal(docs.length, 1);
    const doc = JSON.parse(docs[0] as string) as { data: { key: string }[] };
    assert.deepEqual(
      doc.data.map((e) => e.key),
      [KVS_KEYS.flags],
    );
    assert.ok(doc.data.every((e) => !e.key.startsWith(KVS_KEYS.keyPrefix)));
  });

  it('when synthesised, then the response headers policy is RESPONSE_HEADERS, never overriding the origin’s own', () => {
    const policy = onlyResource(edge, 'AWS::CloudFront::ResponseHeadersPolicy').Properties
      ?.ResponseHeadersPolicyConfig as Record<string, Record<string, Record<string, unknown>>>;
    const sec = policy.SecurityHeadersConfig ?? {};
    const custom = (policy.CustomHeadersConfig?.Items ?? []) as unknown as {
      Header: string;
      Value: string;
      Override: boolean;
    }[];
    assert.equal(
      sec.ContentSecurityPolicy?.ContentSecurityPolicy,
      RESPONSE_HEADERS['content-security-policy'],
    );
    assert.equal(sec.StrictTransportSecurity?.AccessControlMaxAgeSec, 63072000);
    assert.equal(sec.StrictTransportSecurity?.IncludeSubdomains, true);
    assert.equal(sec.FrameOptions?.FrameOption, RESPONSE_HEADERS['x-frame-options']);
    assert.equal(sec.ReferrerPolicy?.ReferrerPolicy, RESPONSE_HEADERS['referrer-policy']);
    assert.ok(sec.ContentTypeOptions);
    for (const h of Object.values(sec)) assert.equal(h.Override, false);
    assert.deepEqual(
      custom.map((c) => [c.Header, c.Value, c.Override]),
      [['permissions-policy', RESPONSE_HEADERS['permissions-policy'], false]],
    );
    for (const b of deployed) assert.ok(b.ResponseHeadersPolicyId);
  });

  it('when synthesised, then the origins are static (S3, OAC), app and app-canary (one VPC origin to the ALB) and media (S3, OAC)', () => {
    const byId = Object.fromEntries(dist.Origins.map((o) => [o.Id as string, o]));
    assert.deepEqual(
      Object.keys(byId).sort(),
      [ORIGIN_IDS.canary, ORIGIN_IDS.app, ORIGIN_IDS.media, ORIGIN_IDS.static].sort(),
    );
    for (const id of [ORIGIN_IDS.static, ORIGIN_IDS.media]) {
      assert.ok(byId[id]?.OriginAccessControlId, `${id} uses OAC`);
      assert.deepEqual(byId[id]?.S3OriginConfig, { OriginAccessIdentity: '' });
    }
    const vpcOrigin = (id: string) => {
      const config = byId[id]?.VpcOriginConfig as { VpcOriginId: unknown } | undefined;
      assert.ok(config, `${id} is a VPC origin`);
      return JSON.stringify(config.VpcOriginId);
    };
    assert.equal(vpcOrigin(ORIGIN_IDS.app), vpcOrigin(ORIGIN_IDS.canary));
    const vpc = onlyResource(edge, 'AWS::CloudFront::VpcOrigin').Properties
      .VpcOriginEndpointConfig as Record<string, unknown>;
    assert.match(JSON.stringify(vpc.Arn), /VitrineBackend/);
  });

  it('when synthesised, then there are no distribution-wide error responses (the API keeps its JSON errors)', () => {
    assert.equal(dist.CustomErrorResponses, undefined);
  });

  it('when a request is for /metrics, then CloudFront sends it to S3, never to the app', () => {
    assert.equal(behaviourFor('/metrics').origin, ORIGIN_IDS.static);
    assert.equal(behaviourFor('/metrics/x').origin, ORIGIN_IDS.static);
  });

  it('when synthesised, then the site bucket is private, refuses plain HTTP, and only this distribution reads it', () => {
    const site = resourcesOf(edge, 'AWS::S3::Bucket').find(([, b]) => b.Properties.BucketName);
    assert.ok(site);
    const [bucketId, bucket] = site;
    assert.equal(
      (bucket.Properties.PublicAccessBlockConfiguration as Record<string, boolean>)
        .RestrictPublicBuckets,
      true,
    );
    const statements = bucketPolicyStatements(edge, bucketId);
    assert.ok(
      statements.some(
        (s) => s.Effect === 'Deny' && JSON.stringify(s.Condition).includes('aws:SecureTransport'),
      ),
    );
    const cf = statements.filter((s) =>
      JSON.stringify(s.Principal).includes('cloudfront.amazonaws.com'),
    );
    assert.equal(cf.length, 1);
    assert.match(JSON.stringify(cf[0]?.Condition), /SiteDistribution/);
    assert.deepEqual(cf[0]?.Action, 's3:GetObject');
  });

  it('when synthesised, then access logs go to the log bucket and OAC signs every S3 request', () => {
    assert.ok(dist.Logging);
    for (const [, oac] of resourcesOf(edge, 'AWS::CloudFront::OriginAccessControl'))
      assert.deepEqual(oac.Properties.OriginAccessControlConfig, {
        Name: (oac.Properties.OriginAccessControlConfig as { Name: unknown }).Name,
        OriginAccessControlOriginType: 's3',
        SigningBehavior: 'always',
        SigningProtocol: 'sigv4',
      });
  });
});

describe('error pages (origin-response Lambda@Edge)', () => {
  const catalogue = BEHAVIOURS.find((b) => b.pathPattern === '*') as Behaviour;
  const code = errorPageHandler({
    bucketName: 'site',
    bucketRegion: 'us-east-1',
    errorPages: catalogue.errorPages,
  });
  const load = (page: string | Error) => {
    const requested: string[] = [];
    const module = { exports: {} as { handler: (e: unknown) => Promise<Record<string, unknown>> } };
    const fakeRequire = (name: string) => {
      if (name === 'node:http') return { STATUS_CODES: { 404: 'Not Found' } };
      return {
        S3Client: class {
          async send(command: { input: { Key: string } }) {
            requested.push(command.input.Key);
            if (page instanceof Error) throw page;
            return { Body: { transformToString: async () => page } };
          }
        },
        GetObjectCommand: class {
          input: unknown;
          constructor(input: unknown) {
            this.input = input;
          }
        },
      };
    };
    const quiet = { error: () => {}, log: () => {} };
    runInNewContext(code, {
      require: fakeRequire,
      module,
      exports: module.exports,
      console: quiet,
      Date,
      Map,
      String,
    });
    const event = (status: string) => ({
      Records: [{ cf: { response: { status, headers: {} } } }],
    });
    return { handler: module.exports.handler, event, requested };
  };

  it('when S3 answers 403 for a missing key, then the viewer gets the 404 page with 404', async () => {
    const { handler, event, requested } = load('<h1>not here</h1>');
    const out = await handler(event('403'));
    assert.equal(out.status, '404');
    assert.equal(out.body, '<h1>not here</h1>');
    assert.deepEqual(requested, ['404.html']);
    assert.match(JSON.stringify(out.headers), /max-age=60/);
  });

  it('when S3 answers 200, then the response passes untouched', async () => {
    const { handler, event, requested } = load('x');
    const response = event('200').Records[0]?.cf.response;
    assert.equal(await handler(event('200')).then((r) => r.status), response?.status);
    assert.deepEqual(requested, []);
  });

  it('when the page cannot be read, then a small fallback page still answers 404', async () => {
    const { handler, event } = load(new Error('AccessDenied'));
    const out = await handler(event('404'));
    assert.equal(out.status, '404');
    assert.match(String(out.body), /Not found/);
  });
});
