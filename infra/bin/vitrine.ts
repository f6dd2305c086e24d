/*
 * The CDK app: the only place infra reads its environment. Every variable is
 * optional for `cdk synth` (placeholders keep synthesis credential-free and
 * lookup-free); a deploy sets at least the account, region, repository and
 * image tag.
 *
 *   CDK_DEFAULT_ACCOUNT / CDK_DEFAULT_REGION  (or VITRINE_ACCOUNT / VITRINE_REGION)
 *                                  default 111111111111 / us-east-1
 *   VITRINE_DOMAIN_NAME, VITRINE_CERTIFICATE_ARN   both or neither (us-east-1 ACM)
 *   VITRINE_PUBLIC_BASE_URL        default https://<domain>, else https://vitrine.invalid
 *   VITRINE_GITHUB_REPOSITORY      owner/name, default example/vitrine
 *   VITRINE_GITHUB_ENVIRONMENT     a GitHub environment the deploy job uses
 *   VITRINE_GITHUB_OIDC_PROVIDER_ARN   the account's existing GitHub OIDC provider
 *   VITRINE_IMAGE_TAG              default latest-build
 *   VITRINE_ALARM_EMAIL            alarm subscription
 *   VITRINE_PAYMENTS_PROVIDER      test (default) or stripe
 *   VITRINE_CLOUDFRONT_PREFIX_LIST_ID  needed outside us-east-1
 *   VITRINE_DB_CA_BUNDLE           RDS CA bundle path inside the image (verify-full)
 */
import { buildStacks, newApp } from '../src/app.ts';
import {
  CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS,
  PLACEHOLDERS,
  type VitrineSettings,
} from '../src/settings.ts';

const env = process.env;
const read = (name: string): string | undefined => {
  const value = env[name]?.trim();
  return value ? value : undefined;
};

function fail(message: string): never {
  console.error(`infra: ${message}`);
  process.exit(1);
}

const account = read('VITRINE_ACCOUNT') ?? read('CDK_DEFAULT_ACCOUNT') ?? PLACEHOLDERS.account;
const region = read('VITRINE_REGION') ?? read('CDK_DEFAULT_REGION') ?? PLACEHOLDERS.region;
const domainName = read('VITRINE_DOMAIN_NAME');
const certificateArn = read('VITRINE_CERTIFICATE_ARN');
if (Boolean(domainName) !== Boolean(certificateArn))
  fail('set VITRINE_DOMAIN_NAME and VITRINE_CERTIFICATE_ARN together, or neither');
const prefixList =
  read('VITRINE_CLOUDFRONT_PREFIX_LIST_ID') ?? CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS[region];
if (!prefixList)
  fail(
    `no known CloudFront origin-facing prefix list for ${region}: set VITRINE_CLOUDFRONT_PREFIX_LIST_ID`,
  );
const payments = read('VITRINE_PAYMENTS_PROVIDER') ?? 'test';
if (payments !== 'test' && payments !== 'stripe')
  fail(`VITRINE_PAYMENTS_PROVIDER must be test or stripe, got ${payments}`);

const settings: VitrineSettings = {
  env: { account, region },
  domain:
    domainName && certificateArn ? { name: domainName, certificateArn: certificateArn } : undefined,
  publicBaseUrl:
    read('VITRINE_PUBLIC_BASE_URL') ??
    (domainName ? `https://${domainName}` : PLACEHOLDERS.publicBaseUrl),
  githubRepository: read('VITRINE_GITHUB_REPOSITORY') ?? PLACEHOLDERS.githubRepository,
  githubEnvironment: read('VITRINE_GITHUB_ENVIRONMENT'),
  githubOidcProviderArn: read('VITRINE_GITHUB_OIDC_PROVIDER_ARN'),
  imageTag: read('VITRINE_IMAGE_TAG') ?? PLACEHOLDERS.imageTag,
  alarmEmail: read('VITRINE_ALARM_EMAIL'),
  payments,
  cloudFrontPrefixListId: prefixList,
  databaseCaBundlePath: read('VITRINE_DB_CA_BUNDLE'),
};

const app = newApp();
buildStacks(app, settings);
app.synth();
