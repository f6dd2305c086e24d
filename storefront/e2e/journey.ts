import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { ARTIFACTS, type Stack } from './stack.ts';

/*
 * One journey's browser: a fresh context (its own cookies) whose pages are
 * watched for what a shopper would never see but a broken page shows in the
 * console: script errors, CSP refusals, and answers of 400 or more that the
 * journey did not provoke on purpose. On failure every open page is saved
 * (screenshot and HTML) under test-artifacts/failures/.
 */

/** An answer a journey expects: its status and a test of the URL's path. */
export interface Expected {
  status: number;
  path: RegExp;
  method?: string;
}

/**
 * Anonymous visitors: the favourite toggles ask GET /api/v1/favorites and the
 * edge answers 401 NOT_SIGNED_IN (src/features/islands/favourites.ts).
 */
const ALWAYS: readonly Expected[] = [
  { status: 401, path: /^\/api\/v1\/favorites$/, method: 'GET' },
];

export class Journey {
  readonly stack: Stack;
  readonly context: BrowserContext;
  readonly problems: string[] = [];
  private readonly expected: Expected[] = [...ALWAYS];

  /** Names the journey's files among the failure artifacts. */
  readonly label: string;

  private constructor(stack: Stack, context: BrowserContext, label: string) {
    this.stack = stack;
    this.context = context;
    this.label = label;
    context.on('page', (page) => this.watch(page));
  }

  static async start(
    stack: Stack,
    options: BrowserContextOptions = {},
    label = 'page',
  ): Promise<Journey> {
    const context = await stack.browser.newContext({
      baseURL: stack.url,
      viewport: { width: 1280, height: 800 },
      ...options,
    });
    context.setDefaultTimeout(10_000);
    context.setDefaultNavigationTimeout(20_000);
    return new Journey(stack, context, label);
  }

  /** Answers of 400 or more this journey provokes on purpose (a declined card is a 402). */
  expect(...answers: Expected[]): void {
    this.expected.push(...answers);
  }

  newPage(): Promise<Page> {
    return this.context.newPage();
  }

  private watch(page: Page): void {
    const where = () => page.url().replace(this.stack.url, '');
    page.on('pageerror', (error) => {
      this.problems.push(`script error on ${where()}: ${error.message}`);
    });
    page.on('console', (message) => {
      const text = message.text();
      if (/Content Security Policy|Refused to/.test(text)) {
        this.problems.push(`CSP on ${where()}: ${text}`);
      } else if (message.type() === 'error' && !text.startsWith('Failed to load resource')) {
        // Failed loads are judged below, where their URL and status are known.
        this.problems.push(`console error on ${where()}: ${text}`);
      }
    });
    page.on('response', (response) => {
      const status = response.status();
      if (status < 400) return;
      const url = new URL(response.url());
      const method = response.request().method();
      const expected = this.expected.some(
        (e) =>
          e.status === status && e.path.test(url.pathname) && (!e.method || e.method === method),
      );
      if (!expected) this.problems.push(`${status} for ${method} ${url.pathname}${url.search}`);
    });
  }

  /** Fails when any page of the journey logged an error, a CSP refusal or an unexpected 4xx/5xx. */
  assertClean(): void {
    if (this.problems.length > 0) {
      throw new Error(`the pages reported problems:\n  ${this.problems.join('\n  ')}`);
    }
  }

  /** After each test: on failure, what every open page showed; then the context closes. */
  async finish(test: Mocha.Test | undefined): Promise<void> {
    if (test?.state === 'failed') await this.saveFailure(test.fullTitle());
    await this.context.close();
  }

  /** Saves a screenshot and the HTML of every open page, and the servers' last log lines. */
  async saveFailure(title: string): Promise<void> {
    const dir = join(ARTIFACTS, 'failures');
    mkdirSync(dir, { recursive: true });
    const name = `${title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 80)}-${this.label}`;
    for (const [i, page] of this.context.pages().entries()) {
      const file = join(dir, `${name}-${i + 1}`);
      await page.screenshot({ path: `${file}.png`, fullPage: true }).catch(() => undefined);
      const html = await page.content().catch((err: Error) => `(no HTML: ${err.message})`);
      writeFileSync(`${file}.html`, `<!-- ${page.url()} -->\n${html}`);
    }
    writeFileSync(join(dir, `${name}.log`), this.stack.logs());
    console.log(`      saved what the ${this.label} saw as ${dir}/${name}-*`);
  }
}
