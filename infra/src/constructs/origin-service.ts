import { Duration, RemovalPolicy, Size } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import type { SecretVariable } from './app-secrets.ts';
import { PORTS, SUBNETS } from './network.ts';

/** Fargate sizes the cost model compares; see infra/scripts/cost.ts. */
export const TASK_SIZES = {
  small: { cpu: 256, memoryMiB: 512 },
  standard: { cpu: 512, memoryMiB: 1024 },
} as const;

/** Shutdown budget, in seconds: ECS's SIGTERM-to-SIGKILL wait and the origin's share of it. */
export const SHUTDOWN = {
  /** ECS stopTimeout (Fargate's maximum is 120). */
  stopTimeoutS: 25,
  /** SHUTDOWN_DELAY_MS: readiness fails first while requests are still served. */
  delayMs: 5_000,
  /** SHUTDOWN_TIMEOUT_MS: then in-flight requests finish; delay + timeout ≤ 22 s. */
  timeoutMs: 15_000,
  /** The ALB stops sending new requests after this long (target deregistration delay). */
  deregistrationDelayS: 20,
} as const;

export interface OriginServiceProps {
  readonly vpc: ec2.IVpc;
  readonly albSecurityGroup: ec2.ISecurityGroup;
  readonly tasksSecurityGroup: ec2.ISecurityGroup;
  readonly repository: ecr.IRepository;
  /** The image tag the pipeline pushed (immutable tags: one tag, one image). */
  readonly imageTag: string;
  /** vCPU units and memory; `standard` (0.5 vCPU, 1 GB) unless the cost model says otherwise. */
  readonly size?: { cpu: number; memoryMiB: number };
  /** Tasks at rest and at most (autoscaling). */
  readonly minTasks?: number;
  readonly maxTasks?: number;
  /** Plain configuration (no secrets): NODE_ENV, DATABASE_URL without credentials, REDIS_URL, … */
  readonly environment: Readonly<Record<string, string>>;
  /** Secrets Manager values injected at task start. */
  readonly secrets: Readonly<Record<string, SecretVariable>>;
  /** The RDS-managed master secret: PGUSER and PGPASSWORD come from it; a rotation redeploys. */
  readonly databaseSecret: secretsmanager.ISecret;
  /** The media bucket and key prefix the origin writes uploads to. */
  readonly mediaBucket: s3.IBucket;
  readonly mediaPrefix: string;
}

/**
 * The origin on ECS Fargate (ARM64) behind an internal ALB that only
 * CloudFront's VPC origin reaches.
 *
 * Tasks run in public subnets with public IPs (no NAT gateway); their
 * security group admits only the ALB. The database credentials come from the
 * RDS-managed secret as PGUSER/PGPASSWORD, which node-postgres reads when
 * DATABASE_URL carries none: the URL stays plain configuration, the password
 * is never composed into a string, and no origin change is needed. RDS
 * rotates that password (every 7 days); an EventBridge rule on the rotation
 * starts a rolling deployment so new tasks read the new one.
 */
