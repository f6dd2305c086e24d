import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KVS_KEYS } from '@vitrine/edge/description';
import { CORE_SCHEMA, load } from 'js-yaml';

/*
 * The GitHub Actions workflows against SECURITY.md's bar, on what actionlint
 * does not check: every action pinned by commit (with its version, the same
 * commit everywhere and in docs/deploy.md's table), least privilege per job
 * (OIDC only where AWS is used, never on pull requests with the deploy role),
 * deploy jobs in the protected environment and never cancelled halfway, and
 * the settings the CDK app reads all passed in.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DIR = join(ROOT, '.github', 'workflows');

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}

interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  env?: Record<string, string>;
  steps: Step[];
}

interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const texts = new Map(files.map((f) => [f, readFileSync(join(DIR, f), 'utf8')]));
// YAML 1.2: `on` is a key, not the boolean of YAML 1.1.
const workflows = new Map(
  files.map((f) => [f, load(texts.get(f) ?? '', { schema: CORE_SCHEMA }) as Workflow]),
);

const allJobs = () =>
  [...workflows].flatMap(([file, wf]) =>
    Object.entries(wf.jobs).map(([name, job]) => ({ file, name, job, wf })),
  );
const usesAws = (job: Job) =>
  job.steps.some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
const roleOf = (job: Job) =>
  String(
    job.steps.find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.[
      'role-to-assume'
    ] ?? '',
  );

/** `owner/name@ref  # version` as written, comments included. */
function pins(): { file: string; action: string; ref: string; version: string | undefined }[] {
  return [...texts].flatMap(([file, text]) =>
    [...text.matchAll(/^\s*-?\s*uses:\s*([^@\s]+)@(\S+)(?:\s+#\s*(\S+))?/gm)].map((m) => ({
      file,
      action: m[1] ?? '',
      ref: m[2] ?? '',
      version: m[3],
    })),
  );
}

