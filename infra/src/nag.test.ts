/*
 * cdk-nag's AwsSolutions pack over the whole app: no finding may stay
 * unsuppressed, and every suppression must say why (the list is printed for
 * review).
 */
import assert from 'node:assert/strict';
import { Aspects } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildStacks, newApp } from './app.ts';
import { testSettings, type VitrineSettings } from './settings.ts';
import { scratchDir } from './testing.ts';

interface Suppression {
  id: string;
  reason: string;
  applies_to?: unknown[];
}

function nag(overrides: Partial<VitrineSettings>) {
  const app = newApp({ outdir: scratchDir('vitrine-nag-') });
  buildStacks(app, testSettings(overrides));
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: false }));
  const assembly = app.synth();
  const findings: string[] = [];
  const suppressions: { path: string; s: Suppression }[] = [];
  for (const stack of assembly.stacks) {
    for (const m of stack.messages)
      if (
        (m.level === 'error' || m.level === 'warning') &&
        /AwsSolutions-/.test(String(m.entry.data))
      )
        findings.push(`${m.id}: ${String(m.entry.data).slice(0, 200)}`);
    const resources = (
      stack.template as { Resources: Record<string, { Metadata?: Record<string, unknown> }> }
    ).Resources;
    for (const [id, r] of Object.entries(resources)) {
      const rules = (r.Metadata?.cdk_nag as { rules_to_suppress?: Suppression[] } | undefined)
        ?.rules_to_suppress;
      for (const s of rules ?? []) suppressions.push({ path: `${stack.stackName}/${id}`, s });
    }
  }
  return { findings, suppressions };
}

describe('cdk-nag AwsSolutions', () => {
  for (const [name, overrides] of [
    ['the default settings', {}],
    [
      'a custom domain and Stripe',
      {
        domain: {
          name: 'shop.example.com',
          certificateArn: 'arn:aws:acm:us-east-1:111111111111:certificate/abc',
        },
        payments: 'stripe' as const,
      },
    ],
  ] as const) {
    it(`when checked with ${name}, then no finding is left unsuppressed and each suppression has a reason`, () => {
      const { findings, suppressions } = nag(overrides);
      assert.deepEqual(findings, []);
      assert.ok(suppressions.length > 0);
      for (const { path, s } of suppressions) {
        assert.match(s.id, /^AwsSolutions-[A-Z]+\d+$/, path);
        assert.ok(s.reason.length >= 40, `${path} ${s.id}: the reason is too short to say why`);
        // cdk-nag base64-encodes reasons it cannot keep as plain ASCII.
        assert.match(s.reason, / /, `${path} ${s.id}: the reason is not plain text`);
      }
      if (process.env.VITRINE_PRINT_NAG)
        for (const { path, s } of suppressions)
          console.log(
            `${s.id}\t${path}\t${s.applies_to ? JSON.stringify(s.applies_to) : ''}\t${s.reason}`,
          );
    });
  }
});
