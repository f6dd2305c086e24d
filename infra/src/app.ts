import { App, type AppProps, Tags } from 'aws-cdk-lib';
import type { VitrineSettings } from './settings.ts';
import { BackendStack } from './stacks/backend-stack.ts';
import { DataStack } from './stacks/data-stack.ts';
import { EdgeStack } from './stacks/edge-stack.ts';
import { MonitoringStack } from './stacks/monitoring-stack.ts';
import { NetworkStack } from './stacks/network-stack.ts';
import { RegistryStack } from './stacks/registry-stack.ts';

/** Stack names, as the pipeline and the README refer to them. */
export const STACK_NAMES = {
  network: 'VitrineNetwork',
  data: 'VitrineData',
  registry: 'VitrineRegistry',
  backend: 'VitrineBackend',
  edge: 'VitrineEdge',
  monitoring: 'VitrineMonitoring',
} as const;

/** Feature flags, the same for `cdk synth` and the tests (cdk.json is read by the CLI only). */
export const APP_CONTEXT: Readonly<Record<string, unknown>> = {
  // Exports stay protected while another stack imports them (CloudFormation refuses the change).
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
  '@aws-cdk/aws-iam:minimizePolicies': true,
  '@aws-cdk/core:enablePartitionLiterals': true,
  '@aws-cdk/aws-ecs:arnFormatIncludesClusterName': true,
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021': true,
  '@aws-cdk/aws-ecs:disableExplicitDeploymentControllerForCircuitBreaker': true,
  '@aws-cdk/aws-ecs:removeDefaultDeploymentAlarm': true,
  '@aws-cdk/aws-stepfunctions-tasks:useNewS3UriParametersForBedrockInvokeModelTask': true,
};

export interface VitrineStacks {
  network: NetworkStack;
  data: DataStack;
  registry: RegistryStack;
  backend: BackendStack;
  edge: EdgeStack;
  monitoring: MonitoringStack;
}

/** The whole app: six stacks in deployment order. */
export function buildStacks(app: App, settings: VitrineSettings): VitrineStacks {
  const env = settings.env;
  const network = new NetworkStack(app, STACK_NAMES.network, {
    env,
    description: 'Vitrine: VPC without NAT gateway, security groups',
    cloudFrontPrefixListId: settings.cloudFrontPrefixListId,
  });
  const data = new DataStack(app, STACK_NAMES.data, {
    env,
    description: 'Vitrine: PostgreSQL, Valkey, media bucket, app secrets (stateful)',
    network: network.network,
    payments: settings.payments,
  });
  const registry = new RegistryStack(app, STACK_NAMES.registry, {
    env,
    description: 'Vitrine: ECR repository and the GitHub OIDC deploy role',
    githubRepository: settings.githubRepository,
    githubEnvironment: settings.githubEnvironment,
    githubOidcProviderArn: settings.githubOidcProviderArn,
  });
  const backend = new BackendStack(app, STACK_NAMES.backend, {
    env,
    description: 'Vitrine: origin service on ECS Fargate behind an internal ALB',
    network: network.network,
    data,
    registry,
    imageTag: settings.imageTag,
    publicBaseUrl: settings.publicBaseUrl,
    payments: settings.payments,
    databaseCaBundlePath: settings.databaseCaBundlePath,
  });
  const edge = new EdgeStack(app, STACK_NAMES.edge, {
    env,
    description: 'Vitrine: CloudFront distribution built from edge/src/description.ts',
    backend,
    data,
    registry,
    domain: settings.domain,
  });
  const monitoring = new MonitoringStack(app, STACK_NAMES.monitoring, {
    env,
    description: 'Vitrine: dashboard, alarms, alarm topic',
    backend,
    data,
    edge,
    alarmEmail: settings.alarmEmail,
  });
  for (const stack of [network, data, registry, backend, edge, monitoring])
    Tags.of(stack).add('project', 'vitrine');
  return { network, data, registry, backend, edge, monitoring };
}

/** A new App with the shared feature flags. */
export function newApp(props: AppProps = {}): App {
  return new App({ ...props, context: { ...APP_CONTEXT, ...props.context } });
}
