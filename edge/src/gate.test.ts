import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkFunctionSource, formatFinding, MAX_FUNCTION_BYTES } from './gate.ts';

const edgeDir = join(import.meta.dirname, '..');
const gateDir = join(edgeDir, 'fixtures', 'gate');
const badFixtures = readdirSync(gateDir).filter(
  (name) => name.endsWith('.js') && name !== 'good.js',
);

/** Each bad fixture states on its first line what the gate must find, so fixture and test agree. */
function expectation(source: string): { feature: string; line: number } | undefined {
  const header = /^\/\/ gate: (.+) at line (\d+)\n/.exec(source);
  return header?.[1] && header[2] ? { feature: header[1], line: Number(header[2]) } : undefined;
}

function features(source: string): string[] {
  return checkFunctionSource(source).map((f) => `${f.feature} at line ${f.line}`);
}

/** 100-byte ASCII lines (99 characters and a newline), so byte N sits on line ceil(N / 100). */
function oversizeSource(lines: number): string {
  const handler = 'function handler(event) { return event.request; }'.padEnd(99);
  return [handler, ...Array.from({ length: lines - 1 }, () => '//'.padEnd(99, 'x'))]
    .map((line) => `${line}\n`)
    .join('');
}

function runCheck(...files: string[]) {
  return spawnSync(process.execPath, ['src/check.ts', ...files], {
    cwd: edgeDir,
    encoding: 'utf8',
  });
}

describe('gate', () => {
  describe('bad fixtures', () => {
    for (const name of badFixtures) {
      const source = readFileSync(join(gateDir, name), 'utf8');
      const expected = expectation(source);
      it(`when ${name} is checked, then only ${expected?.feature} is found, at line ${expected?.line}`, () => {
        assert.ok(expected, `${name} must start with "// gate: <feature> at line <N>"`);
        const findings = checkFunctionSource(source);
        assert.deepEqual([...new Set(findings.map((f) => f.feature))], [expected.feature]);
        assert.ok(
          findings.some((f) => f.line === expected.line),
          `expected ${expected.feature} at line ${expected.line}, got ${features(source).join(', ')}`,
        );
      });
    }
  });

  it('when good.js uses every documented feature, then nothing is found', () => {
    assert.deepEqual(features(readFileSync(join(gateDir, 'good.js'), 'utf8')), []);
  });

  it('when the source is exactly 10,240 bytes, then size is not reported', () => {
    const source = oversizeSource(110).slice(0, MAX_FUNCTION_BYTES);
    assert.deepEqual(features(source), []);
  });

  it('when the source is over 10,240 bytes, then size names the line and column of the first byte over', () => {
    const findings = checkFunctionSource(oversizeSource(110));
    assert.deepEqual(
      findings.map((f) => [f.feature, f.line, f.column]),
      [['size', 103, 41]],
    );
    assert.match(findings[0]?.message ?? '', /11000 bytes.*at most 10240 bytes/);
  });

  it('when multi-byte characters push the source over, then size counts bytes, not characters', () => {
    // 10,200 ASCII bytes, then "//" and 30 two-byte "é": 10,232 characters but 10,262 bytes.
    // Byte 10,241 is the first byte of the 20th "é", column 1 + 2 + 19.
    const source = `${oversizeSource(102)}//${'é'.repeat(30)}`;
    const size = checkFunctionSource(source).find((f) => f.feature === 'size');
    assert.deepEqual([size?.line, size?.column], [103, 22]);
  });

  it('when a finding is formatted, then it reads file:line:column: feature: message', () => {
    const finding = {
      line: 3,
      column: 7,
      feature: 'destructuring',
      message: 'read them one by one',
    };
    assert.equal(
      formatFinding('dist/viewer-request.js', finding),
      'dist/viewer-request.js:3:7: destructuring: read them one by one',
    );
  });

  it('when several rules fire, then findings come sorted by line, then column', () => {
    const source = [
      'function handler(event) {',
      '  var cache = new Map(); var host = event.request.headers.host?.value;',
      '  return event?.request;',
      '}',
    ].join('\n');
    assert.deepEqual(
      checkFunctionSource(source).map((f) => [f.line, f.column, f.feature]),
      [
        [2, 19, 'global Map'],
        [2, 37, 'optional chaining'],
        [3, 10, 'optional chaining'],
      ],
    );
  });

  it('when a local named Map or Array shadows the global, then neither it nor Array.from is reported', () => {
    const source = [
      'function handler(event) {',
      '  var Array = { from: function (value) { return [value]; } };',
      '  function Map() { this.size = 0; }',
      '  return { uri: Array.from(event.request.uri), seen: new Map() };',
      '}',
    ].join('\n');
    assert.deepEqual(features(source), []);
  });

  it('when a var or function is used before its declaration, then hoisting resolves it', () => {
    const source = [
      'function handler(event) {',
      '  later = helper(event);',
      '  var later;',
      '  return later;',
      '}',
      'function helper(event) { return event.request; }',
    ].join('\n');
    assert.deepEqual(features(source), []);
  });

  it('when a let is read outside its block, then the read is an undeclared global', () => {
    const source = [
      'function handler(event) {',
      '  if (event.request) { let uri = event.request.uri; }',
      '  return uri;',
      '}',
    ].join('\n');
    assert.deepEqual(features(source), ['global uri at line 3']);
  });

  it('when an arrow function reads arguments, then the enclosing function provides them', () => {
    const source = 'function handler(event) { var first = () => arguments[0]; return first(); }';
    assert.deepEqual(features(source), []);
  });

  it('when the CLI checks a bad fixture, then it exits 1 and prints file:line:column: feature', () => {
    const result = runCheck('fixtures/gate/class.js');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^fixtures\/gate\/class\.js:2:1: class: /m);
  });

  it('when the CLI checks good.js, then it exits 0 and reports the size against the quota', () => {
    const result = runCheck('fixtures/gate/good.js');
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^fixtures\/gate\/good\.js: ok \(\d+ bytes of 10240\)$/m);
  });

  it('when the CLI gets no file or an unreadable one, then it exits 2 with a message', () => {
    const none = runCheck();
    assert.equal(none.status, 2);
    assert.match(none.stderr, /usage: node src\/check\.ts <file>/);
    const missing = runCheck('fixtures/gate/does-not-exist.js');
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /does-not-exist\.js: cannot read: ENOENT/);
  });
});
