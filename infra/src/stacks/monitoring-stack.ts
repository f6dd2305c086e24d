import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Monitoring } from '../constructs/monitoring.ts';
import type { BackendStack } from './backend-stack.ts';
import type { DataStack } from './data-stack.ts';
import type { EdgeStack } from './edge-stack.ts';

export interface MonitoringStackProps extends StackProps {
  readonly backend: BackendStack;
  readonly data: DataStack;
  readonly edge: EdgeStack;
  readonly alarmEmail?: string;
}

/** VitrineMonitoring: the dashboard, the alarms and their SNS topic. */
export class MonitoringStack extends Stack {
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    const { origin } = props.backend;
    this.monitoring = new Monitoring(this, 'Monitoring', {
      loadBalancer: origin.loadBalancer,
      targetGroup: origin.targetGroup,
      service: origin.service,
      database: props.data.database.instance,
      databaseStorageGiB: 20,
      cache: props.data.cache.cache,
      // CloudFront publishes its metrics in us-east-1 only; an alarm must live there.
      distribution: this.region === 'us-east-1' ? props.edge.site.distribution : undefined,
      alarmEmail: props.alarmEmail,
    });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
  }
}
