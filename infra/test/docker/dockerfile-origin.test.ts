import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  type BuiltStage,
  buildStages,
  contextFiles,
  type Dockerfile,
  hostPath,
  listFiles,
  parseDockerfile,
  parseDockerignore,
} from './dockerfile.ts';

/*
 * Dockerfile.origin, checked where hadolint stops (what this image must be)
 * and then performed without Docker: its stages in folders, then its CMD with
 * its ENV as a non-root user, against the test PostgreSQL and Redis. The
 * session page it renders proves the SSR bundle made it into the image.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const DOCKERFILE = join(ROOT, 'Dockerfile.origin');
const dockerfile: Dockerfile = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const finalStage = dockerfile.stages.at(-1);
const ciNodeVersion = /^NODE_VERSION=(\S+)$/m.exec(
  readFileSync(join(ROOT, '.ci', 'run'), 'utf8'),
)?.[1];

function instructions(keyword: string) {
  return dockerfile.stages.flatMap((s) => s.instructions.filter((i) => i.keyword === keyword));
}

describe('Dockerfile.origin', () => {
  describe('when its instructions are read', () => {
    it('then every image it starts from is Node of .ci/run, pinned by exact tag and digest', () => {
      const images = dockerfile.stages
        .map((s) => s.from)
        .filter((from) => from !== 'scratch' && !dockerfile.stages.some((s) => s.name === from));
      assert.ok(images.length > 0);
      for (const image of images) {
        assert.match(
          image,
          /^node:(\d+\.\d+\.\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/,
          `${image}: an exact version tag and a digest`,
        );
        assert.equal(image.split(':')[1]?.split('-')[0], ciNodeVersion, 'the Node of .ci/run');
        assert.equal(
          image.split(':')[1]?.split('.')[0],
          readFileSync(join(ROOT, '.nvmrc'), 'utf8').trim(),
          'the major version of .nvmrc',
        );
      }
      // The recipe performs the RUN steps with the Node running it (CI's from .nvmrc).
      assert.equal(process.versions.node.split('.')[0], ciNodeVersion?.split('.')[0]);
    });

    it('then the image runs as a numeric non-root user, in production, with an exec-form CMD', () => {
      assert.ok(finalStage);
      const keywords = finalStage.instructions.map((i) => i.keyword);
      const user = finalStage.instructions.filter((i) => i.keyword === 'USER').at(-1);
      assert.ok(user, 'USER in the final stage');
      assert.match(user.args, /^[1-9]\d*(:[1-9]\d*)?$/, 'a numeric uid other than 0');
      assert.ok(keywords.lastIndexOf('USER') < keywords.lastIndexOf('CMD'), 'USER before CMD');
      const cmd = finalStage.instructions.filter((i) => i.keyword === 'CMD').at(-1);
      assert.deepEqual(cmd?.exec, ['node', 'origin/src/server.ts']);
      assert.ok(!keywords.includes('ENTRYPOINT'), 'no shell wrapper between ECS and node');
      assert.ok(
        finalStage.instructions.some(
          (i) => i.keyword === 'ENV' && i.args === 'NODE_ENV=production',
        ),
      );
      assert.ok(finalStage.instructions.some((i) => i.keyword === 'EXPOSE' && i.args === '3000'));
      const health = finalStage.instructions.find((i) => i.keyword === 'HEALTHCHECK');
      assert.ok(health?.exec?.[0] === 'node', 'the health check needs nothing but node');
    });

    it('then dependencies come from the lockfile (npm ci), nothing is ADDed and no apt is needed', () => {
      assert.equal(instructions('ADD').length, 0);
      const runs = instructions('RUN').map((i) => i.args);
      assert.ok(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r)));
      for (const run of runs) {
        assert.doesNotMatch(run, /\bnpm (install|i)\b/, 'npm install may change the lockfile');
        assert.doesNotMatch(run, /\b(apt-get|apt|curl|wget)\b/);
      }
    });
  });

  describe('when the build context is taken from .dockerignore', () => {
    const files = contextFiles(
      ROOT,
      parseDockerignore(readFileSync(join(ROOT, '.dockerignore'), 'utf8')),
    );

    it('then it holds the sources the image needs', () => {
      for (const f of [
        'package-lock.json',
        'origin/src/server.ts',
        'storefront/astro.config.ts',
        'edge/package.json',
      ]) {
        assert.ok(files.includes(f), f);
      }
    });

    it('then no test, local data, secret, dependency or build output is sent', () => {
      const leaks = files.filter((f) =>
        /(^|\/)(node_modules|dist|\.data|\.git|\.tools|\.astro|cdk\.out)\/|\.test\.ts$|(^|\/)\.env|\.pem$|\.key$/.test(
          f,
        ),
      );
      assert.deepEqual(leaks, []);
    });
  });

  describe('when its steps are performed and its command started', function () {
    // npm ci, astro build and a server start: about half a minute on two cores.
    this.timeout(240_000);
    const databaseUrl = process.env.DATABASE_URL;
    const schema = `recipe_${randomBytes(4).toString('hex')}`;
    const shopName = 'Recipe Test Gallery';
    let workdir = '';
    let stages: Map<string, BuiltStage> = new Map();
    let runtime: BuiltStage | undefined;
    let child: ChildProcess | undefined;
    let url = '';
    let logs = '';

    before(async function () {
      if (!databaseUrl) {
        console.log('    (skipped: set DATABASE_URL, and REDIS_URL, to build and start the image)');
        this.skip();
      }
      workdir = mkdtempSync(join(tmpdir(), 'vitrine-origin-image-'));
      // The image's user must reach its files through the folder above them.
      chmodSync(workdir, 0o755);
      stages = buildStages({
        dockerfile: DOCKERFILE,
        context: ROOT,
        workdir,
        buildArgs: {
          SHOP_RECORD: JSON.stringify({
            type: 'shop',
            formatVersion: 1,
            kind: 'gallery',
            name: 'Galerie Lumen',
            currency: 'EUR',
            makerNoun: 'artist',
            attributeKeys: [],
          }),
          SHOP_NAME: shopName,
        },
        // The npm cache stands in for the build's cache mount; the registry only when it misses.
        runEnv: { npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false' },
      });
      runtime = [...stages.values()].at(-1);
      assert.ok(runtime?.cmd);
      const [command, ...commandArgs] = runtime.cmd;
      assert.equal(command, 'node');
      const env: Record<string, string> = {
        PATH: `${resolve(process.execPath, '..')}:/usr/bin:/bin`,
        ...runtime.env,
        PORT: '0',
        DATABASE_URL: databaseUrl ?? '',
        DATABASE_SCHEMA: schema,
        SESSION_KEYS: `recipe:${randomBytes(32).toString('base64url')}`,
        PUBLIC_BASE_URL: 'https://shop.example.com',
        PAYMENTS_PROVIDER: 'test',
        PAYMENTS_WEBHOOK_SECRET: randomBytes(32).toString('hex'),
        SHUTDOWN_DELAY_MS: '0',
        ...(process.env.REDIS_URL ? { REDIS_URL: process.env.REDIS_URL } : {}),
      };
      // `USER 1000:1000`: as root here, start it as that user, as the image would.
      const [uid, gid] = (runtime.user ?? '').split(':').map(Number);
      const asUser = process.getuid?.() === 0 && uid !== undefined ? { uid, gid: gid ?? uid } : {};
      child = spawn(process.execPath, commandArgs, {
        cwd: hostPath(runtime, '.'),
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        ...asUser,
      });
      const proc = child;
      url = await new Promise<string>((resolveUrl, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no listening line in 60 s:\n${logs}`)),
          60_000,
        );
        proc.stderr?.on('data', (d: Buffer) => {
          logs += d.toString();
        });
        proc.stdout?.on('data', (d: Buffer) => {
          logs += d.toString();
          const listening = /"url":"(http:\/\/[^"]+)","msg":"origin listening/.exec(logs);
          if (listening?.[1]) {
            clearTimeout(timer);
            resolveUrl(listening[1]);
          }
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the image's command exited with ${code}:\n${logs}`));
        });
      });
    });

    after(async () => {
      if (child && child.exitCode === null) {
        child.kill('SIGKILL');
        await once(child, 'exit');
      }
      if (runtime && databaseUrl) {
        // The image's own PostgreSQL client removes the schema its migrations made.
        const require = createRequire(hostPath(runtime, 'origin/package.json'));
        const pg = require('pg') as {
          Client: new (o: {
            connectionString: string;
          }) => {
            connect(): Promise<void>;
            query(sql: string): Promise<unknown>;
            end(): Promise<void>;
          };
        };
        const client = new pg.Client({ connectionString: databaseUrl });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
      if (workdir) rmSync(workdir, { recursive: true, force: true });
    });

    it('then the runtime holds production dependencies only, no test and no edge source', () => {
      assert.ok(runtime);
      const app = hostPath(runtime, '.');
      assert.ok(existsSync(join(app, 'node_modules', 'express')));
      assert.ok(existsSync(join(app, 'node_modules', 'astro')), 'the SSR bundle imports astro');
      for (const devOnly of ['mocha', 'typescript', 'playwright-core', 'lighthouse']) {
        assert.ok(!existsSync(join(app, 'node_modules', devOnly)), `${devOnly} is not shipped`);
      }
      const shipped = listFiles(join(app, 'origin'));
      assert.deepEqual(
        shipped.filter((f) => f.endsWith('.test.ts')),
        [],
      );
      assert.ok(!existsSync(join(app, 'edge', 'src')));
      assert.ok(!existsSync(join(app, 'storefront', 'src')), 'only the built bundle');
    });

    it("then it runs as the image's user, who cannot write to the application's files", function () {
      // Only root can start a process as another user and own files for another.
      if (process.getuid?.() !== 0 || process.platform !== 'linux') this.skip();
      assert.ok(child?.pid && runtime);
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
      assert.equal(uid, runtime.user?.split(':')[0]);
      const app = hostPath(runtime, '.');
      for (const path of [
        app,
        join(app, 'origin', 'src'),
        join(app, 'storefront', 'dist', 'server'),
      ]) {
        assert.equal(statSync(path).uid, 0, `${path} belongs to root, not to the app`);
        assert.equal(statSync(path).mode & 0o022, 0, `${path} is writable by its owner only`);
      }
    });

    it('then /healthz and /readyz answer 200', async () => {
      assert.equal((await fetch(`${url}/healthz`)).status, 200);
      const ready = await fetch(`${url}/readyz`);
      assert.equal(ready.status, 200, await ready.text());
    });

    it("then a session page is rendered by the image's SSR bundle with the build's branding", async () => {
      const res = await fetch(`${url}/login/`);
      const html = await res.text();
      assert.equal(res.status, 200, html.slice(0, 500));
      assert.match(res.headers.get('content-type') ?? '', /text\/html/);
      assert.match(html, /<form[^>]*method="post"/i);
      assert.ok(html.includes(shopName), 'SHOP_NAME given at build time');
    });

    it('then every /_astro/ file the page links is in the assets stage the pipeline uploads', async () => {
      const html = await (await fetch(`${url}/login/`)).text();
      const linked = [...html.matchAll(/(?:href|src)="\/(_astro\/[^"]+)"/g)].map((m) => m[1]);
      assert.ok(linked.length > 0, 'the page links its stylesheet');
      const assets = stages.get('assets');
      assert.ok(assets, 'an `assets` stage');
      const exported = new Set(listFiles(assets.root));
      for (const file of linked) assert.ok(exported.has(file ?? ''), `${file} exported`);
    });

    it('then SIGTERM drains it and it exits 0', async () => {
      assert.ok(child);
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const [code] = (await exited) as [number | null];
      assert.equal(code, 0, logs.slice(-2000));
    });
  });
});
