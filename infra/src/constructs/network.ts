import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Subnet group names, so other constructs select subnets by purpose. */
export const SUBNETS = {
  /** Public subnets: the origin tasks, with public IPs instead of a NAT gateway. */
  app: 'app',
  /** Isolated subnets: the internal ALB, reached by CloudFront's VPC origin. */
  ingress: 'ingress',
  /** Isolated subnets: RDS and ElastiCache. */
  data: 'data',
} as const;

/** Ports the security groups open. */
export const PORTS = { app: 3000, http: 80, postgres: 5432, valkey: 6379 } as const;

export interface AppNetworkProps {
  /** The CloudFront origin-facing managed prefix list; the ALB admits only it. */
  readonly cloudFrontPrefixListId: string;
  /** Days VPC flow logs (rejected traffic) are kept. */
  readonly flowLogRetention?: logs.RetentionDays;
}

/**
 * The VPC over two AZs without a NAT gateway, and every security group with
 * its rules in one place (rules between groups in different stacks would make
 * the stacks depend on each other both ways).
 *
 * No interface endpoints: the tasks have public IPs and reach ECR, Secrets
 * Manager and CloudWatch Logs through the internet gateway; endpoints would
 * cost ~$7 per endpoint per AZ per month. The S3 gateway endpoint is free and
 * keeps image layers and media uploads off the internet path.
 */
export class AppNetwork extends Construct {
  readonly vpc: ec2.Vpc;
  /** The internal ALB: HTTP from CloudFront only. */
  readonly albSecurityGroup: ec2.SecurityGroup;
  /** The origin tasks: the app port from the ALB only. */
  readonly tasksSecurityGroup: ec2.SecurityGroup;
  /** RDS: PostgreSQL from the tasks only. */
  readonly databaseSecurityGroup: ec2.SecurityGroup;
  /** ElastiCache: Valkey from the tasks only. */
  readonly cacheSecurityGroup: ec2.SecurityGroup;

  constructor(scope: Construct, id: string, props: AppNetworkProps) {
    super(scope, id);

    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.40.0.0/16'),
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [
        // Fargate gives each task its public IP (assignPublicIp), not the subnet.
        {
          name: SUBNETS.app,
          subnetType: ec2.SubnetType.PUBLIC,
          cidrMask: 24,
          mapPublicIpOnLaunch: false,
        },
        { name: SUBNETS.ingress, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
        { name: SUBNETS.data, subnetType: ec2.SubnetType.PRIVATE_ISOLATED, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    // Rejected traffic only: what the security groups turn away is the signal
    // worth keeping (the tasks' public IPs are scanned), at a fraction of the volume.
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.flowLogRetention ?? logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('Rejected', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
      trafficType: ec2.FlowLogTrafficType.REJECT,
      maxAggregationInterval: ec2.FlowLogMaxAggregationInterval.TEN_MINUTES,
    });

    const group = (name: string, description: string) =>
      new ec2.SecurityGroup(this, name, { vpc: this.vpc, description, allowAllOutbound: false });

    this.albSecurityGroup = group('AlbSecurityGroup', 'Internal ALB: HTTP from CloudFront only');
    this.tasksSecurityGroup = group('TasksSecurityGroup', 'Origin tasks: app port from the ALB');
    this.databaseSecurityGroup = group('DatabaseSecurityGroup', 'RDS: PostgreSQL from the tasks');
    this.cacheSecurityGroup = group('CacheSecurityGroup', 'ElastiCache: Valkey from the tasks');

    // CloudFront's VPC origin reaches the ALB from CloudFront's origin-facing
    // addresses; nothing else in or out of the VPC may.
    this.albSecurityGroup.addIngressRule(
      ec2.Peer.prefixList(props.cloudFrontPrefixListId),
      ec2.Port.tcp(PORTS.http),
      'CloudFront VPC origin',
    );
    this.albSecurityGroup.addEgressRule(
      this.tasksSecurityGroup,
      ec2.Port.tcp(PORTS.app),
      'To the origin tasks',
    );

    this.tasksSecurityGroup.addIngressRule(
      this.albSecurityGroup,
      ec2.Port.tcp(PORTS.app),
      'From the ALB only',
    );
    // HTTPS out: ECR, Secrets Manager, CloudWatch Logs, S3 and the payment provider.
    this.tasksSecurityGroup.addEgressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(443),
      'AWS APIs and the payment provider over HTTPS',
    );
    this.tasksSecurityGroup.addEgressRule(
      this.databaseSecurityGroup,
      ec2.Port.tcp(PORTS.postgres),
      'To PostgreSQL',
    );
    this.tasksSecurityGroup.addEgressRule(
      this.cacheSecurityGroup,
      ec2.Port.tcp(PORTS.valkey),
      'To Valkey',
    );

    this.databaseSecurityGroup.addIngressRule(
      this.tasksSecurityGroup,
      ec2.Port.tcp(PORTS.postgres),
      'From the origin tasks only',
    );
    this.cacheSecurityGroup.addIngressRule(
      this.tasksSecurityGroup,
      ec2.Port.tcp(PORTS.valkey),
      'From the origin tasks only',
    );
  }
}
