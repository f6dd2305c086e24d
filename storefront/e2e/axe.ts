import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/*
 * axe-core in the page under test. Its source is evaluated through the
 * DevTools protocol, which the page's CSP does not govern (a script tag
 * would be refused, rightly), then run on the whole document.
 */

const AXE_SOURCE = (createRequire(import.meta.url)('axe-core') as { source: string }).source;

/** WCAG 2.0/2.1 A and AA, and axe's best practices. */
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];

export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  /** CSS selectors of the offending nodes, with a bit of their HTML. */
  nodes: { target: string; html: string }[];
}

export async function axeViolations(page: Page): Promise<Violation[]> {
  if (!(await page.evaluate('typeof window.axe === "object"'))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(`
    axe
      .run(document, { runOnly: { type: 'tag', values: ${JSON.stringify(TAGS)} } })
      .then((result) =>
        result.violations.map((v) => ({
          id: v.id,
          impact: v.impact ?? null,
          help: v.help,
          helpUrl: v.helpUrl,
          nodes: v.nodes.map((n) => ({ target: n.target.join(' '), html: n.html.slice(0, 200) })),
        })),
      )
  `);
}

/** One block per page: each violation's id, impact, help and target nodes. */
export function describeViolations(page: string, violations: Violation[]): string {
  return [
    `${page}: ${violations.length} violation${violations.length === 1 ? '' : 's'}`,
    ...violations.map(
      (v) =>
        `  ${v.id} (${v.impact ?? 'no impact given'}): ${v.help}\n    ${v.helpUrl}\n${v.nodes
          .map((n) => `    - ${n.target}\n      ${n.html}`)
          .join('\n')}`,
    ),
  ].join('\n');
}
