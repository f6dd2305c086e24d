import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
} from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/*
 * Dockerfiles without Docker. This machine and CI's .ci/run have no Docker
 * engine, so the tests read a Dockerfile, apply its .dockerignore to the build
 * context, and perform its stages in folders (one per stage standing for the
 * stage's `/`), with the host's Node in place of the base image's (the test
 * checks that they are the same version). Instructions or flags it cannot
 * model make it throw, so a Dockerfile change the test does not understand
 * fails loudly instead of passing untested.
 */

export interface Instruction {
  /** Upper case: FROM, RUN, COPY, … */
  keyword: string;
  /** Leading `--name=value` flags (`--from=deps`, `--mount=…`, `--interval=30s`). */
  flags: Record<string, string>;
  /** The rest of the line after the flags, continuation lines joined. */
  args: string;
  /** The JSON array of the exec form (CMD, ENTRYPOINT, HEALTHCHECK CMD), else null. */
  exec: string[] | null;
  /** 1-based line of the instruction's first line. */
  line: number;
}

export interface Stage {
  /** What it is built FROM: an image reference or an earlier stage's name. */
  from: string;
  name: string | null;
  instructions: Instruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM. */
  globalArgs: Instruction[];
  stages: Stage[];
}

function parseExec(text: string): string[] | null {
  if (!text.startsWith('[')) return null;
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : null;
  } catch {
    return null;
  }
}

/** Splits a Dockerfile into stages of instructions (comments and continuations resolved). */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text.split('\n');
  const instructions: Instruction[] = [];
  for (let i = 0; i < lines.length; i++) {
    const first = lines[i] ?? '';
    if (/^\s*(#|$)/.test(first)) continue;
    const start = i;
    let joined = first;
    // A trailing backslash continues the instruction; comment lines inside it are dropped.
    while (/\\\s*$/.test(joined) && i + 1 < lines.length) {
      joined = joined.replace(/\\\s*$/, '');
      i++;
      const next = lines[i] ?? '';
      if (/^\s*#/.test(next)) {
        joined += '\\';
        continue;
      }
      joined += ` ${next.trim()}`;
    }
    const match = /^\s*([A-Za-z]+)\s+([\s\S]*)$/.exec(joined.trim());
    if (!match) throw new Error(`line ${start + 1}: not an instruction: ${first}`);
    const keyword = (match[1] ?? '').toUpperCase();
    let rest = (match[2] ?? '').trim();
    const flags: Record<string, string> = {};
    for (;;) {
      const flag = /^--([a-z-]+)(?:=(\S*))?\s+/.exec(rest);
      if (!flag) break;
      flags[flag[1] ?? ''] = flag[2] ?? 'true';
      rest = rest.slice(flag[0].length);
    }
    const execText = keyword === 'HEALTHCHECK' ? rest.replace(/^CMD\s+/, '') : rest;
    instructions.push({
      keyword,
      flags,
      args: rest,
      exec: ['CMD', 'ENTRYPOINT', 'HEALTHCHECK'].includes(keyword) ? parseExec(execText) : null,
      line: start + 1,
    });
  }
  const result: Dockerfile = { globalArgs: [], stages: [] };
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const [from = '', as, name] = instruction.args.split(/\s+/);
      if (as !== undefined && as.toUpperCase() !== 'AS')
        throw new Error(`line ${instruction.line}: FROM <image> [AS <name>] expected`);
      result.stages.push({ from, name: name ?? null, instructions: [] });
    } else if (result.stages.length === 0) {
      if (instruction.keyword !== 'ARG')
        throw new Error(`line ${instruction.line}: only ARG may come before FROM`);
      result.globalArgs.push(instruction);
    } else {
      result.stages.at(-1)?.instructions.push(instruction);
    }
  }
  return result;
}

