import assert from 'node:assert/strict';
import { PORTS } from '../constructs/network.ts';
import { onlyResource, resourcesOf, synthesise } from '../testing.ts';

interface Rule {
  IpProtocol: string;
  FromPort?: number;
  ToPort?: number;
  CidrIp?: string;
  SourcePrefixListId?: string;
  SourceSecurityGroupId?: unknown;
  DestinationSecurityGroupId?: unknown;
}

describe('VitrineNetwork', () => {
  const { json, templates } = synthesise();
  const net = json.network;
  const groupId = (description: string) => {
    const found = resourcesOf(net, 'AWS::EC2::SecurityGroup').find(
      ([, r]) => r.Properties.GroupDescription === description,
    );
    assert.ok(found, `no security group "${description}"`);
    return found[0];
  };
  const ingressTo = (id: string): Rule[] => [
    ...((net.Resources[id]?.Properties.SecurityGroupIngress as Rule[] | undefined) ?? []),
    ...resourcesOf(net, 'AWS::EC2::SecurityGroupIngress')
      .filter(
        ([, r]) =>
          JSON.stringify(r.Properties.GroupId) ===
          JSON.stringify({ 'Fn::GetAtt': [id, 'GroupId'] }),
      )
      .map(([, r]) => r.Properties as unknown as Rule),
  ];
  const isGroup = (ref: unknown, id: string) =>
    JSON.stringify(ref) === JSON.stringify({ 'Fn::GetAtt': [id, 'GroupId'] });

  it('when synthesised, then there is no NAT gateway and no route through one', () => {
    templates.network.resourceCountIs('AWS::EC2::NatGateway', 0);
    for (const [, route] of resourcesOf(net, 'AWS::EC2::Route'))
      assert.equal(route.Properties.NatGatewayId, undefined);
  });

  it('when synthesised, then the VPC spans two AZs with public, ingress and data subnets', () => {
    templates.network.resourceCountIs('AWS::EC2::Subnet', 6);
    const publicSubnets = resourcesOf(net, 'AWS::EC2::Subnet').filter(([, s]) =>
      (s.Properties.Tags as { Key: string; Value: string }[]).some(
        (t) => t.Key === 'aws-cdk:subnet-type' && t.Value === 'Public',
      ),
    );
    assert.equal(publicSubnets.length, 2);
    // Fargate assigns the task's public IP; the subnet does not hand them out.
    for (const [, s] of publicSubnets) assert.equal(s.Properties.MapPublicIpOnLaunch, false);
  });

  it('when synthesised, then the free S3 gateway endpoint exists and no paid interface endpoint', () => {
    const endpoints = resourcesOf(net, 'AWS::EC2::VPCEndpoint');
    assert.equal(endpoints.length, 1);
    assert.equal(endpoints[0]?.[1].Properties.VpcEndpointType ?? 'Gateway', 'Gateway');
  });

  it('when synthesised, then rejected traffic is flow-logged with a retention', () => {
    templates.network.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT' });
    const group = onlyResource(net, 'AWS::Logs::LogGroup');
    assert.equal(group.Properties.RetentionInDays, 30);
  });

  it('when synthesised, then only CloudFront (its origin-facing prefix list) reaches the ALB', () => {
    const alb = groupId('Internal ALB: HTTP from CloudFront only');
    const rules = ingressTo(alb);
    assert.deepEqual(
      rules.map((r) => [r.SourcePrefixListId, r.FromPort, r.ToPort, r.CidrIp]),
      [['pl-3b927c52', PORTS.http, PORTS.http, undefined]],
    );
  });

  it('when synthesised, then the tasks accept traffic only from the ALB, on the app port', () => {
    const tasks = groupId('Origin tasks: app port from the ALB');
    const alb = groupId('Internal ALB: HTTP from CloudFront only');
    const rules = ingressTo(tasks);
    assert.equal(rules.length, 1);
    assert.ok(isGroup(rules[0]?.SourceSecurityGroupId, alb));
    assert.equal(rules[0]?.FromPort, PORTS.app);
    assert.equal(rules[0]?.ToPort, PORTS.app);
  });

  it('when synthesised, then PostgreSQL and Valkey accept only the tasks, on their ports', () => {
    const tasks = groupId('Origin tasks: app port from the ALB');
    for (const [description, port] of [
      ['RDS: PostgreSQL from the tasks', PORTS.postgres],
      ['ElastiCache: Valkey from the tasks', PORTS.valkey],
    ] as const) {
      const rules = ingressTo(groupId(description));
      assert.equal(rules.length, 1, description);
      assert.ok(isGroup(rules[0]?.SourceSecurityGroupId, tasks), description);
      assert.equal(rules[0]?.FromPort, port);
    }
  });

  it('when synthesised, then no security group admits the whole internet', () => {
    for (const [id] of resourcesOf(net, 'AWS::EC2::SecurityGroup'))
      for (const rule of ingressTo(id)) {
        assert.notEqual(rule.CidrIp, '0.0.0.0/0', id);
        assert.notEqual((rule as { CidrIpv6?: string }).CidrIpv6, '::/0', id);
      }
  });
});
