import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { AppNetwork } from '../constructs/network.ts';

export interface NetworkStackProps extends StackProps {
  /** The CloudFront origin-facing managed prefix list of the region. */
  readonly cloudFrontPrefixListId: string;
}

/** VitrineNetwork: the VPC (no NAT gateway) and every security group. */
export class NetworkStack extends Stack {
  readonly network: AppNetwork;

  constructor(scope: Construct, id: string, props: NetworkStackProps) {
    super(scope, id, props);
    this.network = new AppNetwork(this, 'Network', {
      cloudFrontPrefixListId: props.cloudFrontPrefixListId,
    });
  }

  /**
   * The first two AZs of the region, resolved by CloudFormation (Fn::GetAZs)
   * rather than by a context lookup at synthesis, which would need credentials.
   */
  override get availabilityZones(): string[] {
    return [Fn.select(0, Fn.getAzs()), Fn.select(1, Fn.getAzs())];
  }
}
