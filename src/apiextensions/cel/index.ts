// x-kubernetes-validations: CEL rules of a CRD version's schema, compiled once per version and
// evaluated per object, as upstream's
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/cel/{compilation.go,validation.go}
// and the CRD validation's rule checks
// (staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go).
//
// Cost: cel-go tracks an actual cost per call (PerCallLimit 1,000,000) and per object
// (RuntimeCELCostBudget 10,000,000), and the CRD validation refuses rules whose *estimated* cost
// is too high (StaticEstimatedCostLimit). cel-js has no cost tracking, so the static estimate is
// skipped; rules run metered (./cost.ts: evaluation steps), and a rule that loops over too much
// stops with upstream's "actual cost limit exceeded" error instead of running away.
import { Environment, Optional } from '@marcbachmann/cel-js';
import type { Cause } from '../../resources/types.js';
import { jsonEqual } from '../../util/equal.js';
import { goQuote } from '../../util/goquote.js';
import { compileErrorString, runtimeErrorString } from './errors.js';
import { CostLimitError, meterEvaluations, withCostLimit } from './cost.js';
import { HAS_MACRO, registerLibrary, rewriteHas } from './library.js';
import { celTypeString, objectEqual, schemaDecl, toCel, type Decl, type TypeSink } from './model.js';

export type { Cause };

// staging/src/k8s.io/apiserver/pkg/apis/cel/config.go
export const PER_CALL_LIMIT = 1_000_000;
export const RUNTIME_COST_BUDGET = 10_000_000;
const MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;

