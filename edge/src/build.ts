import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FUNCTION_CONFIG,
  type FunctionConfig,
  patternToRegExp,
  VIEWER_REQUEST,
} from './description.ts';

const SOURCE = fileURLToPath(new URL('../function/viewer-request.js', import.meta.url));
/** Where the deployable file is written; the local server, the tests and the CDK stack read it. */
export const BUILT_FUNCTION = fileURLToPath(new URL(`../${VIEWER_REQUEST.file}`, import.meta.url));

/**
 * The deployable function: the source with the description's values in place of
 * `__CONFIG__` and `__APP_PATH__`. Deterministic, so the deployed file is the tested file.
 */
export function buildViewerRequest(config: FunctionConfig = FUNCTION_CONFIG): string {
  const source = readFileSync(SOURCE, 'utf8');
  const { appPatterns, ...injected } = config;
  const alternatives = appPatterns.map((p) => patternToRegExp(p).source.slice(1, -1));
  const appPath = `/^(?:${alternatives.join('|')})$/`;
  let built = source;
  for (const [token, value] of [
    ['__CONFIG__', JSON.stringify(injected)],
    ['__APP_PATH__', appPath],
  ] as const) {
    if (built.split(token).length !== 2) throw new Error(`${SOURCE} must contain ${token} once`);
    built = built.replace(token, () => value);
  }
  return built;
}

/** Builds and writes the function; returns its path and size in bytes. */
export function writeViewerRequest(file = BUILT_FUNCTION): { file: string; bytes: number } {
  const code = buildViewerRequest();
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, code);
  return { file, bytes: Buffer.byteLength(code) };
}

if (import.meta.main) {
  const { file, bytes } = writeViewerRequest();
  console.log(`built ${file} (${bytes} bytes)`);
}
