/*
 * One synthesis of the whole app for all the tests that read templates:
 * synthesising six stacks takes seconds, so it happens once per settings.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { buildStacks, newApp, STACK_NAMES, type VitrineStacks } from './app.ts';
import { testSettings, type VitrineSettings } from './settings.ts';

export type StackKey = keyof typeof STACK_NAMES;

export interface Synthesised {
  stacks: VitrineStacks;
  templates: Record<StackKey, Template>;
  /** The raw template JSON per stack. */
  json: Record<StackKey, CfnTemplate>;
  outdir: string;
}

export interface CfnResource {
  Type: string;
  /** Always present here (synthesise fills `{}`), so tests need no optional chaining. */
  Properties: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, unknown>;
}

const cache = new Map<string, Synthesised>();
const outdirs: string[] = [];
process.once('exit', () => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** A scratch cloud-assembly directory, removed when the test process exits. */
export function scratchDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  outdirs.push(dir);
  return dir;
}

/** The app synthesised with the test settings (plus overrides), memoised. */
export function synthesise(overrides: Partial<VitrineSettings> = {}): Synthesised {
  // `undefined` must count: { alarmEmail: undefined } switches a default off.
  const key = JSON.stringify(overrides, (_k, v: unknown) => (v === undefined ? '<undefined>' : v));
  const hit = cache.get(key);
  if (hit) return hit;
  const outdir = scratchDir('vitrine-cdk-');
  const app = newApp({ outdir });
  const stacks = buildStacks(app, testSettings(overrides));
  const assembly = app.synth();
  const templates = {} as Record<StackKey, Template>;
  const json = {} as Record<StackKey, CfnTemplate>;
  for (const [k, name] of Object.entries(STACK_NAMES) as [StackKey, string][]) {
    const template = assembly.getStackByName(name).template as CfnTemplate;
    for (const r of Object.values(template.Resources)) r.Properties ??= {};
    json[k] = template;
    templates[k] = Template.fromJSON(template);
  }
  const result = { stacks, templates, json, outdir };
  cache.set(key, result);
  return result;
}

/** Resources of one type in a template, by logical id. */
export function resourcesOf(template: CfnTemplate, type: string): [string, CfnResource][] {
  return Object.entries(template.Resources).filter(([, r]) => r.Type === type);
}

/** The only resource of a type (fails the test if there are more or none). */
export function onlyResource(template: CfnTemplate, type: string): CfnResource {
  const found = resourcesOf(template, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return (found[0] as [string, CfnResource])[1];
}

/** The statements of the bucket policy attached to a bucket (by the bucket's logical id). */
export function bucketPolicyStatements(
  template: CfnTemplate,
  bucketId: string,
): Record<string, unknown>[] {
  const found = resourcesOf(template, 'AWS::S3::BucketPolicy').find(
    ([, p]) => JSON.stringify(p.Properties.Bucket) === JSON.stringify({ Ref: bucketId }),
  );
  if (!found) throw new Error(`no bucket policy for ${bucketId}`);
  return (found[1].Properties.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
}