export class OriginService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly logGroup: logs.LogGroup;
  readonly taskDefinition: ecs.FargateTaskDefinition;

  constructor(scope: Construct, id: string, props: OriginServiceProps) {
    super(scope, id);
    const size = props.size ?? TASK_SIZES.standard;
    const minTasks = props.minTasks ?? 2;
    const maxTasks = props.maxTasks ?? 4;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc: props.vpc,
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });
    NagSuppressions.addResourceSuppressions(this.cluster, [
      {
        id: 'AwsSolutions-ECS4',
        reason:
          'Container Insights bills its per-task metrics as custom metrics; the alarms use the free AWS/ECS service CPU and memory metrics, the ALB and RDS metrics instead.',
      },
    ]);

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: size.cpu,
      memoryLimitMiB: size.memoryMiB,
      runtimePlatform: {
        cpuArchitecture: ecs.CpuArchitecture.ARM64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
      // The root filesystem is read-only; scratch space (image processing) goes here.
      volumes: [{ name: 'tmp' }],
    });

    const secrets: Record<string, ecs.Secret> = {
      PGUSER: ecs.Secret.fromSecretsManager(props.databaseSecret, 'username'),
      PGPASSWORD: ecs.Secret.fromSecretsManager(props.databaseSecret, 'password'),
    };
    for (const [name, v] of Object.entries(props.secrets))
      secrets[name] = ecs.Secret.fromSecretsManager(v.secret, v.field);

    const container = this.taskDefinition.addContainer('origin', {
      image: ecs.ContainerImage.fromEcrRepository(props.repository, props.imageTag),
      essential: true,
      environment: {
        ...props.environment,
        SHUTDOWN_DELAY_MS: String(SHUTDOWN.delayMs),
        SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN.timeoutMs),
      },
      secrets,
      portMappings: [{ containerPort: PORTS.app, protocol: ecs.Protocol.TCP }],
      // tini-like init reaps children and forwards SIGTERM to node.
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      stopTimeout: Duration.seconds(SHUTDOWN.stopTimeoutS),
      readonlyRootFilesystem: true,
      // Liveness only (/healthz never checks dependencies); node is in the image, curl may not be.
      healthCheck: {
        command: [
          'CMD',
          'node',
          '-e',
          `fetch('http://127.0.0.1:${PORTS.app}/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))`,
        ],
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(30),
      },
      logging: ecs.LogDrivers.awsLogs({
        logGroup: this.logGroup,
        streamPrefix: 'origin',
        // A slow log pipe must not stall requests: buffer, and drop beyond 25 MB.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });
    container.addMountPoints({ containerPath: '/tmp', sourceVolume: 'tmp', readOnly: false });

    // The origin only puts and deletes upload variants (CloudFront serves them).
    this.taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'MediaUploads',
        actions: ['s3:PutObject', 's3:DeleteObject'],
        resources: [props.mediaBucket.arnForObjects(`${props.mediaPrefix}*`)],
      }),
    );

    this.loadBalancer = new elbv2.ApplicationLoadBalancer(this, 'Alb', {
      vpc: props.vpc,
      internetFacing: false,
      vpcSubnets: { subnetGroupName: SUBNETS.ingress },
      securityGroup: props.albSecurityGroup,
      dropInvalidHeaderFields: true,
      idleTimeout: Duration.seconds(60),
    });
    // `open: false`: the listener must not add a 0.0.0.0/0 rule; the security
    // group admits CloudFront's prefix list only.
    const listener = this.loadBalancer.addListener('Http', {
      port: PORTS.http,
      protocol: elbv2.ApplicationProtocol.HTTP,
      open: false,
    });
    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: PORTS.app,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      deregistrationDelay: Duration.seconds(SHUTDOWN.deregistrationDelayS),
      healthCheck: {
        path: '/readyz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });
    listener.addTargetGroups('Origin', { targetGroups: [this.targetGroup] });
    // Prometheus metrics are for the VPC only. CloudFront never routes
    // /metrics to the app (it falls to the S3 default behaviour); this rule
    // closes the ALB path too, in case a behaviour ever does.
    listener.addAction('HideMetrics', {
      priority: 1,
      conditions: [elbv2.ListenerCondition.pathPatterns(['/metrics', '/metrics/*'])],
      action: elbv2.ListenerAction.fixedResponse(404, {
        contentType: 'application/json',
        messageBody: JSON.stringify({
          error: { code: 'ROUTE_NOT_FOUND', message: 'No route matches this path.' },
        }),
      }),
    });
    NagSuppressions.addResourceSuppressions(this.loadBalancer, [
      {
        id: 'AwsSolutions-ELB2',
        reason:
          'Only CloudFront reaches this internal ALB, and CloudFront access logs record every request; ALB logs would duplicate them.',
      },
    ]);

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: minTasks,
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      circuitBreaker: { enable: true, rollback: true },
      assignPublicIp: true,
      vpcSubnets: { subnetGroupName: SUBNETS.app },
      securityGroups: [props.tasksSecurityGroup],
      healthCheckGracePeriod: Duration.seconds(60),
      platformVersion: ecs.FargatePlatformVersion.LATEST,
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableExecuteCommand: false,
    });
    this.service.attachToApplicationTargetGroup(this.targetGroup);

    const scaling = this.service.autoScaleTaskCount({
      minCapacity: minTasks,
      maxCapacity: maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });
    scaling.scaleOnRequestCount('Requests', {
      // Per task per minute: ~17 requests/s on 0.5 vCPU, well under what one
      // task serves from L1, so scaling starts before latency does.
      requestsPerTarget: 1000,
      targetGroup: this.targetGroup,
      scaleOutCooldown: Duration.seconds(60),
      scaleInCooldown: Duration.seconds(300),
    });

    this.redeployOnRotation(props.databaseSecret);

    NagSuppressions.addResourceSuppressions(this.taskDefinition, [
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'The environment holds configuration only (URLs without credentials, flags, bucket name); every secret is injected from Secrets Manager.',
      },
    ]);
    if (this.taskDefinition.executionRole)
      NagSuppressions.addResourceSuppressions(
        this.taskDefinition.executionRole,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'ecr:GetAuthorizationToken (to pull the image) has no resource-level permissions; image pulls and secret reads are scoped to the one repository and the named secrets.',
            appliesTo: ['Resource::*'],
          },
        ],
        true,
      );
    NagSuppressions.addResourceSuppressions(
      this.taskDefinition.taskRole,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'Put and delete under the media/ prefix of the one media bucket: upload keys are generated per image, so the prefix is the narrowest bound.',
          appliesTo: [{ regex: '/^Resource::<.*MediaBucket.*\\.Arn>\\/media\\/\\*$/g' }],
        },
      ],
      true,
    );
  }

  /**
   * RDS rotates the managed master password; running tasks keep the one they
   * read at start and fail to open new connections once it changes. The
   * rotation event starts a rolling deployment (force new deployment), which
   * replaces the tasks one by one with ones reading the new password.
   */
  private redeployOnRotation(secret: secretsmanager.ISecret): void {
    const logGroup = new logs.LogGroup(this, 'RedeployLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const redeploy = new tasks.CallAwsService(this, 'ForceNewDeployment', {
      service: 'ecs',
      action: 'updateService',
      parameters: {
        Cluster: this.cluster.clusterArn,
        Service: this.service.serviceName,
        ForceNewDeployment: true,
      },
      iamResources: [this.service.serviceArn],
      iamAction: 'ecs:UpdateService',
    });
    const machine = new sfn.StateMachine(this, 'RedeployOnRotation', {
      definitionBody: sfn.DefinitionBody.fromChainable(redeploy),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: Duration.minutes(5),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    new events.Rule(this, 'DatabaseSecretRotated', {
      description: 'Redeploy the origin when RDS rotates the master password',
      eventPattern: {
        source: ['aws.secretsmanager'],
        detailType: ['AWS Service Event via CloudTrail'],
        detail: {
          eventName: ['RotationSucceeded'],
          additionalEventData: { SecretId: [secret.secretArn] },
        },
      },
      targets: [new targets.SfnStateMachine(machine)],
    });
    NagSuppressions.addResourceSuppressions(
      machine,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'CDK grants X-Ray and CloudWatch Logs delivery to the state machine; neither action supports resource-level permissions.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
