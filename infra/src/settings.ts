/*
 * What a deployment of Vitrine varies by. bin/vitrine.ts fills it from the
 * environment (the only place that reads it); the tests fill it by hand.
 */

/** Settings of one deployment (one AWS account and region). */
export interface VitrineSettings {
  /** Account and region of every stack; synthesis needs neither credentials nor lookups. */
  env: { account: string; region: string };
  /**
   * The shop's own domain, e.g. `shop.example.com`, with its ACM certificate
   * (which CloudFront requires in us-east-1). Absent: the `*.cloudfront.net` name.
   */
  domain?: { name: string; certificateArn: string };
  /** The GitHub repository, `owner/name`, whose main branch may deploy (OIDC). */
  githubRepository: string;
  /**
   * A GitHub environment the deploy job runs in. GitHub then puts
   * `environment:<name>` in the token's subject instead of the branch, so the
   * role trusts that subject too.
   */
  githubEnvironment?: string;
  /**
   * ARN of the account's existing GitHub OIDC provider (an account has one per
   * issuer URL). Absent: the registry stack creates it.
   */
  githubOidcProviderArn?: string;
  /**
   * The origin's PUBLIC_BASE_URL: `https://<domain>` with a domain; without
   * one, `https://<distribution domain>`, known only after the edge stack's
   * first deploy (its DistributionDomainName output), so such a shop deploys
   * the backend a second time with it.
   */
  publicBaseUrl: string;
  /**
   * Path of the RDS CA bundle inside the origin image; set, the origin
   * verifies the database's certificate (see BackendStackProps).
   */
  databaseCaBundlePath?: string;
  /** Tag of the origin image in ECR; the pipeline pushes it before deploying. */
  imageTag: string;
  /** Where alarms are e-mailed; absent: the SNS topic has no subscription. */
  alarmEmail?: string;
  /**
   * The origin's payment provider. `test` (the built-in processor) lets a demo
   * shop run without an account; a shop that sells sets `stripe` and puts its
   * keys in the payments secret.
   */
  payments: 'test' | 'stripe';
  /**
   * Id of the CloudFront origin-facing managed prefix list
   * (`com.amazonaws.global.cloudfront.origin-facing`) in the region, which the
   * ALB admits. Its id differs per region and is passed in, not looked up.
   */
  cloudFrontPrefixListId: string;
}

/** Placeholders that let `cdk synth` run with nothing set; a deploy replaces them. */
export const PLACEHOLDERS = {
  account: '111111111111',
  region: 'us-east-1',
  githubRepository: 'example/vitrine',
  imageTag: 'latest-build',
  /** Reserved (RFC 2606): never a real shop; a deploy without a domain passes the distribution's. */
  publicBaseUrl: 'https://vitrine.invalid',
} as const;

/**
 * The origin-facing prefix list per region, from
 * `aws ec2 describe-managed-prefix-lists --filters Name=prefix-list-name,Values=com.amazonaws.global.cloudfront.origin-facing`.
 * Other regions pass the id in (VITRINE_CLOUDFRONT_PREFIX_LIST_ID).
 */
export const CLOUDFRONT_ORIGIN_FACING_PREFIX_LISTS: Readonly<Record<string, string>> = {
  'us-east-1': 'pl-3b927c52',
};

/** The settings the tests synthesise: placeholders, with every optional part switched on. */
export function testSettings(overrides: Partial<VitrineSettings> = {}): VitrineSettings {
  return {
    env: { account: PLACEHOLDERS.account, region: PLACEHOLDERS.region },
    githubRepository: PLACEHOLDERS.githubRepository,
    imageTag: 'test-tag',
    publicBaseUrl: 'https://shop.example.com',
    alarmEmail: 'ops@example.com',
    payments: 'test',
    cloudFrontPrefixListId: 'pl-3b927c52',
    ...overrides,
  };
}
