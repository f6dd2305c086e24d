/**
 * `node src/check.ts <file> [file…]`: runs the syntax gate on CloudFront Function files so that
 * `npm run check` fails on code cloudfront-js-2.0 would refuse, before anything is deployed.
 *
 * Exit codes: 0 every file passes, 1 a file has findings, 2 the command was misused (no file
 * given, or a file that cannot be read), so CI can tell a bad function from a bad invocation.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { checkFunctionSource, formatFinding, MAX_FUNCTION_BYTES } from './gate.ts';

/** Checks each file, reports on stdout/stderr, and returns the exit code. */
export function check(files: readonly string[]): number {
  if (files.length === 0) {
    console.error('usage: node src/check.ts <file> [file…]');
    return 2;
  }
  let code = 0;
  for (const file of files) {
    let source: string;
    try {
      source = readFileSync(file, 'utf8');
    } catch (error) {
      console.error(`${file}: cannot read: ${error instanceof Error ? error.message : error}`);
      code = 2;
      continue;
    }
    const findings = checkFunctionSource(source);
    for (const finding of findings) console.error(formatFinding(file, finding));
    if (findings.length > 0) {
      // A usage error (2) outranks findings: the run did not check everything it was asked to.
      code = Math.max(code, 1);
    } else {
      console.log(`${file}: ok (${Buffer.byteLength(source)} bytes of ${MAX_FUNCTION_BYTES})`);
    }
  }
  return code;
}

if (import.meta.main) process.exitCode = check(process.argv.slice(2));