describe('GitHub Actions workflows', () => {
  it('when they are listed, then origin, storefront and infra are there', () => {
    assert.deepEqual([...files].sort(), ['infra.yml', 'origin.yml', 'storefront.yml']);
  });

  describe('when their actions are read', () => {
    it('then every action is pinned by full commit SHA with its version beside it', () => {
      const all = pins();
      assert.ok(all.length > 0);
      for (const pin of all) {
        assert.match(pin.ref, /^[0-9a-f]{40}$/, `${pin.file}: ${pin.action}@${pin.ref}`);
        assert.match(pin.version ?? '', /^v\d+\.\d+\.\d+$/, `${pin.file}: ${pin.action} # version`);
      }
    });

    it('then one action is one commit everywhere, the one docs/deploy.md records', () => {
      const docs = readFileSync(join(ROOT, 'docs', 'deploy.md'), 'utf8');
      const recorded = new Map(
        [...docs.matchAll(/^\| `([^`]+)` \| (v[\d.]+) \| `([0-9a-f]{40})` \|/gm)].map((m) => [
          m[1],
          { version: m[2], sha: m[3] },
        ]),
      );
      for (const pin of pins()) {
        const doc = recorded.get(pin.action);
        assert.ok(doc, `${pin.action} is in docs/deploy.md's table of pinned actions`);
        assert.equal(pin.ref, doc.sha, `${pin.file}: ${pin.action}`);
        assert.equal(pin.version, doc.version, `${pin.file}: ${pin.action}`);
      }
    });

    it('then checkouts keep no token in the work tree and Node comes from .nvmrc', () => {
      for (const { file, name, job } of allJobs()) {
        for (const step of job.steps) {
          if (step.uses?.startsWith('actions/checkout@'))
            assert.equal(step.with?.['persist-credentials'], false, `${file} ${name}`);
          if (step.uses?.startsWith('actions/setup-node@'))
            assert.equal(step.with?.['node-version-file'], '.nvmrc', `${file} ${name}`);
        }
      }
    });
  });

  describe('when their permissions are read', () => {
    it('then a workflow grants nothing by default and every job says what it needs', () => {
      for (const [file, wf] of workflows) {
        assert.deepEqual(wf.permissions, {}, `${file}: permissions: {} at the top`);
        assert.ok(wf.concurrency, `${file}: a concurrency group`);
      }
      for (const { file, name, job } of allJobs()) {
        assert.ok(job.permissions, `${file} ${name}: permissions`);
        for (const [scope, level] of Object.entries(job.permissions)) {
          if (level === 'write')
            assert.ok(
              ['id-token', 'actions'].includes(scope),
              `${file} ${name}: ${scope}: write is not needed`,
            );
        }
      }
    });

    it('then exactly the jobs that assume an AWS role may ask for an OIDC token', () => {
      for (const { file, name, job } of allJobs()) {
        assert.equal(
          job.permissions?.['id-token'] === 'write',
          usesAws(job),
          `${file} ${name}: id-token: write if and only if it uses AWS`,
        );
      }
    });

    it('then the deploy role is only assumed on main, in the production environment', () => {
      for (const { file, name, job } of allJobs()) {
        if (!roleOf(job).includes('AWS_DEPLOY_ROLE_ARN')) continue;
        assert.equal(job.environment, 'production', `${file} ${name}`);
        const guarded = (j: Job, seen = new Set<string>()): boolean => {
          if (/github\.ref == 'refs\/heads\/main'/.test(j.if ?? '')) return true;
          const needs = [j.needs ?? []].flat();
          const jobs = workflows.get(file)?.jobs ?? {};
          return needs.some((n) => !seen.has(n) && guarded(jobs[n] as Job, seen.add(n)));
        };
        assert.ok(guarded(job), `${file} ${name}: runs on main only`);
      }
      // A pull request's diff uses its own read-only role, never the deploy role.
      const diff = workflows.get('infra.yml')?.jobs.diff;
      assert.ok(diff && roleOf(diff).includes('AWS_DIFF_ROLE_ARN'));
      assert.match(diff.if ?? '', /pull_request/);
    });

    it('then the jobs that change CloudFormation share one group and are never cancelled', () => {
      const cdk = allJobs().filter(({ job }) =>
        job.steps.some((s) => /\bcdk deploy\b/.test(s.run ?? '')),
      );
      assert.ok(cdk.length >= 2);
      for (const { file, name, job } of cdk) {
        assert.equal(job.concurrency?.group, 'production-cdk', `${file} ${name}`);
        assert.equal(job.concurrency?.['cancel-in-progress'], false, `${file} ${name}`);
      }
    });
  });

  describe('when the CDK jobs are read', () => {
    const settings = [
      ...readFileSync(join(ROOT, 'infra', 'bin', 'vitrine.ts'), 'utf8').matchAll(
        /read\('(VITRINE_[A-Z_]+)'\)/g,
      ),
    ].map((m) => m[1] ?? '');

    it('then each passes every setting infra/bin reads', () => {
      assert.ok(settings.includes('VITRINE_IMAGE_TAG'));
      const cdkJobs = allJobs().filter(({ job }) =>
        job.steps.some((s) => /\bcdk (deploy|diff)\b/.test(s.run ?? '')),
      );
      for (const { file, name, job } of cdkJobs) {
        const written = job.steps.map((s) => s.run ?? '').join('\n');
        for (const setting of settings)
          assert.ok(
            setting in (job.env ?? {}) || written.includes(`${setting}=`),
            `${file} ${name}: ${setting}`,
          );
      }
    });

    it('then an infra deploy keeps the origin image that runs', () => {
      const deploy = workflows.get('infra.yml')?.jobs.deploy;
      assert.ok(deploy);
      const steps = deploy.steps.map((s) => s.run ?? '');
      const read = steps.findIndex((r) => r.includes('VITRINE_IMAGE_TAG=') && r.includes('ecs'));
      const cdkDeploy = steps.findIndex((r) => /\bcdk deploy\b/.test(r));
      assert.ok(read >= 0 && read < cdkDeploy, 'the running tag is read before cdk deploy');
    });

    it('then the session keys go into the KeyValueStore under the edge description’s prefix', () => {
      const text = texts.get('infra.yml') ?? '';
      assert.ok(text.includes(`("${KVS_KEYS.keyPrefix}" + `), 'puts kid:<kid>');
      assert.ok(text.includes(`startswith("${KVS_KEYS.keyPrefix}")`), 'deletes only kid keys');
    });
  });
});
