/**
 * The syntax gate: refuses CloudFront Function source that cloudfront-js-2.0 would reject at
 * upload or break on at run time, so the mistake shows up at build time with a line number
 * instead of as a failed deploy or a 503 at the edge.
 *
 * The runtime is ES5.1 plus a short documented list (EDGE-RUNTIME.md, "Language"). Anything the
 * list leaves out is treated as unsupported, so every rule here is a construct outside that list;
 * the same goes for globals (only the documented ones exist) and for the size quota ("Limits").
 */
import { Buffer } from 'node:buffer';
import {
  type AnyNode,
  type ForInStatement,
  type ForOfStatement,
  type Function as FunctionNode,
  type Identifier,
  type ImportDeclaration,
  type MemberExpression,
  type Node,
  type Pattern,
  type Position,
  type Program,
  parse,
} from 'acorn';
import * as walk from 'acorn-walk';

/** Function code quota of CloudFront Functions, in bytes (EDGE-RUNTIME.md, "Limits": 10 KB). */
export const MAX_FUNCTION_BYTES = 10_240;

/** One construct the runtime would refuse, where it is, and what to write instead. */
export interface GateFinding {
  /** 1-based line. */
  line: number;
  /** 1-based column in UTF-16 code units, as editors and `file:line:column` links count them. */
  column: number;
  /** Short stable name of the construct (`destructuring`, `global Map`, `Array.from`, `size`). */
  feature: string;
  /** What the runtime allows instead, written for whoever fixes the file. */
  message: string;
}

const RUNTIME = 'cloudfront-js-2.0';

/**
 * Syntax outside the documented list, with the ES5-or-listed way to say the same thing.
 * EDGE-RUNTIME.md names most of these as unsupported; the rest (BigInt, tagged templates,
 * shorthand and computed keys, logical assignment, ...) are later syntax the list simply omits.
 */
const SYNTAX = {
  destructuring: `destructuring is not supported by ${RUNTIME}; read the properties one by one`,
  spread: `spread is not supported by ${RUNTIME}; use Object.assign, concat or apply instead`,
  'default parameter': `default parameters are not supported by ${RUNTIME}; test for undefined in the body`,
  'optional chaining': `?. is not supported by ${RUNTIME}; test each level with && or an if`,
  'nullish coalescing': `?? is not supported by ${RUNTIME}; compare with undefined and null explicitly`,
  'logical assignment': `??=, ||= and &&= are not supported by ${RUNTIME}; write the if and the assignment`,
  class: `classes are not supported by ${RUNTIME}; use functions and object literals`,
  'for…of': `for…of is not supported by ${RUNTIME}; loop with an index or use forEach/map`,
  generator: `generators are not supported by ${RUNTIME}; build and return an array`,
  export: `${RUNTIME} loads a script with a top-level handler; remove the export`,
  import: `${RUNTIME} only has import x from 'cloudfront' and import x from 'crypto' (one default binding); inline other code at build time`,
  'dynamic import': `import() is not supported by ${RUNTIME}; use a static import of cloudfront or crypto`,
  'import.meta': `import.meta is not supported by ${RUNTIME}; inject the value at build time`,
  'new.target': `new.target is not supported by ${RUNTIME}`,
  'async closure as argument': `${RUNTIME} supports async/await but not async closures as arguments; declare a named async function or await in a loop`,
  'tagged template': `tagged templates are not supported by ${RUNTIME}; call the function with plain arguments`,
  BigInt: `BigInt is not supported by ${RUNTIME}; use Number (exact up to 2 ** 53)`,
  'optional catch binding': `${RUNTIME} requires a catch parameter; write catch (error)`,
  'shorthand property': `shorthand properties are not supported by ${RUNTIME}; write key: value`,
  'method shorthand': `method shorthand is not supported by ${RUNTIME}; write key: function (...) {...}`,
  'computed property': `computed keys are not supported by ${RUNTIME}; create the object, then assign obj[key]`,
  'top-level await': `${RUNTIME} supports await only inside an async function; move it into the handler`,
  'regular expression flag d': `the d (indices) flag is not supported by ${RUNTIME}; work from match.index`,
  'regular expression flag v': `the v (unicode sets) flag is not supported by ${RUNTIME}; spell the class out`,
} as const;
type SyntaxFeature = keyof typeof SYNTAX;

