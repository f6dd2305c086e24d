import assert from 'node:assert/strict';
import { Match } from 'aws-cdk-lib/assertions';
import { PORTS } from '../constructs/network.ts';
import { SHUTDOWN } from '../constructs/origin-service.ts';
import { onlyResource, resourcesOf, synthesise } from '../testing.ts';

interface ContainerDefinition {
  Name: string;
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
  HealthCheck: { Command: string[] };
  LinuxParameters: { InitProcessEnabled: boolean };
  StopTimeout: number;
  ReadonlyRootFilesystem: boolean;
  LogConfiguration: { LogDriver: string; Options: Record<string, unknown> };
  Image: unknown;
}

describe('VitrineBackend', () => {
  const { json, templates } = synthesise();
  const be = json.backend;
  const task = onlyResource(be, 'AWS::ECS::TaskDefinition');
  const container = (
    task.Properties.ContainerDefinitions as ContainerDefinition[]
  )[0] as ContainerDefinition;
  const env = Object.fromEntries(container.Environment.map((e) => [e.Name, e.Value]));
  const service = onlyResource(be, 'AWS::ECS::Service');

  it('when synthesised, then the ALB is internal, in the isolated ingress subnets, behind the CloudFront-only group', () => {
    const alb = onlyResource(be, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    assert.equal(alb.Properties.Scheme, 'internal');
    assert.match(JSON.stringify(alb.Properties.Subnets), /ingressSubnet1/);
    assert.doesNotMatch(JSON.stringify(alb.Properties.Subnets), /appSubnet/);
    assert.match(JSON.stringify(alb.Properties.SecurityGroups), /AlbSecurityGroup/);
    // The listener adds no 0.0.0.0/0 rule of its own.
    templates.backend.resourceCountIs('AWS::EC2::SecurityGroupIngress', 0);
  });

  it('when synthesised, then the task is ARM64 Fargate, 0.5 vCPU and 1 GB, image from ECR by tag', () => {
    assert.deepEqual(task.Properties.RuntimePlatform, {
      CpuArchitecture: 'ARM64',
      OperatingSystemFamily: 'LINUX',
    });
    assert.equal(task.Properties.Cpu, '512');
    assert.equal(task.Properties.Memory, '1024');
    assert.match(JSON.stringify(container.Image), /:test-tag/);
    assert.match(JSON.stringify(container.Image), /OriginRepository/);
  });

  it('when synthesised, then the container runs an init process, has 25 s to stop, and the origin’s drain fits inside', () => {
    assert.equal(container.LinuxParameters.InitProcessEnabled, true);
    assert.equal(container.StopTimeout, 25);
    const drain = Number(env.SHUTDOWN_DELAY_MS) + Number(env.SHUTDOWN_TIMEOUT_MS);
    assert.ok(drain <= 22_000, `drain ${drain} ms`);
    assert.ok(drain < SHUTDOWN.stopTimeoutS * 1000);
    assert.equal(container.ReadonlyRootFilesystem, true);
  });

  it('when synthesised, then the container is health-checked on /healthz and logs to CloudWatch with a retention', () => {
    assert.equal(container.HealthCheck.Command[0], 'CMD');
    assert.match(container.HealthCheck.Command.join(' '), /127\.0\.0\.1:3000\/healthz/);
    assert.equal(container.LogConfiguration.LogDriver, 'awslogs');
    const groupRef = JSON.stringify(container.LogConfiguration.Options['awslogs-group']);
    const [id] = groupRef.match(/OriginLogs[A-Z0-9]+/) ?? [];
    assert.ok(id, groupRef);
    assert.equal(be.Resources[id]?.Properties.RetentionInDays, 30);
    for (const [gid, group] of resourcesOf(be, 'AWS::Logs::LogGroup'))
      assert.ok(group.Properties.RetentionInDays, `${gid} keeps logs forever`);
  });

  it('when synthesised, then the target group checks /readyz and drains in at most 30 s', () => {
    const tg = onlyResource(be, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    assert.equal(tg.Properties.HealthCheckPath, '/readyz');
    assert.equal(tg.Properties.TargetType, 'ip');
    assert.equal(tg.Properties.Port, PORTS.app);
    const delay = (tg.Properties.TargetGroupAttributes as { Key: string; Value: string }[]).find(
      (a) => a.Key === 'deregistration_delay.timeout_seconds',
    );
    assert.ok(Number(delay?.Value) <= 30);
  });

  it('when synthesised, then deployments roll back on failure and never drop below the running count', () => {
    assert.deepEqual(service.Properties.DeploymentConfiguration, {
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MaximumPercent: 200,
      MinimumHealthyPercent: 100,
    });
    assert.equal(service.Properties.DesiredCount, 2);
    assert.equal(service.Properties.LaunchType, 'FARGATE');
  });

  it('when synthesised, then the tasks get public IPs in the public subnets (no NAT) and only the tasks’ group', () => {
    const vpc = (
      service.Properties.NetworkConfiguration as { AwsvpcConfiguration: Record<string, unknown> }
    ).AwsvpcConfiguration;
    assert.equal(vpc.AssignPublicIp, 'ENABLED');
    assert.match(JSON.stringify(vpc.Subnets), /appSubnet1/);
    assert.match(JSON.stringify(vpc.SecurityGroups), /TasksSecurityGroup/);
    assert.equal((vpc.SecurityGroups as unknown[]).length, 1);
  });

  it('when synthesised, then the service scales between 2 and 4 tasks on CPU (60%) and requests per target', () => {
    templates.backend.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', {
      MinCapacity: 2,
      MaxCapacity: 4,
    });
    templates.backend.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' },
        TargetValue: 60,
      }),
    });
    templates.backend.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({
        PredefinedMetricSpecification: Match.objectLike({
          PredefinedMetricType: 'ALBRequestCountPerTarget',
        }),
      }),
    });
  });

  it('when synthesised, then the configuration is production’s and carries no credential', () => {
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.TRUST_PROXY, '2');
    assert.equal(env.STORAGE_DRIVER, 's3');
    assert.equal(env.MEDIA_PUBLIC_URL, '/media');
    assert.equal(env.MEDIA_BUCKET_PREFIX, 'media/');
    assert.equal(env.PUBLIC_BASE_URL, 'https://shop.example.com');
    assert.equal(env.PGSSLMODE, 'no-verify');
    const url = JSON.stringify(env.DATABASE_URL);
    assert.match(url, /postgres:\/\//);
    assert.doesNotMatch(url, /@|password|resolve:secretsmanager/i);
    assert.match(JSON.stringify(env.REDIS_URL), /rediss:\/\//);
    for (const e of container.Environment)
      assert.doesNotMatch(JSON.stringify(e.Value), /resolve:secretsmanager/, e.Name);
  });

  it('when synthesised, then secrets come from Secrets Manager: the RDS-managed password and the app’s own', () => {
    const secrets = Object.fromEntries(
      container.Secrets.map((s) => [s.Name, JSON.stringify(s.ValueFrom)]),
    );
    assert.deepEqual(Object.keys(secrets).sort(), [
      'CATALOG_EXPORT_TOKEN',
      'PAYMENTS_WEBHOOK_SECRET',
      'PGPASSWORD',
      'PGUSER',
      'SESSION_KEYS',
    ]);
    assert.match(secrets.PGPASSWORD ?? '', /MasterUserSecret.*:password::/);
    assert.match(secrets.PGUSER ?? '', /MasterUserSecret.*:username::/);
    assert.match(secrets.SESSION_KEYS ?? '', /AppSecretsSessionKeys/);
  });

  it('when a CA bundle is given, then the origin verifies the database certificate', () => {
    const other = synthesise({ databaseCaBundlePath: '/app/rds-ca.pem' }).json.backend;
    const def = (
      onlyResource(other, 'AWS::ECS::TaskDefinition').Properties
        .ContainerDefinitions as ContainerDefinition[]
    )[0];
    const e = Object.fromEntries((def?.Environment ?? []).map((x) => [x.Name, x.Value]));
    assert.equal(e.PGSSLMODE, 'verify-full');
    assert.equal(e.NODE_EXTRA_CA_CERTS, '/app/rds-ca.pem');
  });

  it('when /metrics reaches the ALB, then the listener answers 404 itself', () => {
    templates.backend.hasResourceProperties('AWS::ElasticLoadBalancingV2::ListenerRule', {
      Priority: 1,
      Conditions: [
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/metrics', '/metrics/*'] } },
      ],
      Actions: [
        Match.objectLike({
          Type: 'fixed-response',
          FixedResponseConfig: Match.objectLike({ StatusCode: '404' }),
        }),
      ],
    });
  });

  it('when RDS rotates the master password, then the service is redeployed to read the new one', () => {
    templates.backend.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: Match.objectLike({
        source: ['aws.secretsmanager'],
        detail: Match.objectLike({ eventName: ['RotationSucceeded'] }),
      }),
    });
    const machine = onlyResource(be, 'AWS::StepFunctions::StateMachine');
    assert.match(JSON.stringify(machine.Properties.DefinitionString), /ecs:updateService/);
    assert.match(JSON.stringify(machine.Properties.DefinitionString), /ForceNewDeployment/);
  });

  it('when synthesised, then the task role may only put and delete media uploads', () => {
    const roleId = JSON.stringify(task.Properties.TaskRoleArn).match(
      /OriginTaskTaskRole[A-Z0-9]+/,
    )?.[0];
    const policies = resourcesOf(be, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties.Roles).includes(String(roleId)),
    );
    const statements = policies.flatMap(
      ([, p]) =>
        (p.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] })
          .Statement,
    );
    assert.deepEqual(
      statements.map((s) => s.Action),
      [['s3:DeleteObject', 's3:PutObject']],
    );
    assert.match(JSON.stringify(statements[0]?.Resource), /\/media\/\*/);
  });
});
