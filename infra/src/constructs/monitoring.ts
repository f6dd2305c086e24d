import { Duration } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elasticache from 'aws-cdk-lib/aws-elasticache';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

export interface MonitoringProps {
  readonly loadBalancer: elbv2.IApplicationLoadBalancer;
  readonly targetGroup: elbv2.IApplicationTargetGroup;
  readonly service: ecs.FargateService;
  readonly database: rds.DatabaseInstance;
  /** RDS allocated storage (GiB), to alarm on free space as a share of it. */
  readonly databaseStorageGiB: number;
  readonly cache: elasticache.CfnServerlessCache;
  /** The distribution; its metrics exist in us-east-1 only, so the alarm is made there only. */
  readonly distribution?: cloudfront.IDistribution;
  /** Where alarms are e-mailed. */
  readonly alarmEmail?: string;
}

const FIVE_MINUTES = Duration.minutes(5);

/**
 * Alarms and a dashboard from the metrics AWS publishes for free (ALB, ECS
 * service, RDS, ElastiCache, CloudFront). The origin's Prometheus /metrics
 * stays inside the VPC: no sidecar scrapes it (a CloudWatch agent per task
 * would cost more than the tasks' own metrics tell); its latency and error
 * figures are visible from the ALB side here.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    this.topic = new sns.Topic(this, 'Alarms', {
      displayName: 'Vitrine alarms',
      enforceSSL: true,
    });
    NagSuppressions.addResourceSuppressions(this.topic, [
      {
        id: 'AwsSolutions-SNS2',
        reason:
          'Alarm notifications carry metric names and thresholds, nothing sensitive; CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer key costs $1/month.',
      },
    ]);
    if (props.alarmEmail)
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new actions.SnsAction(this.topic);

    const alb = props.loadBalancer.metrics;
    const requests = alb.requestCount({ period: FIVE_MINUTES, statistic: 'Sum' });
    const alb5xx = new cloudwatch.MathExpression({
      label: 'ALB 5xx %',
      // No 5xx in a period is a zero, not missing data; no request at all divides by 1.
      expression: '100 * (FILL(t5, 0) + FILL(e5, 0)) / IF(r > 0, r, 1)',
      usingMetrics: {
        t5: props.targetGroup.metrics.httpCodeTarget(elbv2.HttpCodeTarget.TARGET_5XX_COUNT, {
          period: FIVE_MINUTES,
          statistic: 'Sum',
        }),
        e5: alb.httpCodeElb(elbv2.HttpCodeElb.ELB_5XX_COUNT, {
          period: FIVE_MINUTES,
          statistic: 'Sum',
        }),
        r: requests,
      },
      period: FIVE_MINUTES,
    });
    const p99 = props.targetGroup.metrics.targetResponseTime({
      period: FIVE_MINUTES,
      statistic: 'p99',
    });
    const cpu = props.service.metricCpuUtilization({ period: FIVE_MINUTES });
    const memory = props.service.metricMemoryUtilization({ period: FIVE_MINUTES });
    const db = props.database;
    const dbConnections = db.metricDatabaseConnections({ period: FIVE_MINUTES });
    const dbCpu = db.metricCPUUtilization({ period: FIVE_MINUTES });
    const dbFree = db.metricFreeStorageSpace({ period: FIVE_MINUTES, statistic: 'Minimum' });
    const cacheMetric = (metricName: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/ElastiCache',
        metricName,
        dimensionsMap: { clusterId: props.cache.ref },
        period: FIVE_MINUTES,
        statistic: 'Sum',
      });
    const cacheHitRatio = new cloudwatch.MathExpression({
      label: 'Cache hit %',
      expression: '100 * h / IF(h + m > 0, h + m, 1)',
      usingMetrics: { h: cacheMetric('CacheHits'), m: cacheMetric('CacheMisses') },
      period: FIVE_MINUTES,
    });

    const alarm = (
      name: string,
      metric: cloudwatch.IMetric,
      threshold: number,
      comparison: cloudwatch.ComparisonOperator,
      description: string,
      evaluationPeriods = 3,
    ) => {
      const a = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        comparisonOperator: comparison,
        evaluationPeriods,
        datapointsToAlarm: Math.min(evaluationPeriods, 2),
        alarmDescription: description,
        // Quiet hours have no requests; no data is not an outage (the ECS and ALB health checks act on those).
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    const above = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD;
    const below = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD;

    alarm('Alb5xxRate', alb5xx, 2, above, 'More than 2% of ALB requests answered 5xx');
    alarm('TargetP99Latency', p99, 1.5, above, 'Origin p99 response time above 1.5 s');
    alarm('EcsCpu', cpu, 80, above, 'Origin service CPU above 80% (autoscaling aims at 60%)');
    // db.t4g.micro allows ~80 connections; 4 tasks × DATABASE_POOL_MAX 10 = 40.
    alarm('RdsConnections', dbConnections, 60, above, 'More than 60 database connections');
    alarm('RdsCpu', dbCpu, 80, above, 'Database CPU above 80%');
    alarm(
      'RdsFreeStorage',
      dbFree,
      props.databaseStorageGiB * 1024 ** 3 * 0.2,
      below,
      'Database free storage below 20% (storage autoscaling grows it; check why)',
      1,
    );
    alarm('CacheHitRatio', cacheHitRatio, 50, below, 'Valkey hit ratio below 50%', 6);
    if (props.distribution) {
      const cf5xx = new cloudwatch.Metric({
        namespace: 'AWS/CloudFront',
        metricName: '5xxErrorRate',
        dimensionsMap: { DistributionId: props.distribution.distributionId, Region: 'Global' },
        period: FIVE_MINUTES,
        statistic: 'Average',
        region: 'us-east-1',
      });
      alarm('CloudFront5xxRate', cf5xx, 2, above, 'More than 2% of viewer requests answered 5xx');
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.hours(24),
    });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({ title: 'Requests', left: [requests], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'ALB 5xx %', left: [alb5xx], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Origin p99 (s)', left: [p99], width: 8 }),
      new cloudwatch.GraphWidget({ title: 'Origin CPU / memory %', left: [cpu, memory], width: 8 }),
      new cloudwatch.GraphWidget({
        title: 'Database connections',
        left: [dbConnections],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Database CPU % / free storage',
        left: [dbCpu],
        right: [dbFree],
        width: 8,
      }),
      new cloudwatch.GraphWidget({ title: 'Cache hit %', left: [cacheHitRatio], width: 8 }),
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 16 }),
    );
  }
}