interface Rule {
  rule?: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

type Program = ((ctx: Record<string, unknown>) => unknown) & { ast: any };

interface CompiledRule {
  rule: Rule;
  program?: Program;
  /** compile error detail (e.g. `compilation failed: ERROR: ...`) */
  error?: string;
  messageProgram?: Program;
  /** messageExpression compile error detail */
  messageError?: string;
  usesOldSelf: boolean;
  /** AST node count x comprehension depth, for the runtime estimate */
  nodes: number;
  depth: number;
  normalizedFieldPath?: string;
}

/** One schema node that has rules at it or below (upstream's Validator). */
interface VNode {
  schema: any;
  type: string;
  decl?: Decl;
  rules: CompiledRule[];
  compileError?: string;
  properties?: Map<string, VNode>;
  /** JSON property name -> CEL field name, for the children's values */
  fieldNames?: Map<string, string>;
  additionalProperties?: VNode;
  items?: VNode;
  allOf?: VNode[];
}

export interface CELValidator {
  root: VNode;
}

function hasRules(s: any): boolean {
  if (!s || typeof s !== 'object') return false;
  if (Array.isArray(s['x-kubernetes-validations']) && s['x-kubernetes-validations'].length > 0) return true;
  if (s.items && typeof s.items === 'object' && hasRules(s.items)) return true;
  if (s.additionalProperties && typeof s.additionalProperties === 'object' && hasRules(s.additionalProperties)) return true;
  if (s.properties && typeof s.properties === 'object') for (const k of Object.keys(s.properties)) if (hasRules(s.properties[k])) return true;
  if (Array.isArray(s.allOf)) for (const a of s.allOf) if (hasRules(a)) return true;
  return false;
}

// --- rendering of upstream's field errors ------------------------------------------------------

function goPtr(set: boolean, type: string): string {
  return set ? `(*${type})(0xc000a1e0f0)` : `(*${type})(nil)`;
}

/** `%#v` of an apiextensions.ValidationRule (how field.Invalid prints a struct value). */
export function formatRule(r: Rule): string {
  return (
    `apiextensions.ValidationRule{Rule:${goQuote(r.rule ?? '')}, Message:${goQuote(r.message ?? '')}, ` +
    `MessageExpression:${goQuote(r.messageExpression ?? '')}, Reason:${goPtr(r.reason !== undefined && r.reason !== null, 'apiextensions.FieldValueErrorReason')}, ` +
    `FieldPath:${goQuote(r.fieldPath ?? '')}, OptionalOldSelf:${goPtr(r.optionalOldSelf !== undefined && r.optionalOldSelf !== null, 'bool')}}`
  );
}

function invalidCause(field: string, rendered: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}${detail ? ': ' + detail : ''}`, field };
}

function child(path: string, name: string): string {
  return path ? `${path}.${name}` : name;
}

// --- compilation ---------------------------------------------------------------------------------

const COMPREHENSIONS = new Set(['all', 'exists', 'exists_one', 'existsOne', 'map', 'filter', 'transformList', 'transformMap']);

function walkAst(node: any, visit: (n: any, depth: number) => void, depth = 0): void {
  if (!node || typeof node !== 'object') return;
  visit(node, depth);
  const args = node.args;
  const d = node.op === 'rcall' && COMPREHENSIONS.has(args?.[0]) ? depth + 1 : depth;
  if (Array.isArray(args)) {
    for (const a of args) {
      if (Array.isArray(a)) for (const x of a) walkAst(x, visit, d);
      else walkAst(a, visit, d);
    }
  } else if (args && typeof args === 'object' && 'op' in args) walkAst(args, visit, d);
}

function astStats(ast: any): { nodes: number; depth: number; usesOldSelf: boolean } {
  let nodes = 0;
  let depth = 0;
  let usesOldSelf = false;
  walkAst(ast, (n, d) => {
    nodes++;
    if (d > depth) depth = d;
    if (n.op === 'id' && n.args === 'oldSelf') usesOldSelf = true;
  });
  return { nodes, depth, usesOldSelf };
}

/** ValidFieldPath (validation.go): `.a.b`, `.a['k.x']`, against the schema; the normalized path or undefined. */
export function validFieldPath(jsonPath: string, schema: any): string | undefined {
  let out = '';
  let s = schema;
  let i = 0;
  const step = (name: string): boolean => {
    if (s?.properties && typeof s.properties === 'object') {
      if (!Object.prototype.hasOwnProperty.call(s.properties, name)) return false;
      out = out ? `${out}.${name}` : name;
      s = s.properties[name];
      return true;
    }
    if (s?.additionalProperties && typeof s.additionalProperties === 'object') {
      out = `${out}[${name}]`;
      s = s.additionalProperties;
      return true;
    }
    return false;
  };
  while (i < jsonPath.length) {
    const c = jsonPath[i];
    if (c === '.') {
      let j = i + 1;
      while (j < jsonPath.length && !'.[]'.includes(jsonPath[j])) j++;
      if (j === i + 1 || !step(jsonPath.slice(i + 1, j))) return undefined;
      i = j;
    } else if (c === '[') {
      if (jsonPath[i + 1] !== "'") return undefined;
      let j = i + 2;
      let name = '';
      while (j < jsonPath.length && jsonPath[j] !== "'") {
        if (jsonPath[j] === '\\') {
          const e = jsonPath[j + 1];
          const map: Record<string, string> = { a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', "'": "'", '\\': '\\' };
          if (!(e in map)) return undefined;
          name += map[e];
          j += 2;
        } else name += jsonPath[j++];
      }
      if (jsonPath[j] !== "'" || jsonPath[j + 1] !== ']') return undefined;
      if (!step(name)) return undefined;
      i = j + 2;
    } else return undefined;
  }
  return out;
}

interface CompileCtx {
  base: Environment;
  errors: Cause[];
  /** declared function names (calls to others are undeclared references) */
  known: Set<string>;
  /** the fields of each object type, by type name */
  objectFields: Map<string, Set<string>>;
}

const MACROS = ['has', 'all', 'exists', 'exists_one', 'map', 'filter', 'bind', 'transformList', 'transformMap', 'transformMapEntry'];

interface Envs {
  plain: Environment;
  optional: Environment;
  /** the same without homogeneous literals, for format()'s argument list (made when needed) */
  loose(optional: boolean): Environment;
}

function makeEnvs(ctx: CompileCtx, decl: Decl): Envs {
  const t = celTypeString(decl);
  const make = (homogeneous: boolean, optional: boolean) => {
    const env = ctx.base
      .clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: homogeneous })
      .registerVariable('self', t)
      .registerVariable('oldSelf', optional ? `optional<${t}>` : t);
    meterEvaluations(env);
    return env;
  };
  const loose: Environment[] = [];
  return {
    plain: make(true, false),
    optional: make(true, true),
    loose: (optional) => (loose[optional ? 1 : 0] ??= make(false, optional)),
  };
}

function elementTypesDiffer(nodes: any[]): boolean {
  let first: string | undefined;
  for (const n of nodes) {
    const t = n?.checkedType?.name;
    if (typeof t !== 'string' || t === 'dyn' || t.startsWith('dyn<')) continue;
    if (first === undefined) first = t;
    else if (t !== first) return true;
  }
  return false;
}

/**
 * Whether every mixed-type list or map literal is an argument list of format(): cel-go's
 * homogeneous-literal validator exempts those (cel/validator.go, ext/strings.go).
 */
function mixedLiteralsOnlyInFormat(ast: any): boolean {
  const exempt = new Set<any>();
  let ok = true;
  walkAst(ast, (n) => {
    if (n.op === 'rcall' && n.args?.[0] === 'format' && Array.isArray(n.args[2])) for (const a of n.args[2]) exempt.add(a);
  });
  walkAst(ast, (n) => {
    if (!ok || exempt.has(n)) return;
    if (n.op === 'list' && Array.isArray(n.args) && elementTypesDiffer(n.args)) ok = false;
    if (n.op === 'map' && Array.isArray(n.args) && (elementTypesDiffer(n.args.map((e: any) => e?.[0])) || elementTypesDiffer(n.args.map((e: any) => e?.[1])))) ok = false;
  });
  return ok;
}

/** Parse and type-check one expression; the error is cel-go's issues text. */
function checkExpression(src: string, envs: Envs, optional: boolean, known: Set<string>): { program?: Program; type?: string; error?: string } {
  const attempt = (env: Environment, text = src): { program?: Program; type?: string; err?: any } => {
    let program: Program;
    try {
      program = env.parse(text) as unknown as Program;
    } catch (e) {
      return { err: e };
    }
    const checked = (program as any).check();
    if (!checked.valid) return { err: checked.error };
    return { program, type: checked.type };
  };
  let first = attempt(optional ? envs.optional : envs.plain);
  if (first.err && /^has\(\) invalid argument/.test(String(first.err.summary ?? first.err.message))) {
    const again = attempt(optional ? envs.optional : envs.plain, rewriteHas(src));
    if (!again.err) return again;
    // the renamed macro's own errors, in has()'s words
    if (!/^has\(\) invalid argument/.test(String(again.err.summary ?? ''))) first = again;
  }
  if (first.err && /must have the same type/.test(String(first.err.summary ?? first.err.message)) && /\.format\s*\(/.test(src)) {
    const second = attempt(envs.loose(optional));
    if (second.program && mixedLiteralsOnlyInFormat(second.program.ast)) return second;
  }
  if (first.err) return { error: compileErrorString(src, first.err, known) };
  return first;
}

/** cel-js does not type-check has()'s selection; cel-go refuses an undefined field there too. */
function checkHasFields(src: string, ast: any, objectFields: Map<string, Set<string>>): string | undefined {
  let err: string | undefined;
  walkAst(ast, (n) => {
    if (err || n.op !== 'call' || (n.args?.[0] !== 'has' && n.args?.[0] !== HAS_MACRO)) return;
    const sel = n.args[1]?.[0];
    if (sel?.op !== '.') return;
    const t = sel.args?.[0]?.checkedType?.name;
    const fields = typeof t === 'string' ? objectFields.get(t) : undefined;
    if (fields && !fields.has(sel.args[1])) err = compileErrorString(src, { name: 'TypeError', summary: `No such key: ${sel.args[1]}`, node: sel, range: sel.range });
  });
  return err;
}

function compileRule(rule: Rule, envs: Envs, schema: any, known: Set<string>, objectFields: Map<string, Set<string>>): CompiledRule {
  const out: CompiledRule = { rule, usesOldSelf: false, nodes: 0, depth: 0 };
  const src = typeof rule.rule === 'string' ? rule.rule : '';
  if (src.trim() === '') return out;
  const optional = rule.optionalOldSelf === true;
  const c = checkExpression(src, envs, optional, known);
  if (c.error !== undefined || !c.program) {
    out.error = 'compilation failed: ' + c.error;
    return out;
  }
  const program = c.program;
  const hasErr = checkHasFields(src, program.ast, objectFields);
  if (hasErr) {
    out.error = 'compilation failed: ' + hasErr;
    return out;
  }
  if (c.type !== 'bool') {
    out.error = 'cel expression must evaluate to a bool';
    return out;
  }
  Object.assign(out, astStats(program.ast));
  out.program = program;
  if (typeof rule.messageExpression === 'string' && rule.messageExpression !== '') {
    const msrc = rule.messageExpression;
    const m = checkExpression(msrc, envs, optional, known);
    if (m.error !== undefined || !m.program) out.messageError = 'messageExpression compilation failed: ' + m.error;
    else if (m.type !== 'string') out.messageError = 'messageExpression must evaluate to a string';
    else out.messageProgram = m.program;
  }
  if (typeof rule.fieldPath === 'string' && rule.fieldPath !== '') {
    out.normalizedFieldPath = validFieldPath(rule.fieldPath, schema);
  }
  return out;
}

/**
 * Build the validator node for `vs` (the schema whose rules apply: the node itself or an allOf
 * entry) over `ns` (the node's own schema, which gives the types). `path` is where CRD validation
 * reports this node's rules; `report` is false inside allOf (upstream does not compile those at
 * CRD validation; a broken one shows up when objects are validated). `uncorrelatable` is the path of
 * the first ancestor whose old values cannot be correlated (forbidOldSelfValidations).
 */
function build(
  ctx: CompileCtx,
  vs: any,
  ns: any,
  decl: Decl | undefined,
  path: string,
  report: boolean,
  uncorrelatable: string | undefined,
): VNode | undefined {
  if (!hasRules(vs)) return undefined;
  const node: VNode = { schema: ns, type: typeof ns?.type === 'string' ? ns.type : '', decl, rules: [] };
  const rules: Rule[] = Array.isArray(vs['x-kubernetes-validations']) ? vs['x-kubernetes-validations'] : [];
  if (rules.length > 0) {
    if (!decl) {
      node.compileError = 'failed to convert to declType for CEL validation rules';
      // CRD validation's defaultConverter (apis/apiextensions/validation/cel_validation.go)
      if (report)
        ctx.errors.push({
          reason: 'InternalError',
          message: 'Internal error: internal error: failed to construct type information for x-kubernetes-validations rules: unable to convert structural schema to CEL declarations',
          field: child(path, 'x-kubernetes-validations'),
        });
    } else {
      const envs = makeEnvs(ctx, decl);
      rules.forEach((r0, i) => {
        const r: Rule = r0 && typeof r0 === 'object' ? r0 : {};
        const cr = compileRule(r, envs, ns, ctx.known, ctx.objectFields);
        node.rules.push(cr);
        if (!report) return;
        const rp = child(path, `x-kubernetes-validations[${i}]`);
        if (cr.error) ctx.errors.push(invalidCause(`${rp}.rule`, formatRule(r), cr.error));
        const me = cr.messageError;
        if (me) ctx.errors.push(invalidCause(`${rp}.messageExpression`, formatRule(r), me));
        if (cr.program) {
          if (cr.usesOldSelf) {
            if (uncorrelatable !== undefined)
              ctx.errors.push(
                invalidCause(`${rp}.rule`, goQuote(r.rule ?? ''), `oldSelf cannot be used on the uncorrelatable portion of the schema within ${uncorrelatable}`),
              );
          } else if (r.optionalOldSelf !== undefined && r.optionalOldSelf !== null) {
            ctx.errors.push(invalidCause(`${rp}.optionalOldSelf`, String(r.optionalOldSelf), 'may not be set if oldSelf is not used in rule'));
          }
        }
      });
    }
  }
  const elemDecl = decl && (decl.kind === 'list' || decl.kind === 'map') ? decl.elem : undefined;
  if (vs.items && typeof vs.items === 'object' && ns?.items && typeof ns.items === 'object') {
    const listMap = ns['x-kubernetes-list-type'] === 'map';
    node.items = build(ctx, vs.items, ns.items, elemDecl, child(path, 'items'), report, uncorrelatable ?? (listMap ? undefined : path));
  }
  if (vs.properties && typeof vs.properties === 'object') {
    const mapType = ns?.['x-kubernetes-map-type'];
    const correlatable = mapType === undefined || mapType === 'granular' || mapType === 'atomic';
    for (const k of Object.keys(vs.properties)) {
      const np = propSchema(ns, k);
      if (!np) continue;
      let fd: Decl | undefined;
      if (decl?.kind === 'object') fd = decl.fields.find((f) => f.json === k)?.type;
      const sub = build(ctx, vs.properties[k], np, fd, child(path, `properties[${k}]`), report, uncorrelatable ?? (correlatable ? undefined : path));
      if (sub) {
        (node.properties ??= new Map()).set(k, sub);
        const cel = decl?.kind === 'object' ? decl.fields.find((f) => f.json === k)?.cel : undefined;
        if (cel !== undefined) (node.fieldNames ??= new Map()).set(k, cel);
      }
    }
  }
  if (vs.additionalProperties && typeof vs.additionalProperties === 'object' && ns?.additionalProperties && typeof ns.additionalProperties === 'object') {
    node.additionalProperties = build(ctx, vs.additionalProperties, ns.additionalProperties, elemDecl, child(path, 'additionalProperties'), report, uncorrelatable);
  }
  if (Array.isArray(vs.allOf)) {
    vs.allOf.forEach((a: any) => {
      const sub = build(ctx, a, ns, decl, path, false, uncorrelatable);
      if (sub) (node.allOf ??= []).push(sub);
    });
  }
  return node;
}

// The library is registered once; each compilation extends a clone of it with its schema's types.
let library: Environment | undefined;
let knownFunctions: Set<string> | undefined;
export function libraryEnv(): Environment {
  if (!library) {
    const env = new Environment({ enableOptionalTypes: true, homogeneousAggregateLiterals: true });
    registerLibrary(env);
    knownFunctions = new Set<string>(MACROS);
    for (const f of env.getDefinitions().functions) knownFunctions.add(f.name);
    library = env;
  }
  return library;
}

/**
 * Compile every x-kubernetes-validations rule of a version's openAPIV3Schema. `fldPath` is where
 * the schema sits in the CRD (e.g. `spec.versions[0].schema.openAPIV3Schema`); errors are the
 * CEL part of the CRD's validation. `validator` is undefined when the schema has no rules.
 */
export function compileValidations(schema: any, fldPath: string): { errors: Cause[]; validator?: CELValidator } {
  try {
    return compileAll(schema, fldPath);
  } catch (e) {
    // e.g. a schema nested deeper than the call stack: refused, never a crash
    return {
      errors: [{ reason: 'InternalError', field: child(fldPath, 'x-kubernetes-validations'), message: `Internal error: ${(e as Error)?.message ?? String(e)}` }],
    };
  }
}

function compileAll(schema: any, fldPath: string): { errors: Cause[]; validator?: CELValidator } {
  if (!hasRules(schema)) return { errors: [] };
  const base = libraryEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: true });
  const used = new Set<string>();
  const objectFields = new Map<string, Set<string>>();
  const seq = Math.floor(performance.now() * 1000) % 1_000_000_000;
  const sink: TypeSink = {
    uniqueName(name: string): string {
      let n = name.replace(/[^\w.]/g, '_');
      for (let i = 2; used.has(n); i++) n = `${name}_${i}`;
      used.add(n);
      return n;
    },
    register(d): void {
      const fields: Record<string, string> = {};
      for (const f of d.fields) fields[f.cel] = celTypeString(f.type);
      base.registerType(d.name, { ctor: d.ctor, fields } as any);
      base.registerOperator(`${d.name} == ${d.name}`, objectEqual);
      objectFields.set(d.name, new Set(d.fields.map((f) => f.cel)));
    },
  };
  // generateUniqueSelfTypeName (compilation.go): a name rules cannot depend on.
  const decl = schemaDecl(schema, true, `selfType${seq}`, sink);
  const ctx: CompileCtx = { base, errors: [], known: knownFunctions!, objectFields };
  const root = build(ctx, schema, schema, decl, fldPath, true, undefined);
  return { errors: ctx.errors, validator: root ? { root } : undefined };
}

// --- validation ------------------------------------------------------------------------------------

interface RunState {
  budget: number;
  errors: Cause[];
  /** errors of rules whose value did not change on update (ratcheting): warnings upstream */
  warnings: string[];
  stopped: boolean;
}

/**
 * Ratcheting (validation.go ratchetingOptions, apiserver/pkg/cel/common/equality.go): on update, a
 * failing rule that does not use oldSelf is only a warning when the value it checks is unchanged:
 * the node's own value when it correlates with an old one, else the nearest correlatable ancestor's.
 */
interface Ratchet {
  /** whether errors at this node are ratcheted (lazy: only asked when a rule fails) */
  unchanged(): boolean;
}
const NO_RATCHET: Ratchet = { unchanged: () => false };

function ruleErrorString(r: Rule): string {
  const m = typeof r.message === 'string' ? r.message.trim() : '';
  return m || (r.rule ?? '').trim();
}

function fieldErrorForReason(field: string, type: string, detail: string, reason: string | undefined): Cause {
  switch (reason) {
    case 'FieldValueForbidden':
      return { reason, message: `Forbidden${detail ? ': ' + detail : ''}`, field };
    case 'FieldValueRequired':
      return { reason, message: `Required value${detail ? ': ' + detail : ''}`, field };
    case 'FieldValueDuplicate':
      return { reason, message: `Duplicate value: ${goQuote(type)}`, field };
    default:
      return invalidCause(field, goQuote(type), detail);
  }
}

/** Lazily made CEL values of one node (new and old). */
interface Vals {
  raw: unknown;
  cel?: unknown;
  count?: number;
}

function celOf(v: Vals, decl: Decl): unknown {
  if (v.cel === undefined) v.cel = toCel(v.raw, decl, { n: 0 });
  return v.cel;
}


function evalMessage(cr: CompiledRule, act: Record<string, unknown>): string | undefined {
  let res: unknown;
  try {
    res = cr.messageProgram!(act);
  } catch {
    return undefined;
  }
  if (typeof res !== 'string') return undefined;
  const t = res.trim();
  if (t.length === 0 || Buffer.byteLength(t) > MAX_MESSAGE_EXPRESSION_BYTES || /\n/.test(t)) return undefined;
  return t;
}

const optionalOf = (v: unknown) => Optional.of(v);
const optionalNone = () => Optional.none();

function runRules(node: VNode, path: string, cur: Vals, old: Vals | undefined, st: RunState, ratchet: Ratchet): void {
  // a nil field.Path prints as <nil>: errors of rules at the object's root
  const at = path === '' ? '<nil>' : path;
  if (node.compileError) {
    st.errors.push(invalidCause(at, goQuote(node.type), `rule compiler initialization error: ${node.compileError}`));
    return;
  }
  if (node.rules.length === 0 || !node.decl) return;
  if (st.budget <= 0) {
    st.errors.push(invalidCause(at, goQuote(node.type), 'validation failed due to running out of cost budget, no further validation rules will be run'));
    st.stopped = true;
    return;
  }
  let act: Record<string, unknown> | undefined;
  let optAct: Record<string, unknown> | undefined;
  for (const cr of node.rules) {
    const r = cr.rule;
    if (cr.error) {
      st.errors.push(invalidCause(at, goQuote(node.type), `rule compile error: ${cr.error}`));
      continue;
    }
    if (!cr.program) continue;
    const optional = r.optionalOldSelf === true;
    // transition rules run only where an old value correlates (or with optionalOldSelf)
    if (cr.usesOldSelf && old === undefined && !optional) continue;
    if (!act) {
      act = { self: celOf(cur, node.decl) };
      if (old !== undefined) act.oldSelf = celOf(old, node.decl);
    }
    let a = act;
    if (optional) {
      optAct ??= { self: act.self, oldSelf: old !== undefined ? optionalOf(act.oldSelf) : optionalNone() };
      a = optAct;
    }
    // the rule runs under the per-call limit; its actual cost comes off the object's budget
    let result: unknown;
    let cost: number;
    try {
      ({ value: result, cost } = withCostLimit(PER_CALL_LIMIT, () => cr.program!(a)));
    } catch (e) {
      if (e instanceof CostLimitError) {
        st.errors.push(
          invalidCause(path, goQuote(node.type), `'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: ${ruleErrorString(r)}`),
        );
        st.stopped = true;
        return;
      }
      const text = runtimeErrorString(e);
      if (text === 'no such overload')
        st.errors.push(invalidCause(at, goQuote(node.type), `'no such overload': call arguments did not match a supported operator, function or macro signature for rule: ${ruleErrorString(r)}`));
      else st.errors.push(invalidCause(at, goQuote(node.type), `${text} evaluating rule: ${ruleErrorString(r)}`));
      continue;
    }
    st.budget -= cost;
    if (st.budget < 0) {
      st.errors.push(invalidCause(at, goQuote(node.type), 'validation failed due to running out of cost budget, no further validation rules will be run'));
      st.stopped = true;
      return;
    }
    if (result === true) continue;
    const fp = cr.normalizedFieldPath ? child(path, cr.normalizedFieldPath) : at;
    let detail: string | undefined;
    if (cr.messageProgram) detail = evalMessage(cr, a);
    if (detail === undefined) detail = typeof r.message === 'string' && r.message.length > 0 ? r.message.trim() : `failed rule: ${ruleErrorString(r)}`;
    const cause = fieldErrorForReason(fp, node.type, detail, r.reason);
    if (!cr.usesOldSelf && ratchet.unchanged()) st.warnings.push(`${cause.field}: ${cause.message}`);
    else st.errors.push(cause);
  }
}

