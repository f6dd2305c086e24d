import assert from 'node:assert/strict';
import { onlyResource, resourcesOf, synthesise } from '../testing.ts';

interface Statement {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

describe('VitrineRegistry', () => {
  const { json, templates } = synthesise();
  const reg = json.registry;

  it('when synthesised, then the repository scans on push and its tags are immutable', () => {
    templates.registry.hasResourceProperties('AWS::ECR::Repository', {
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
    });
  });

  it('when synthesised, then old images expire (the last 10 are kept) and the repository outlives the stack', () => {
    const repo = onlyResource(reg, 'AWS::ECR::Repository');
    const policy = JSON.parse(
      String(
        (repo.Properties.LifecyclePolicy as { LifecyclePolicyText: string }).LifecyclePolicyText,
      ),
    ) as { rules: { selection: { tagStatus: string; countNumber: number } }[] };
    assert.ok(
      policy.rules.some((r) => r.selection.tagStatus === 'any' && r.selection.countNumber === 10),
    );
    assert.equal(repo.DeletionPolicy, 'Retain');
  });

  it('when synthesised, then the deploy role trusts only GitHub OIDC tokens for the main branch of the repository', () => {
    const role = onlyResource(reg, 'AWS::IAM::Role');
    const trust = (role.Properties.AssumeRolePolicyDocument as { Statement: Statement[] })
      .Statement;
    assert.equal(trust.length, 1);
    assert.deepEqual(actionsOf(trust[0] as Statement), ['sts:AssumeRoleWithWebIdentity']);
    assert.deepEqual(trust[0]?.Condition, {
      StringEquals: {
        'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
        'token.actions.githubusercontent.com:sub': ['repo:example/vitrine:ref:refs/heads/main'],
      },
    });
    templates.registry.hasResourceProperties('AWS::IAM::OIDCProvider', {
      Url: 'https://token.actions.githubusercontent.com',
      ClientIdList: ['sts.amazonaws.com'],
    });
  });

  it('when a GitHub environment is named, then its subject is trusted as well, and an existing provider is reused', () => {
    const { json: other } = synthesise({
      githubEnvironment: 'production',
      githubOidcProviderArn:
        'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com',
    });
    const role = onlyResource(other.registry, 'AWS::IAM::Role');
    assert.match(
      JSON.stringify(role.Properties.AssumeRolePolicyDocument),
      /repo:example\/vitrine:environment:production/,
    );
    assert.equal(resourcesOf(other.registry, 'AWS::IAM::OIDCProvider').length, 0);
  });

  it('when synthesised, then the deploy role may push to this repository and assume the CDK bootstrap roles, nothing broader', () => {
    const statements = resourcesOf(reg, 'AWS::IAM::Policy').flatMap(
      ([, p]) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement,
    );
    for (const s of statements) {
      const actions = actionsOf(s);
      if (s.Resource === '*') assert.deepEqual(actions, ['ecr:GetAuthorizationToken']);
      else if (actions.includes('sts:AssumeRole'))
        assert.match(String(s.Resource), /:role\/cdk-hnb659fds-\*-role-111111111111-us-east-1$/);
      else {
        assert.ok(
          actions.every((a) => a.startsWith('ecr:')),
          JSON.stringify(actions),
        );
        assert.match(JSON.stringify(s.Resource), /OriginRepository/);
      }
    }
  });

  it('when the repository is not owner/name, then synthesis fails', () => {
    assert.throws(() => synthesise({ githubRepository: 'not a repo' }), /owner\/name/);
  });
});
