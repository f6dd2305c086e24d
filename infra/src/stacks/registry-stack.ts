import { CfnOutput, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type { Construct } from 'constructs';
import { GithubDeployRole } from '../constructs/github-deploy-role.ts';

export interface RegistryStackProps extends StackProps {
  readonly githubRepository: string;
  readonly githubEnvironment?: string;
  readonly githubOidcProviderArn?: string;
  /** Images kept; older ones expire (a rollback needs only the last few). */
  readonly keepImages?: number;
}

/** VitrineRegistry: the origin's ECR repository and the GitHub deploy role. */
export class RegistryStack extends Stack {
  readonly repository: ecr.Repository;
  readonly deployRole: GithubDeployRole;

  constructor(scope: Construct, id: string, props: RegistryStackProps) {
    super(scope, id, props);
    this.repository = new ecr.Repository(this, 'OriginRepository', {
      repositoryName: 'vitrine-origin',
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      lifecycleRules: [
        {
          description: 'Untagged layers of interrupted pushes',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageCount: 1,
          rulePriority: 1,
        },
        {
          description: `Keep the last ${props.keepImages ?? 10} images`,
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepImages ?? 10,
          rulePriority: 2,
        },
      ],
      // The running service needs its image: never deleted with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deployRole = new GithubDeployRole(this, 'GithubDeploy', {
      repository: props.githubRepository,
      environment: props.githubEnvironment,
      existingProviderArn: props.githubOidcProviderArn,
    });
    this.repository.grantPullPush(this.deployRole.role);

    new CfnOutput(this, 'RepositoryUri', {
      value: this.repository.repositoryUri,
      description: 'Push the origin image here, tagged with the commit SHA (tags are immutable)',
    });
    new CfnOutput(this, 'DeployRoleArn', {
      value: this.deployRole.role.roleArn,
      description: 'aws-actions/configure-aws-credentials role-to-assume',
    });
  }
}
