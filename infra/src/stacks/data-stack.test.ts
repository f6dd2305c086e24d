import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { bucketPolicyStatements, onlyResource, resourcesOf, synthesise } from '../testing.ts';

describe('VitrineData', () => {
  const { json, templates, stacks } = synthesise();
  const data = json.data;
  const db = onlyResource(data, 'AWS::RDS::DBInstance');

  it('when synthesised, then the stateful stack has termination protection', () => {
    assert.equal(stacks.data.terminationProtection, true);
  });

  it('when synthesised, then RDS is PostgreSQL 16 on db.t4g.micro, encrypted and private', () => {
    const p = db.Properties ?? {};
    assert.equal(p.Engine, 'postgres');
    assert.match(String(p.EngineVersion), /^16(\.|$)/);
    assert.equal(p.DBInstanceClass, 'db.t4g.micro');
    assert.equal(p.StorageEncrypted, true);
    assert.equal(p.PubliclyAccessible, false);
    assert.equal(p.StorageType, 'gp3');
  });

  it('when synthesised, then RDS lives in the isolated data subnets', () => {
    const group = onlyResource(data, 'AWS::RDS::DBSubnetGroup');
    const subnetIds = JSON.stringify(group.Properties.SubnetIds);
    assert.match(subnetIds, /NetworkVpcdataSubnet1/);
    assert.match(subnetIds, /NetworkVpcdataSubnet2/);
    assert.doesNotMatch(subnetIds, /appSubnet|ingressSubnet/);
  });

  it('when synthesised, then RDS has deletion protection, 7 days of backups and a snapshot on delete', () => {
    assert.equal(db.Properties.DeletionProtection, true);
    assert.equal(db.Properties.BackupRetentionPeriod, 7);
    assert.equal(db.DeletionPolicy, 'Snapshot');
    assert.equal(db.UpdateReplacePolicy, 'Snapshot');
  });

  it('when synthesised, then the master password is managed by RDS in Secrets Manager, never in the template', () => {
    assert.equal(db.Properties.ManageMasterUserPassword, true);
    assert.equal(db.Properties.MasterUserPassword, undefined);
    assert.equal(db.Properties.EnableIAMDatabaseAuthentication, true);
  });

  it('when synthesised, then PostgreSQL requires TLS and its logs have a retention', () => {
    templates.data.hasResourceProperties('AWS::RDS::DBParameterGroup', {
      Parameters: Match.objectLike({ 'rds.force_ssl': '1' }),
    });
    templates.data.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/rds/instance/vitrine/postgresql',
      RetentionInDays: 30,
    });
  });

  it('when synthesised, then the cache is serverless Valkey (always TLS) with bounded limits, reached only through its group', () => {
    const cache = onlyResource(data, 'AWS::ElastiCache::ServerlessCache');
    const p = cache.Properties ?? {};
    assert.equal(p.Engine, 'valkey');
    assert.deepEqual(p.CacheUsageLimits, {
      DataStorage: { Maximum: 1, Unit: 'GB' },
      ECPUPerSecond: { Maximum: 5000 },
    });
    assert.equal((p.SecurityGroupIds as unknown[]).length, 1);
    assert.match(JSON.stringify(p.SubnetIds), /NetworkVpcdataSubnet/);
  });

  it('when synthesised, then the media bucket is private, versioned and refuses plain HTTP', () => {
    const [first] = resourcesOf(data, 'AWS::S3::Bucket');
    assert.ok(first);
    const [id, bucket] = first;
    assert.deepEqual(bucket.Properties.PublicAccessBlockConfiguration, {
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    assert.deepEqual(bucket.Properties.VersioningConfiguration, { Status: 'Enabled' });
    const statements = bucketPolicyStatements(data, id);
    assert.ok(
      statements.some(
        (s) =>
          s.Effect === 'Deny' &&
          JSON.stringify(s.Condition).includes('"aws:SecureTransport":"false"'),
      ),
      'no deny without TLS',
    );
    const cloudfront = statements.filter((s) =>
      JSON.stringify(s.Principal).includes('cloudfront.amazonaws.com'),
    );
    assert.equal(cloudfront.length, 1);
    assert.equal(cloudfront[0]?.Action, 's3:GetObject');
    assert.match(JSON.stringify(cloudfront[0]?.Resource), /\/media\/\*/);
    assert.match(JSON.stringify(cloudfront[0]?.Condition), /cloudfront::111111111111:distribution/);
  });

  it('when synthesised, then nothing in the stack is deleted with it', () => {
    for (const [id, r] of Object.entries(data.Resources)) {
      if (
        !/RDS::DBInstance|ElastiCache::ServerlessCache|S3::Bucket$|SecretsManager::Secret|Logs::LogGroup/.test(
          r.Type,
        )
      )
        continue;
      assert.ok(
        r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'Snapshot',
        `${id} (${r.Type}) has DeletionPolicy ${r.DeletionPolicy}`,
      );
    }
  });

  it('when synthesised, then the logical ids of live data are the ones deployed (a rename would replace them)', () => {
    const stateful = Object.entries(data.Resources)
      .filter(([, r]) =>
        /RDS::DBInstance|ElastiCache::ServerlessCache|S3::Bucket$|SecretsManager::Secret$/.test(
          r.Type,
        ),
      )
      .map(([id]) => id)
      .sort();
    assert.deepEqual(stateful, [
      'AppSecretsCatalogExportToken631C0C53',
      'AppSecretsPaymentsWebhookSecret920BBDD0',
      'AppSecretsSessionKeySeed5C839887',
      'AppSecretsSessionKeys89A54CC3',
      'CacheServerlessB4693E6C',
      'DatabaseInstanceAA8A5FDE',
      'MediaBucketBCBB02BA',
    ]);
  });

  it('when synthesised, then SESSION_KEYS is composed from a generated seed by reference, no secret in the template', () => {
    const [, keys] = resourcesOf(data, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('AppSecretsSessionKeys'),
    ) as [string, { Properties: Record<string, unknown> }];
    const value = JSON.stringify(keys.Properties.SecretString);
    assert.match(value, /"k1:\{\{resolve:secretsmanager:/);
    assert.match(value, /AppSecretsSessionKeySeed/);
    for (const [id, r] of resourcesOf(data, 'AWS::SecretsManager::Secret')) {
      if (id.startsWith('AppSecretsSessionKeys')) continue;
      assert.ok(r.Properties.GenerateSecretString, `${id} is generated by Secrets Manager`);
    }
  });

  it('when payments are Stripe, then a secret holds the two keys in the shapes the origin accepts', () => {
    const stripe = synthesise({ payments: 'stripe' }).json.data;
    const [, secret] = resourcesOf(stripe, 'AWS::SecretsManager::Secret').find(([id]) =>
      id.startsWith('AppSecretsStripeKeys'),
    ) as [string, { Properties: Record<string, unknown> }];
    const value = JSON.parse(String(secret.Properties.SecretString)) as Record<string, string>;
    assert.match(value.STRIPE_SECRET_KEY ?? '', /^(sk|rk)_(live|test)_[A-Za-z0-9]+$/);
    assert.match(value.STRIPE_WEBHOOK_SECRET ?? '', /^whsec_[A-Za-z0-9]+$/);
  });
});
