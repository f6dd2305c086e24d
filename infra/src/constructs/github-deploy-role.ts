import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { NagSuppressions } from 'cdk-nag';
import { Construct } from 'constructs';

const GITHUB_ISSUER = 'token.actions.githubusercontent.com';

export interface GithubDeployRoleProps {
  /** `owner/name` of the repository whose workflows may assume the role. */
  readonly repository: string;
  /** A GitHub environment the deploy job uses; its subject is trusted as well. */
  readonly environment?: string;
  /** The account's existing GitHub OIDC provider; absent: one is created. */
  readonly existingProviderArn?: string;
}

/**
 * The role GitHub Actions assumes with OIDC (no long-lived keys): only tokens
 * for the main branch of one repository (or its deploy environment). Its
 * permissions are granted by the stacks that own the resources (ECR here,
 * the ECS service in VitrineBackend, the bucket, distribution and
 * KeyValueStore in VitrineEdge), each scoped to that one resource.
 */
export class GithubDeployRole extends Construct {
  readonly role: iam.Role;
  /** The `sub` claims the role trusts. */
  readonly subjects: readonly string[];

  constructor(scope: Construct, id: string, props: GithubDeployRoleProps) {
    super(scope, id);
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(props.repository))
      throw new Error(`the GitHub repository must be owner/name, got "${props.repository}"`);
    const providerArn =
      props.existingProviderArn ??
      new iam.OidcProviderNative(this, 'Provider', {
        url: `https://${GITHUB_ISSUER}`,
        clientIds: ['sts.amazonaws.com'],
      }).oidcProviderArn;

    this.subjects = [
      `repo:${props.repository}:ref:refs/heads/main`,
      ...(props.environment ? [`repo:${props.repository}:environment:${props.environment}`] : []),
    ];
    this.role = new iam.Role(this, 'Role', {
      description: `GitHub Actions deploys of ${props.repository} (main)`,
      maxSessionDuration: Duration.hours(1),
      assumedBy: new iam.WebIdentityPrincipal(providerArn, {
        StringEquals: {
          [`${GITHUB_ISSUER}:aud`]: 'sts.amazonaws.com',
          [`${GITHUB_ISSUER}:sub`]: this.subjects,
        },
      }),
    });

    // `cdk deploy` works through the bootstrap roles (deploy, file and image
    // publishing, lookup), which hold the CloudFormation permissions; this role
    // may only assume them.
    const stack = Stack.of(this);
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [
          `arn:${stack.partition}:iam::${stack.account}:role/cdk-hnb659fds-*-role-${stack.account}-${stack.region}`,
        ],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.role,
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'The wildcard stands for the four CDK bootstrap role names (deploy, file-publishing, image-publishing, lookup) of this account and region under the default qualifier, nothing else.',
          appliesTo: [
            { regex: '/^Resource::arn:[^:]+:iam::[0-9]+:role\\/cdk-hnb659fds-\\*-role-.+$/g' },
          ],
        },
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'ecr:GetAuthorizationToken has no resource-level permissions; pushes are limited to the one repository by the statement beside it.',
          appliesTo: ['Resource::*'],
        },
      ],
      true,
    );
  }
}