function mapListKey(item: unknown, keys: string[]): string | undefined {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return undefined;
  return JSON.stringify(keys.map((k) => (item as any)[k] ?? null));
}

function oldMapListIndex(schema: any, oldArr: unknown[] | undefined): ((item: unknown) => number | undefined) | undefined {
  const keys = schema?.['x-kubernetes-list-map-keys'];
  if (!oldArr || schema?.['x-kubernetes-list-type'] !== 'map' || !Array.isArray(keys)) return undefined;
  let byKey: Map<string, number> | undefined;
  return (item) => {
    if (!byKey) {
      byKey = new Map();
      oldArr.forEach((o, i) => {
        const k = mapListKey(o, keys);
        if (k !== undefined && !byKey!.has(k)) byKey!.set(k, i);
      });
    }
    const k = mapListKey(item, keys);
    return k === undefined ? undefined : byKey.get(k);
  };
}

function propSchema(schema: any, k: string): any {
  const p = schema?.properties;
  return p && typeof p === 'object' && Object.prototype.hasOwnProperty.call(p, k) ? p[k] : undefined;
}

/** CorrelatedObject.CachedDeepEqual: equality where map-type lists compare item by key. */
export function correlatedEqual(a: unknown, b: unknown, schema: any): boolean {
  if (a === b) return true;
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    const find = oldMapListIndex(schema, b);
    if (!find) return jsonEqual(a, b);
    for (const item of a) {
      const oi = find(item);
      if (oi === undefined || !correlatedEqual(item, b[oi], schema?.items)) return false;
    }
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object);
    if (ka.length !== Object.keys(b as object).length) return false;
    for (const k of ka) {
      if (!Object.prototype.hasOwnProperty.call(b, k)) return false;
      const sub = propSchema(schema, k) ?? (schema?.additionalProperties && typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
      if (!sub) return false;
      if (!correlatedEqual((a as any)[k], (b as any)[k], sub)) return false;
    }
    return true;
  }
  return jsonEqual(a, b);
}

