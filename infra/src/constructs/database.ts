import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';
import { SUBNETS } from './network.ts';

export interface DatabaseProps {
  readonly vpc: ec2.IVpc;
  /** Admits the origin tasks only (see AppNetwork). */
  readonly securityGroup: ec2.ISecurityGroup;
  /** Instance class; db.t4g.micro fits the brief's traffic (see the cost model). */
  readonly instanceType?: ec2.InstanceType;
  /** Allocated gp3 storage in GiB (20 is RDS's gp3 minimum). */
  readonly allocatedStorageGiB?: number;
  /** Days of automated backups. */
  readonly backupRetentionDays?: number;
}

/** The database the origin connects to: `postgres://<host>:<port>/<DATABASE_NAME>`. */
export const DATABASE_NAME = 'vitrine';
/** The instance identifier; also names the PostgreSQL log group RDS writes to. */
export const DATABASE_INSTANCE_ID = 'vitrine';

/**
 * RDS PostgreSQL 16 in the isolated subnets: encrypted, deletion-protected,
 * 7 days of backups, the master password generated and rotated by RDS in
 * Secrets Manager (never in the template), TLS required.
 */
export class Database extends Construct {
  readonly instance: rds.DatabaseInstance;
  /** The RDS-managed master secret (`username`, `password`, rotated by RDS). */
  readonly secret: secretsmanager.ISecret;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const engine = rds.DatabaseInstanceEngine.postgres({
      // A minor version, as RDS wants for new instances; auto minor upgrades move it on.
      version: rds.PostgresEngineVersion.VER_16_13,
    });
    // PostgreSQL 16 on RDS already defaults to force_ssl=1; stating it keeps it so.
    const parameters = new rds.ParameterGroup(this, 'Parameters', {
      engine,
      description: 'Vitrine PostgreSQL 16: TLS required',
      parameters: { 'rds.force_ssl': '1', log_min_duration_statement: '1000' },
    });
    // Created here, with a retention, instead of by RDS (which never expires it).
    const postgresLogs = new logs.LogGroup(this, 'PostgresLogs', {
      logGroupName: `/aws/rds/instance/${DATABASE_INSTANCE_ID}/postgresql`,
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.instance = new rds.DatabaseInstance(this, 'Instance', {
      engine,
      instanceIdentifier: DATABASE_INSTANCE_ID,
      instanceType:
        props.instanceType ?? ec2.InstanceType.of(ec2.InstanceClass.T4G, ec2.InstanceSize.MICRO),
      vpc: props.vpc,
      vpcSubnets: { subnetGroupName: SUBNETS.data },
      securityGroups: [props.securityGroup],
      publiclyAccessible: false,
      databaseName: DATABASE_NAME,
      credentials: rds.Credentials.fromUsername('vitrine_admin'),
      manageMasterUserPassword: true,
      iamAuthentication: true,
      storageEncrypted: true,
      storageType: rds.StorageType.GP3,
      allocatedStorage: props.allocatedStorageGiB ?? 20,
      maxAllocatedStorage: 100,
      multiAz: false,
      backupRetention: Duration.days(props.backupRetentionDays ?? 7),
      preferredBackupWindow: '03:00-03:30',
      preferredMaintenanceWindow: 'sun:04:00-sun:04:30',
      deletionProtection: true,
      autoMinorVersionUpgrade: true,
      copyTagsToSnapshot: true,
      parameterGroup: parameters,
      cloudwatchLogsExports: ['postgresql'],
      removalPolicy: RemovalPolicy.SNAPSHOT,
    });
    this.instance.node.addDependency(postgresLogs);
    if (!this.instance.secret) throw new Error('the managed master secret is missing');
    this.secret = this.instance.secret;

    NagSuppressions.addResourceSuppressions(this.instance, [
      {
        id: 'AwsSolutions-RDS3',
        reason:
          'Single-AZ keeps the shop under its $100/month budget; 7-day automated backups and deletion protection bound the loss, and a restore takes minutes at this size.',
      },
      {
        id: 'AwsSolutions-RDS11',
        reason:
          'A non-default port hides nothing: the instance is in isolated subnets and its security group admits only the origin tasks.',
      },
    ]);
  }
}
