import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { dictionary } from '@zxcvbn-ts/language-common';

const argon2Async = promisify(argon2);

/** argon2id cost. OWASP's minimum is m=19 MiB, t=2, p=1; raise these and old hashes upgrade at next login. */
export interface HashParams {
  /** Memory in KiB. */
  memory: number;
  /** Passes over memory. */
  passes: number;
  /** Lanes; node:crypto runs them on one thread, so 1. */
  parallelism: number;
}

export const CURRENT_PARAMS: HashParams = { memory: 19_456, passes: 2, parallelism: 1 };
const SALT_BYTES = 16;
const TAG_BYTES = 32;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

const b64 = (buf: Buffer) => buf.toString('base64').replace(/=+$/, '');

async function derive(password: string, salt: Buffer, params: HashParams): Promise<Buffer> {
  return argon2Async('argon2id', {
    message: Buffer.from(password.normalize('NFKC'), 'utf8'),
    nonce: salt,
    parallelism: params.parallelism,
    tagLength: TAG_BYTES,
    memory: params.memory,
    passes: params.passes,
  });
}

/** A PHC string: `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, parameters kept with the hash. */
export async function hashPassword(
  password: string,
  params: HashParams = CURRENT_PARAMS,
): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, params);
  return `$argon2id$v=19$m=${params.memory},t=${params.passes},p=${params.parallelism}$${b64(salt)}$${b64(hash)}`;
}

const PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

export function parseHash(phc: string): { params: HashParams; salt: Buffer; hash: Buffer } | null {
  const m = PHC.exec(phc);
  if (!m) return null;
  return {
    params: { memory: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]) },
    salt: Buffer.from(m[4] ?? '', 'base64'),
    hash: Buffer.from(m[5] ?? '', 'base64'),
  };
}

export async function verifyPassword(phc: string, password: string): Promise<boolean> {
  const parsed = parseHash(phc);
  if (!parsed) return false;
  const candidate = await derive(password, parsed.salt, parsed.params);
  return candidate.length === parsed.hash.length && timingSafeEqual(candidate, parsed.hash);
}

/** True when the stored hash is weaker than today's parameters. */
export function needsRehash(phc: string, params: HashParams = CURRENT_PARAMS): boolean {
  const parsed = parseHash(phc);
  if (!parsed) return true;
  return (
    parsed.params.memory < params.memory ||
    parsed.params.passes < params.passes ||
    parsed.hash.length < TAG_BYTES
  );
}

/**
 * A hash of nothing anyone knows, verified when the account does not exist,
 * so known and unknown emails take the same time.
 */
let decoy: Promise<string> | null = null;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(32).toString('hex'));
  return decoy;
}

/**
 * Common passwords, from zxcvbn-ts's frequency list (MIT), lower-cased.
 * Only those long enough to pass the length rule matter.
 */
let common: Set<string> | null = null;
export function isCommonPassword(password: string): boolean {
  common ??= new Set(
    (dictionary['passwords-common'] as string[])
      .filter((p) => p.length >= MIN_PASSWORD_LENGTH)
      .map((p) => p.toLowerCase()),
  );
  return common.has(password.toLowerCase());
}

/** The reason a new password is refused, in words a person can act on; null when it is fine. */
export function passwordProblem(password: string, email?: string): string | null {
  if ([...password].length < MIN_PASSWORD_LENGTH)
    return `must be at least ${MIN_PASSWORD_LENGTH} characters`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `must be at most ${MAX_PASSWORD_LENGTH} characters`;
  if (isCommonPassword(password))
    return 'is one of the most common passwords; choose a less guessable one';
  if (email && password.toLowerCase() === email.toLowerCase())
    return 'must not be your email address';
  return null;
}