/** The ratchet of a node whose value correlates with an old one (cached). */
class OwnRatchet implements Ratchet {
  #res: boolean | undefined;
  constructor(
    private readonly cur: unknown,
    private readonly old: unknown,
    private readonly schema: any,
  ) {}
  unchanged(): boolean {
    return (this.#res ??= correlatedEqual(this.cur, this.old, this.schema));
  }
}

function ownValue(o: Record<string, unknown> | undefined, k: string): unknown {
  return o && Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined;
}

function celField(c: unknown, name: string | undefined): unknown {
  return name !== undefined && c instanceof Map ? c.get(name) : undefined;
}

// (no closures below: this runs for every object written)
function walk(node: VNode, path: string, cur: Vals, old: Vals | undefined, st: RunState, ratchet: Ratchet, parentRatchet: Ratchet, updating: boolean): void {
  if (cur.raw === null || cur.raw === undefined || st.stopped) return;
  runRules(node, path, cur, old, st, ratchet);
  if (st.stopped) return;
  if (node.allOf) {
    // allOf errors are not ratcheted by their own value, only by the nearest correlatable parent's
    const allOfRatchet = old !== undefined ? parentRatchet : ratchet;
    for (const a of node.allOf) {
      walk(a, path, cur, old, st, allOfRatchet, parentRatchet, updating);
      if (st.stopped) return;
    }
  }
  const raw = cur.raw;
  const celObj = cur.cel;
  const oldCel = old?.cel;
  // an uncorrelated child keeps the nearest correlatable ancestor's ratchet
  const inherited = !updating ? NO_RATCHET : old !== undefined ? new OwnRatchet(raw, old.raw, node.schema) : ratchet;
  if (Array.isArray(raw)) {
    if (!node.items) return;
    const oldArr = Array.isArray(old?.raw) ? (old!.raw as unknown[]) : undefined;
    const find = oldMapListIndex(node.schema, oldArr);
    for (let i = 0; i < raw.length; i++) {
      let ov: Vals | undefined;
      if (find) {
        const oi = find(raw[i]);
        if (oi !== undefined && oldArr![oi] !== null && oldArr![oi] !== undefined) ov = { raw: oldArr![oi], cel: Array.isArray(oldCel) ? oldCel[oi] : undefined };
      }
      const rt = !updating ? NO_RATCHET : ov ? new OwnRatchet(raw[i], ov.raw, node.schema?.items) : inherited;
      walk(node.items, `${path}[${i}]`, { raw: raw[i], cel: Array.isArray(celObj) ? celObj[i] : undefined }, ov, st, rt, inherited, updating);
      if (st.stopped) return;
    }
    return;
  }
  if (!raw || typeof raw !== 'object') return;
  const obj = raw as Record<string, unknown>;
  const oldObj = old?.raw && typeof old.raw === 'object' && !Array.isArray(old.raw) ? (old.raw as Record<string, unknown>) : undefined;
  const mapType = node.schema?.['x-kubernetes-map-type'];
  const correlatable = mapType === undefined || mapType === 'granular' || mapType === 'atomic';
  const props = node.properties;
  const fieldNames = node.fieldNames;
  for (const k in obj) {
    if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
    let sub: VNode | undefined;
    let curCel: unknown;
    let oldCelK: unknown;
    let subSchema: any;
    let subPath: string;
    if (node.additionalProperties) {
      sub = node.additionalProperties;
      curCel = celObj instanceof Map ? celObj.get(k) : undefined;
      oldCelK = oldCel instanceof Map ? oldCel.get(k) : undefined;
      subSchema = node.schema?.additionalProperties;
      subPath = `${path}[${k}]`;
    } else {
      sub = props?.get(k);
      if (!sub) continue;
      const name = fieldNames?.get(k);
      curCel = celField(celObj, name);
      oldCelK = celField(oldCel, name);
      subSchema = propSchema(node.schema, k);
      subPath = child(path, k);
    }
    const ok = correlatable ? ownValue(oldObj, k) : undefined;
    const ov: Vals | undefined = ok !== undefined && ok !== null ? { raw: ok, cel: oldCelK } : undefined;
    let rt: Ratchet = NO_RATCHET;
    // apiVersion and kind are not visible to ratcheting (both sides are converted to one version)
    if (updating && !(path === '' && (k === 'apiVersion' || k === 'kind'))) rt = ov ? new OwnRatchet(obj[k], ov.raw, subSchema) : inherited;
    walk(sub, subPath, { raw: obj[k], cel: curCel }, ov, st, rt, inherited, updating);
    if (st.stopped) return;
  }
  // an object with both properties and additionalProperties is not structural; properties win
  if (node.additionalProperties && props) {
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      const sub = props.get(k);
      if (!sub) continue;
      const ok = correlatable ? ownValue(oldObj, k) : undefined;
      const ov: Vals | undefined = ok !== undefined && ok !== null ? { raw: ok } : undefined;
      walk(sub, child(path, k), { raw: obj[k] }, ov, st, updating && ov ? new OwnRatchet(obj[k], ov.raw, propSchema(node.schema, k)) : inherited, inherited, updating);
      if (st.stopped) return;
    }
  }
}