/** Globals the runtime provides (EDGE-RUNTIME.md, "Language": ES5.1 plus the listed objects). */
const GLOBALS: ReadonlySet<string> = new Set([
  ...['Object', 'Array', 'String', 'Number', 'Boolean', 'Math', 'JSON', 'Date', 'RegExp'],
  ...['Error', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'],
  ...['Promise', 'parseInt', 'parseFloat', 'isNaN', 'isFinite', 'escape', 'unescape'],
  ...['encodeURI', 'encodeURIComponent', 'decodeURI', 'decodeURIComponent'],
  ...['undefined', 'NaN', 'Infinity', 'console', 'TextEncoder', 'TextDecoder', 'atob', 'btoa'],
  ...['ArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array'],
  ...['Uint16Array', 'Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array'],
]);

/** What to use instead of globals people commonly reach for; the rest get a generic hint. */
const GLOBAL_ADVICE: ReadonlyMap<string, string> = new Map([
  ['Map', 'use a plain object as the map'],
  ['Set', 'use a plain object with true values'],
  ['WeakMap', 'use a plain object'],
  ['Symbol', 'use string keys'],
  ['require', "the only modules are import cf from 'cloudfront' and import crypto from 'crypto'"],
  ['process', 'there are no environment variables; inject values at build time'],
  ['Buffer', 'use TextEncoder/TextDecoder, typed arrays and atob/btoa'],
  ['setTimeout', 'there are no timers'],
  ['setInterval', 'there are no timers'],
  ['eval', 'code generation is off'],
  ['Function', 'code generation is off'],
  ['fetch', 'the function has no network access'],
  ['URL', 'request.uri and request.querystring are already split; use them'],
  ['URLSearchParams', 'request.querystring is already parsed; use it'],
  ['globalThis', 'name the documented globals directly'],
]);

/**
 * Statics of documented globals that are later than ES5.1 and not on the list. Only statics can be
 * checked: `x.includes(...)` could be any object, `Array.from` is unambiguous.
 */
const MISSING_STATICS: ReadonlyMap<string, string> = new Map([
  ['Array.from', 'copy in a loop or with Array.prototype.slice.call'],
  ['Array.of', 'use an array literal'],
  ['Object.fromEntries', 'build the object in a loop'],
  ['Object.hasOwn', 'use Object.prototype.hasOwnProperty.call'],
  ['Object.groupBy', 'group in a loop'],
  ['Promise.allSettled', 'use Promise.all with a catch on each promise'],
  ['Promise.any', 'use Promise.all or chain the promises'],
  ['String.raw', 'escape the backslashes in a plain string'],
]);

/** The modules the runtime can import, each as one default binding (EDGE-RUNTIME.md, "Modules"). */
const MODULES: ReadonlySet<string> = new Set(['cloudfront', 'crypto']);

/** Checks one function file; an empty array means cloudfront-js-2.0 will accept it. */
export function checkFunctionSource(source: string): GateFinding[] {
  const findings: GateFinding[] = [];
  const size = sizeFinding(source);
  if (size) findings.push(size);
  let program: Program;
  try {
    // Module goal: the runtime accepts import, and module code is strict like the runtime.
    program = parse(source, { ecmaVersion: 'latest', sourceType: 'module', locations: true });
  } catch (error) {
    findings.push(syntaxErrorFinding(error));
    return sorted(findings);
  }
  findings.push(...syntaxFindings(program), ...globalFindings(program));
  if (!declaresHandler(program)) {
    findings.push({
      line: 1,
      column: 1,
      feature: 'missing handler',
      message: `${RUNTIME} calls a top-level function handler(event) or async function handler(event); declare one`,
    });
  }
  return sorted(findings);
}

/** `file:line:column: feature: message`, the shape editors and CI annotations turn into links. */
export function formatFinding(file: string, f: GateFinding): string {
  return `${file}:${f.line}:${f.column}: ${f.feature}: ${f.message}`;
}

/** Points at the first byte over the quota: everything from there on has to go. */
function sizeFinding(source: string): GateFinding | undefined {
  const bytes = Buffer.byteLength(source);
  if (bytes <= MAX_FUNCTION_BYTES) return undefined;
  let line = 1;
  let column = 1;
  let seen = 0;
  for (const char of source) {
    seen += Buffer.byteLength(char);
    if (seen > MAX_FUNCTION_BYTES) break;
    if (char === '\n') {
      line += 1;
      column = 1;
    } else {
      column += char.length;
    }
  }
  const message = `${bytes} bytes; ${RUNTIME} accepts at most ${MAX_FUNCTION_BYTES} bytes of function code`;
  return { line, column, feature: 'size', message };
}

function syntaxErrorFinding(error: unknown): GateFinding {
  // acorn's SyntaxError carries loc; anything else is a bug in the gate and must surface as one.
  if (!(error instanceof SyntaxError) || !('loc' in error)) throw error;
  const loc = error.loc as Position;
  // acorn appends "(line:column)" to the message; the finding already says where.
  const reason = error.message.replace(/ \(\d+:\d+\)$/, '');
  return {
    line: loc.line,
    column: loc.column + 1,
    feature: 'syntax error',
    message: `${reason}; ${RUNTIME} would refuse the file`,
  };
}

function syntaxFindings(program: Program): GateFinding[] {
  const findings: GateFinding[] = [];
  const report = (node: Node, feature: SyntaxFeature) => {
    findings.push(at(node, feature, SYNTAX[feature]));
  };

  walk.fullAncestor(program, (node, _state, ancestors) => {
    const parent = ancestors.at(-2);
    const isParameterOfParent = isFunction(parent) && parent.params.some((p) => p === node);
    switch (node.type) {
      case 'ObjectPattern':
      case 'ArrayPattern':
        report(node, 'destructuring');
        break;
      case 'SpreadElement':
        report(node, 'spread');
        break;
      // Rest elements and defaults outside a parameter list only occur inside a pattern, which is
      // already reported as destructuring; rest parameters are documented.
      case 'AssignmentPattern':
        if (isParameterOfParent) report(node, 'default parameter');
        break;
      case 'MemberExpression':
        if (node.optional) report(node, 'optional chaining');
        break;
      case 'CallExpression':
      case 'NewExpression':
        if (node.type === 'CallExpression' && node.optional) report(node, 'optional chaining');
        // "async/await (not async closures as arguments)": a named async function is fine.
        for (const argument of node.arguments) {
          if (isFunction(argument) && argument.async) report(argument, 'async closure as argument');
        }
        break;
      case 'LogicalExpression':
        if (node.operator === '??') report(node, 'nullish coalescing');
        break;
      case 'AssignmentExpression':
        if (['??=', '||=', '&&='].includes(node.operator)) report(node, 'logical assignment');
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        report(node, 'class');
        break;
      case 'ForOfStatement':
        report(node, 'for…of');
        break;
      case 'FunctionDeclaration':
      case 'FunctionExpression':
        if (node.generator) report(node, 'generator');
        break;
      case 'ExportNamedDeclaration':
      case 'ExportDefaultDeclaration':
      case 'ExportAllDeclaration':
        report(node, 'export');
        break;
      case 'ImportDeclaration':
        if (!isRuntimeModuleImport(node)) report(node, 'import');
        break;
      case 'ImportExpression':
        report(node, 'dynamic import');
        break;
      case 'MetaProperty':
        report(node, node.meta.name === 'import' ? 'import.meta' : 'new.target');
        break;
      case 'TaggedTemplateExpression':
        report(node, 'tagged template');
        break;
      case 'Literal':
        if (node.bigint !== undefined) report(node, 'BigInt');
        if (node.regex?.flags.includes('d')) report(node, 'regular expression flag d');
        if (node.regex?.flags.includes('v')) report(node, 'regular expression flag v');
        break;
      case 'CatchClause':
        if (!node.param) report(node, 'optional catch binding');
        break;
      case 'Property':
        // The walker only reaches Property inside object literals; patterns are reported above.
        // Getters and setters are ES5 and stay allowed.
        if (node.shorthand) report(node, 'shorthand property');
        if (node.method) report(node, 'method shorthand');
        if (node.computed) report(node, 'computed property');
        break;
      case 'AwaitExpression':
        if (!ancestors.some(isFunction)) report(node, 'top-level await');
        break;
    }
  });
  return findings;
}

/** A lexical scope: a function (or the program) when `hoists`, a block otherwise. */
interface Scope {
  readonly parent: Scope | undefined;
  /** `var` declarations land in the nearest scope that hoists, wherever they are written. */
  readonly hoists: boolean;
  readonly names: Set<string>;
}

interface Reference {
  readonly node: Identifier;
  readonly scope: Scope;
  /** Assignment target: an undeclared one is a finding even when it names a real global. */
  readonly write: boolean;
}

interface StaticReference {
  readonly node: MemberExpression;
  readonly object: string;
  readonly member: string;
  readonly scope: Scope;
}

/**
 * Free identifiers: the runtime has only the documented globals, so a reference that no
 * declaration in the file resolves must name one of them. Declarations are collected during the
 * walk and references resolved afterwards, which gives hoisting (var, function) for free.
 */
function globalFindings(program: Program): GateFinding[] {
  const references: Reference[] = [];
  const statics: StaticReference[] = [];
  const scopeIn = (parent: Scope | undefined, hoists: boolean): Scope => ({
    parent,
    hoists,
    names: new Set(),
  });
  const hoistingScope = (scope: Scope): Scope =>
    scope.hoists || !scope.parent ? scope : hoistingScope(scope.parent);

  /** Binds the names in a pattern into `target`, or records them as writes when undefined. */
  const pattern = (node: Pattern, scope: Scope, c: Visit, target: Scope | undefined): void => {
    switch (node.type) {
      case 'Identifier':
        if (target) target.names.add(node.name);
        else references.push({ node, scope, write: true });
        return;
      case 'MemberExpression':
        c(node, scope);
        return;
      case 'ObjectPattern':
        for (const property of node.properties) {
          if (property.type === 'RestElement') {
            pattern(property.argument, scope, c, target);
          } else {
            if (property.computed) c(property.key, scope);
            pattern(property.value, scope, c, target);
          }
        }
        return;
      case 'ArrayPattern':
        for (const element of node.elements) if (element) pattern(element, scope, c, target);
        return;
      case 'RestElement':
        pattern(node.argument, scope, c, target);
        return;
      case 'AssignmentPattern':
        pattern(node.left, scope, c, target);
        c(node.right, scope);
        return;
    }
  };

  const block = (node: { body: AnyNode[] }, outer: Scope, c: Visit) => {
    const inner = scopeIn(outer, false);
    for (const statement of node.body) c(statement, inner);
  };
  const forIn = (node: ForInStatement | ForOfStatement, outer: Scope, c: Visit) => {
    const inner = scopeIn(outer, false);
    if (node.left.type === 'VariableDeclaration') c(node.left, inner);
    else pattern(node.left, inner, c, undefined);
    c(node.right, inner);
    c(node.body, inner);
  };

  // acorn-walk's base walker handles every node not listed here; the overrides are the nodes
  // that declare names, open scopes, or hold identifiers that are not plain reads.
  walk.recursive<Scope>(program, scopeIn(undefined, true), {
    Function(node, outer, c) {
      // Strict mode: a function declaration belongs to the block it is written in.
      if (node.type === 'FunctionDeclaration' && node.id) outer.names.add(node.id.name);
      const inner = scopeIn(outer, true);
      if (node.type === 'FunctionExpression' && node.id) inner.names.add(node.id.name);
      // ES5 `arguments` exists in every non-arrow function; arrows see the enclosing one.
      if (node.type !== 'ArrowFunctionExpression') inner.names.add('arguments');
      for (const param of node.params) pattern(param, inner, c, inner);
      if (node.body.type === 'BlockStatement') {
        for (const statement of node.body.body) c(statement, inner);
      } else {
        c(node.body, inner);
      }
    },
    Class(node, outer, c) {
      if (node.type === 'ClassDeclaration' && node.id) outer.names.add(node.id.name);
      const inner = scopeIn(outer, false);
      if (node.id) inner.names.add(node.id.name);
      if (node.superClass) c(node.superClass, inner);
      c(node.body, inner);
    },
    VariableDeclaration(node, scope, c) {
      const target = node.kind === 'var' ? hoistingScope(scope) : scope;
      for (const declarator of node.declarations) {
        pattern(declarator.id, scope, c, target);
        if (declarator.init) c(declarator.init, scope);
      }
    },
    ImportDeclaration(node, scope) {
      for (const specifier of node.specifiers) scope.names.add(specifier.local.name);
    },
    BlockStatement: block,
    CatchClause(node, outer, c) {
      const inner = scopeIn(outer, false);
      if (node.param) pattern(node.param, inner, c, inner);
      for (const statement of node.body.body) c(statement, inner);
    },
    ForStatement(node, outer, c) {
      const inner = scopeIn(outer, false);
      for (const part of [node.init, node.test, node.update, node.body]) if (part) c(part, inner);
    },
    ForInStatement: forIn,
    ForOfStatement: forIn,
    SwitchStatement(node, outer, c) {
      c(node.discriminant, outer);
      const inner = scopeIn(outer, false);
      for (const switchCase of node.cases) c(switchCase, inner);
    },
    AssignmentExpression(node, scope, c) {
      pattern(node.left, scope, c, undefined);
      c(node.right, scope);
    },
    UpdateExpression(node, scope, c) {
      if (node.argument.type === 'Identifier') {
        references.push({ node: node.argument, scope, write: true });
      } else {
        c(node.argument, scope);
      }
    },
    MemberExpression(node, scope, c) {
      c(node.object, scope);
      if (node.computed) c(node.property, scope);
      const member = staticName(node);
      if (node.object.type === 'Identifier' && member !== undefined) {
        const object = node.object.name;
        statics.push({ node, object, member: `${object}.${member}`, scope });
      }
    },
    Identifier(node, scope) {
      references.push({ node, scope, write: false });
    },
  });

  const findings: GateFinding[] = [];
  for (const { node, scope, write } of references) {
    const name = node.name;
    if (isDeclared(scope, name)) continue;
    if (write) {
      // Strict mode throws a ReferenceError; overwriting a documented global is no better.
      const message = `assigns to ${name}, which the function never declares; declare it with let or const`;
      findings.push(at(node, `global ${name}`, message));
    } else if (!GLOBALS.has(name)) {
      const advice = GLOBAL_ADVICE.get(name) ?? 'use a documented global or declare it';
      findings.push(at(node, `global ${name}`, `${name} is not a global of ${RUNTIME}; ${advice}`));
    }
  }
  for (const { node, object, member, scope } of statics) {
    const advice = MISSING_STATICS.get(member);
    // A local that shadows the global (var Array = ...) is the file's own business.
    if (advice === undefined || isDeclared(scope, object)) continue;
    findings.push(at(node, member, `${member} is not supported by ${RUNTIME}; ${advice}`));
  }
  return findings;
}

type Visit = walk.WalkerCallback<Scope>;

function isDeclared(scope: Scope | undefined, name: string): boolean {
  return scope !== undefined && (scope.names.has(name) || isDeclared(scope.parent, name));
}

/** `Array.from` and `Array['from']` name the same static; `Array[key]` names none. */
function staticName(node: MemberExpression): string | undefined {
  if (!node.computed && node.property.type === 'Identifier') return node.property.name;
  if (node.property.type === 'Literal' && typeof node.property.value === 'string') {
    return node.property.value;
  }
  return undefined;
}

/** The runtime calls a top-level handler declaration; an exported one is reported as `export`. */
function declaresHandler(program: Program): boolean {
  return program.body.some((statement) => {
    const declaration =
      statement.type === 'ExportNamedDeclaration' ? statement.declaration : statement;
    return declaration?.type === 'FunctionDeclaration' && declaration.id.name === 'handler';
  });
}

/** Exactly `import name from 'cloudfront'` or `'crypto'`: one default binding, no attributes. */
function isRuntimeModuleImport(node: ImportDeclaration): boolean {
  const only = node.specifiers.length === 1 ? node.specifiers[0] : undefined;
  return (
    only?.type === 'ImportDefaultSpecifier' &&
    typeof node.source.value === 'string' &&
    MODULES.has(node.source.value) &&
    node.attributes.length === 0
  );
}

function isFunction(node: AnyNode | undefined): node is FunctionNode & AnyNode {
  return (
    node?.type === 'FunctionDeclaration' ||
    node?.type === 'FunctionExpression' ||
    node?.type === 'ArrowFunctionExpression'
  );
}

function at(node: Node, feature: string, message: string): GateFinding {
  // Always present because parse() runs with locations: true; the fallback satisfies the type.
  const start = node.loc?.start ?? { line: 1, column: 0 };
  return { line: start.line, column: start.column + 1, feature, message };
}

function sorted(findings: GateFinding[]): GateFinding[] {
  return findings.sort((a, b) => a.line - b.line || a.column - b.column);
}
