import assert from 'node:assert/strict';
import { onlyResource, resourcesOf, synthesise } from '../testing.ts';

describe('VitrineMonitoring', () => {
  const { json, templates } = synthesise();
  const mon = json.monitoring;
  const alarms = resourcesOf(mon, 'AWS::CloudWatch::Alarm').map(([, a]) =>
    JSON.stringify(a.Properties),
  );

  const alarmOn = (pattern: RegExp, what: string) =>
    assert.ok(
      alarms.some((a) => pattern.test(a)),
      `no alarm on ${what}`,
    );

  it('when synthesised, then every alarm the brief lists exists', () => {
    alarmOn(/HTTPCode_Target_5XX_Count.*HTTPCode_ELB_5XX_Count.*RequestCount/, 'the ALB 5xx rate');
    alarmOn(/"ExtendedStatistic":"p99".*"MetricName":"TargetResponseTime"/, 'target p99 latency');
    alarmOn(/"AWS\/ECS".*"CPUUtilization"|"CPUUtilization".*"AWS\/ECS"/, 'ECS CPU');
    alarmOn(/"DatabaseConnections"/, 'RDS connections');
    alarmOn(/"AWS\/RDS".*"CPUUtilization"|"CPUUtilization".*"AWS\/RDS"/, 'RDS CPU');
    alarmOn(/"FreeStorageSpace"/, 'RDS free storage');
    alarmOn(/"CacheHits".*"CacheMisses"/, 'the cache hit ratio');
    alarmOn(
      /"5xxErrorRate".*"DistributionId"|"DistributionId".*"5xxErrorRate"/,
      'the CloudFront 5xx rate',
    );
    assert.equal(alarms.length, 8);
  });

  it('when synthesised, then every alarm notifies the topic, which e-mails the given address over TLS only', () => {
    for (const a of resourcesOf(mon, 'AWS::CloudWatch::Alarm'))
      assert.match(JSON.stringify(a[1].Properties.AlarmActions), /MonitoringAlarms/);
    templates.monitoring.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
    const policy = onlyResource(mon, 'AWS::SNS::TopicPolicy');
    assert.match(JSON.stringify(policy.Properties), /aws:SecureTransport/);
  });

  it('when no e-mail is given, then the topic has no subscription', () => {
    const other = synthesise({ alarmEmail: undefined }).json.monitoring;
    assert.equal(resourcesOf(other, 'AWS::SNS::Subscription').length, 0);
  });

  it('when synthesised, then one dashboard shows the service', () => {
    templates.monitoring.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
  });
});