/**
 * hasBlockingErr (registry/customresource/strategy.go): with any of these schema errors the rules
 * are not run, and this cause is added instead.
 */
export function blockingCause(schemaErrors: Cause[]): Cause | undefined {
  const blocking = new Set(['FieldValueNotSupported', 'FieldValueRequired', 'FieldValueTooLong', 'FieldValueTooMany', 'FieldValueTypeInvalid']);
  if (!schemaErrors.some((c) => blocking.has(c.reason))) return undefined;
  return {
    reason: 'FieldValueInvalid',
    field: '<nil>',
    message: 'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
  };
}

/**
 * Evaluate the rules for `obj`. On update (`oldObj` given) transition rules run wherever the old
 * value correlates (same property, map key, or list-type=map item with the same keys), and
 * failures of other rules on values that did not change are ratcheted: they go to `warnings`
 * (upstream returns them as warnings) instead of the causes. Causes carry upstream's field paths
 * from the object's root and its messages.
 */
export function validate(validator: CELValidator | undefined, obj: any, oldObj: any | undefined, warnings?: string[]): Cause[] {
  if (!validator) return [];
  const st: RunState = { budget: RUNTIME_COST_BUDGET, errors: [], warnings: warnings ?? [], stopped: false };
  const updating = oldObj !== undefined && oldObj !== null;
  const root = validator.root;
  const rootRatchet = updating ? new OwnRatchet(obj, oldObj, root.schema) : NO_RATCHET;
  try {
    walk(root, '', { raw: obj }, updating ? { raw: oldObj } : undefined, st, rootRatchet, NO_RATCHET, updating);
  } catch (e) {
    // a bug or an object deeper than the call stack must not take the request down
    st.errors.push({ reason: 'InternalError', field: '<nil>', message: `Internal error: ${(e as Error)?.message ?? String(e)}` });
  }
  return st.errors;
}