/** `'…'` or `"…"` around a value, as Docker's word processing removes them. */
export function unquote(value: string): string {
  if (value.length >= 2 && value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1);
  if (value.length >= 2 && value.startsWith('"') && value.endsWith('"'))
    return value.slice(1, -1).replace(/\\(["\\$])/g, '$1');
  return value;
}

/** `KEY=value` of an ARG or ENV (one pair per instruction here). */
export function keyValue(args: string): [string, string | undefined] {
  const eq = args.indexOf('=');
  if (eq < 0) return [args.trim(), undefined];
  return [args.slice(0, eq).trim(), unquote(args.slice(eq + 1).trim())];
}

/*
 * .dockerignore as BuildKit reads it: patterns in order, `!` re-includes, a
 * pattern matches a path or any of its parent folders, the last match wins;
 * `*` and `?` stay within a path segment, `**` spans any number of them.
 */

interface IgnorePattern {
  negate: boolean;
  regex: RegExp;
  /** The literal folder prefix of a `!` pattern: folders it may reach into. */
  literalPrefix: string;
}

function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] ?? '';
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` matches zero or more whole segments; a final `**` anything.
      if (glob[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

export function parseDockerignore(text: string): IgnorePattern[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\.?\//, '').replace(/\/+$/, '');
      const literal = /^[^*?[]*/.exec(pattern)?.[0] ?? '';
      return { negate, regex: globToRegExp(pattern), literalPrefix: literal };
    });
}

function parents(path: string): string[] {
  const parts = path.split('/');
  return parts.map((_, i) => parts.slice(0, i + 1).join('/'));
}

/** Whether a context path (relative, `/`-separated) is sent to the builder. */
export function isIncluded(patterns: readonly IgnorePattern[], path: string): boolean {
  let excluded = false;
  const candidates = parents(path);
  for (const p of patterns) {
    if (candidates.some((c) => p.regex.test(c))) excluded = !p.negate;
  }
  return !excluded;
}

/** An excluded folder no `!` pattern reaches into need not be walked. */
function canPrune(patterns: readonly IgnorePattern[], dir: string): boolean {
  return !patterns.some(
    (p) =>
      p.negate &&
      (p.literalPrefix.startsWith(`${dir}/`) ||
        p.literalPrefix === dir ||
        p.literalPrefix === '' ||
        dir.startsWith(`${p.literalPrefix}/`)),
  );
}

/** Every file of the build context under `from` (context-relative), after .dockerignore. */
export function contextFiles(
  context: string,
  patterns: readonly IgnorePattern[],
  from = '',
): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    const abs = join(context, rel);
    const st = statSync(abs);
    if (st.isFile()) {
      if (isIncluded(patterns, rel)) out.push(rel);
      return;
    }
    if (!st.isDirectory()) return;
    if (rel !== '' && !isIncluded(patterns, rel) && canPrune(patterns, rel)) return;
    for (const entry of readdirSync(abs).sort()) walk(rel === '' ? entry : `${rel}/${entry}`);
  };
  walk(from);
  return out;
}

/* Performing the stages. */

export interface BuildOptions {
  dockerfile: string;
  context: string;
  /** An empty folder that receives one folder per stage. */
  workdir: string;
  buildArgs?: Record<string, string>;
  /** Extra environment for RUN steps (e.g. npm's offline preference); not part of the image. */
  runEnv?: Record<string, string>;
  /** Build this stage and the stages it needs only (`docker build --target`). */
  target?: string;
  /** Called before each RUN, for progress output. */
  onRun?: (stage: string, command: string) => void;
}

export interface BuiltStage {
  name: string;
  /** The folder standing for the stage's `/`. */
  root: string;
  /** WORKDIR at the end of the stage (a container path). */
  workdir: string;
  env: Record<string, string>;
  user: string | null;
  cmd: string[] | null;
  exposed: string[];
}

const CONTAINER_PATHS = /(^|[\s='"(])\/(app|tmp)(?=\/|[\s'";)]|$)/g;

/** Container paths in a shell command, mapped into the stage's folder. */
function mapPaths(command: string, root: string): string {
  return command.replace(
    CONTAINER_PATHS,
    (_, before: string, top: string) => `${before}${root}/${top}`,
  );
}

function copyInto(source: string, target: string): void {
  const st = statSync(source);
  if (st.isDirectory()) {
    mkdirSync(target, { recursive: true });
    cpSync(source, target, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  } else {
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(source, target);
    chmodSync(target, st.mode & 0o7777);
  }
}

/** Performs every stage of the Dockerfile in order; returns them by name (or index). */
export function buildStages(options: BuildOptions): Map<string, BuiltStage> {
  const file = parseDockerfile(readFileSync(options.dockerfile, 'utf8'));
  const ignoreFile = join(options.context, '.dockerignore');
  const patterns = existsSync(ignoreFile)
    ? parseDockerignore(readFileSync(ignoreFile, 'utf8'))
    : [];
  const stages = new Map<string, BuiltStage>();
  const args = options.buildArgs ?? {};
  const nodeBin = dirname(process.execPath);

  const needed = new Set<string>();
  const need = (name: string) => {
    const stage = file.stages.find((s, i) => (s.name ?? String(i)) === name);
    if (!stage || needed.has(name)) return;
    needed.add(name);
    need(stage.from);
    for (const i of stage.instructions) if (i.flags.from) need(i.flags.from);
  };
  if (options.target) need(options.target);

  file.stages.forEach((stage, index) => {
    const name = stage.name ?? String(index);
    if (options.target && !needed.has(name)) return;
    const root = join(options.workdir, `stage-${index}-${name}`);
    const parent = stages.get(stage.from);
    let built: BuiltStage;
    if (parent) {
      cpSync(parent.root, root, { recursive: true, verbatimSymlinks: true });
      built = { ...parent, name, root, env: { ...parent.env }, exposed: [...parent.exposed] };
    } else {
      // An image (or scratch): its files are the host's Node, checked separately.
      mkdirSync(root, { recursive: true });
      built = { name, root, workdir: '/', env: {}, user: null, cmd: null, exposed: [] };
    }
    mkdirSync(join(root, 'tmp'), { recursive: true });
    const stageArgs: Record<string, string> = {};
    const at = (i: Instruction) => `${options.dockerfile}:${i.line} (${i.keyword})`;
    const containerPath = (p: string) => (p.startsWith('/') ? p : join(built.workdir, p));

    for (const instruction of stage.instructions) {
      const { keyword, flags } = instruction;
      const allowed: Record<string, readonly string[]> = {
        RUN: ['mount'],
        COPY: ['from'],
        HEALTHCHECK: ['interval', 'timeout', 'start-period', 'retries'],
      };
      for (const flag of Object.keys(flags)) {
        if (!(allowed[keyword] ?? []).includes(flag))
          throw new Error(`${at(instruction)}: the recipe cannot model --${flag}`);
      }
      switch (keyword) {
        case 'WORKDIR': {
          built.workdir = containerPath(instruction.args);
          mkdirSync(join(root, built.workdir), { recursive: true });
          break;
        }
        case 'ARG': {
          const [key, fallback] = keyValue(instruction.args);
          stageArgs[key] = args[key] ?? fallback ?? '';
          break;
        }
        case 'ENV': {
          const [key, value] = keyValue(instruction.args);
          if (value === undefined) throw new Error(`${at(instruction)}: ENV KEY=value expected`);
          built.env[key] = value;
          break;
        }
        case 'COPY': {
          const parts = instruction.args.split(/\s+/);
          const dest = containerPath(parts.pop() ?? '');
          const sources = parts;
          const toDir = dest.endsWith('/') || sources.length > 1;
          for (const src of sources) {
            if (flags.from) {
              const from = stages.get(flags.from);
              if (!from) throw new Error(`${at(instruction)}: no stage ${flags.from}`);
              const source = join(from.root, src);
              const target = join(root, toDir ? join(dest, basename(src)) : dest);
              if (statSync(source).isDirectory()) copyInto(source, join(root, dest));
              else copyInto(source, target);
            } else {
              const files = contextFiles(options.context, patterns, src.replace(/\/$/, ''));
              if (files.length === 0)
                throw new Error(`${at(instruction)}: ${src} is not in the build context`);
              const isDir = statSync(join(options.context, src)).isDirectory();
              for (const f of files) {
                const target = isDir
                  ? join(root, dest, relative(src, f))
                  : join(root, toDir ? join(dest, basename(f)) : dest);
                copyInto(join(options.context, f), target);
              }
            }
          }
          break;
        }
        case 'RUN': {
          const command = mapPaths(instruction.args, root);
          options.onRun?.(name, instruction.args);
          const result = spawnSync('/bin/sh', ['-c', command], {
            cwd: join(root, built.workdir),
            env: {
              HOME: process.env.HOME ?? '/root',
              PATH: `${nodeBin}:/usr/local/bin:/usr/bin:/bin`,
              ...stageArgs,
              ...built.env,
              ...options.runEnv,
            },
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
          });
          if (result.status !== 0)
            throw new Error(
              `${at(instruction)} failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`,
            );
          break;
        }
        case 'USER':
          built.user = instruction.args;
          break;
        case 'EXPOSE':
          built.exposed.push(...instruction.args.split(/\s+/));
          break;
        case 'CMD':
          if (!instruction.exec) throw new Error(`${at(instruction)}: exec form expected`);
          built.cmd = instruction.exec;
          break;
        case 'HEALTHCHECK':
        case 'LABEL':
          break;
        default:
          throw new Error(`${at(instruction)}: the recipe cannot model ${keyword}`);
      }
    }
    stages.set(name, built);
  });
  return stages;
}

/** The host path of a container path in a built stage. */
export function hostPath(stage: BuiltStage, containerPath: string): string {
  return resolve(stage.root, `.${resolve('/', stage.workdir, containerPath)}`);
}

/** Every file under a folder, relative and `/`-separated. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) walk(p);
      else out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  if (existsSync(dir)) walk(dir);
  return out;
}
