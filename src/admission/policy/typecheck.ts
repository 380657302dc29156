// Type checking of a ValidatingAdmissionPolicy's expressions against the kinds it matches
// (staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/typechecking.go): for each
// GVK its matchConstraints name (no wildcards, at most 10), the validations' expression and
// messageExpression are compiled with `object`/`oldObject` of that kind's schema type, `params`
// of the paramKind's, `request` and `namespaceObject` of their hand-made types and `variables` of
// the variables' types; the compile errors are the warnings (status.typeChecking). Warnings never
// change how the policy is evaluated. Schemas come from the schema model (built-in kinds and CRDs),
// converted to CEL types as apiserver/pkg/cel/common/schemas.go SchemaDeclType does.
import type { Environment } from '@marcbachmann/cel-js';
import { compileErrorString } from '../../apiextensions/cel/errors.js';
import { escapeName } from '../../apiextensions/cel/model.js';
import { rewriteHas } from '../../apiextensions/cel/library.js';
import { getDefinition, type PropSchema } from '../../schema/model.js';
import { baseEnv } from './compile.js';

type KObject = Record<string, any>;

export interface ExpressionWarning {
  fieldRef: string;
  warning: string;
}

/** A served kind: its GVK and schema model definition. */
export interface KindInfo {
  group: string;
  version: string;
  kind: string;
  definition?: string;
}

/** The kind registry as the checker needs it (RESTMapper KindsFor and the schema resolver). */
export interface KindLookup {
  kindsFor(group: string, version: string, resource: string): KindInfo[];
  kindInfo(group: string, version: string, kind: string): KindInfo | undefined;
}

const MAX_TYPES_TO_CHECK = 10;
const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const gvkString = (k: KindInfo) => `${k.group}/${k.version}, Kind=${k.kind}`;

/** typesToCheck: the GVKs of the policy's resource rules (wildcard groups/versions give up on a rule), sorted. */
export function typesToCheck(policy: KObject, lookup: KindLookup): KindInfo[] {
  const rules = policy.spec?.matchConstraints?.resourceRules;
  if (!Array.isArray(rules) || !rules.length) return [];
  const seen = new Map<string, KindInfo>();
  const strs = (v: unknown) => (Array.isArray(v) ? v.map(String) : []);
  for (const rule of rules) {
    if (!isObj(rule)) continue;
    const groups = strs(rule.apiGroups);
    if (!groups.length || groups.some((g) => g.includes('*'))) continue;
    const versions = strs(rule.apiVersions);
    if (!versions.length || versions.some((v) => v.includes('*'))) continue;
    const resources = strs(rule.resources).filter((r) => !/[*/]/.test(r));
    if (!resources.length) continue;
    groups.sort();
    versions.sort();
    resources.sort();
    let count = 0;
    for (const g of groups)
      for (const v of versions)
        for (const r of resources)
          for (const k of lookup.kindsFor(g, v, r)) {
            seen.set(gvkString(k), k);
            if (++count === MAX_TYPES_TO_CHECK) return sortKinds([...seen.values()]);
          }
  }
  return sortKinds([...seen.values()]);
}

function sortKinds(l: KindInfo[]): KindInfo[] {
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return l.sort((a, b) => cmp(a.group, b.group) || cmp(a.version, b.version) || cmp(a.kind, b.kind));
}

// --- schema → CEL types --------------------------------------------------------------------------

const SPECIAL: Record<string, string> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': 'dyn',
  'io.k8s.apimachinery.pkg.api.resource.Quantity': 'string',
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': 'google.protobuf.Timestamp',
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': 'google.protobuf.Timestamp',
  'io.k8s.apimachinery.pkg.runtime.RawExtension': 'dyn',
};

/** Registers a schema's object types in `env`; gives the CEL type string of each schema. */
class TypeBuilder {
  private byDef = new Map<string, string>();
  private used = new Set<string>();
  constructor(private env: Environment) {}

  private unique(name: string): string {
    let n = name.replace(/[^\w.]/g, '_');
    for (let i = 2; this.used.has(n); i++) n = `${name}_${i}`;
    this.used.add(n);
    return n;
  }

  /** The CEL type of a schema, registering the object types it needs. `root`: a resource's top (apiVersion, kind, metadata always there). */
  typeOf(schema: PropSchema | KObject | undefined, name: string, depth = 0, root = false): string {
    if (!isObj(schema) || depth > 64) return 'dyn';
    const s: KObject = schema;
    const ref = typeof s.$ref === 'string' ? s.$ref : undefined;
    if (ref) {
      if (SPECIAL[ref]) return SPECIAL[ref];
      const hit = this.byDef.get(ref);
      if (hit) return hit;
      const d = getDefinition(ref);
      if (!d) return 'dyn';
      // a named definition: one type, reused where it recurs
      if (isObj(d) && d.type === 'object' && isObj((d as KObject).properties) && !d.additionalProperties) {
        const typeName = this.unique(name);
        this.byDef.set(ref, typeName);
        this.registerObject(typeName, d as KObject, depth, root);
        return typeName;
      }
      return this.typeOf(d, name, depth + 1, root);
    }
    if (s['x-kubernetes-int-or-string'] === true) return 'dyn';
    const props = isObj(s.properties) ? s.properties : undefined;
    if (s['x-kubernetes-preserve-unknown-fields'] === true && !props && !isObj(s.additionalProperties) && !isObj(s.items)) return 'dyn';
    switch (s.type) {
      case 'array':
        return isObj(s.items) ? `list<${this.typeOf(s.items, `${name}.@idx`, depth + 1, s.items['x-kubernetes-embedded-resource'] === true)}>` : 'dyn';
      case 'object': {
        if (isObj(s.additionalProperties)) return `map<string, ${this.typeOf(s.additionalProperties, `${name}.@elem`, depth + 1)}>`;
        if (!props && !root) return s['x-kubernetes-embedded-resource'] === true ? this.embedded(s, name, depth) : 'map<string, dyn>';
        const typeName = this.unique(name);
        this.registerObject(typeName, s, depth, root || s['x-kubernetes-embedded-resource'] === true);
        return typeName;
      }
      case 'string':
        switch (s.format) {
          case 'byte':
            return 'bytes';
          case 'duration':
            return 'google.protobuf.Duration';
          case 'date':
          case 'date-time':
            return 'google.protobuf.Timestamp';
        }
        return 'string';
      case 'boolean':
        return 'bool';
      case 'number':
        return 'double';
      case 'integer':
        return 'int';
    }
    return 'dyn';
  }

  private embedded(s: KObject, name: string, depth: number): string {
    const typeName = this.unique(name);
    this.registerObject(typeName, { ...s, properties: {} }, depth, true);
    return typeName;
  }

  private registerObject(typeName: string, s: KObject, depth: number, root: boolean): void {
    const fields: Record<string, string> = {};
    const props: KObject = isObj(s.properties) ? s.properties : {};
    for (const json of Object.keys(props)) {
      const cel = escapeName(json);
      if (cel === undefined) continue;
      fields[cel] = this.typeOf(props[json], `${typeName}.${cel}`, depth + 1, isObj(props[json]) && props[json]['x-kubernetes-embedded-resource'] === true);
    }
    // WithTypeAndObjectMeta: a resource's apiVersion, kind and metadata.name/generateName
    if (root) {
      fields.apiVersion ??= 'string';
      fields.kind ??= 'string';
      if (!fields.metadata) {
        const md = this.unique(`${typeName}.metadata`);
        this.register(md, { name: 'string', generateName: 'string' });
        fields.metadata = md;
      }
    }
    this.register(typeName, fields);
  }

  /** An object type, comparable with itself and with null (cel-go: null is assignable to object types). */
  private register(typeName: string, fields: Record<string, string>): void {
    this.env.registerType(typeName, { ctor: class extends Map {}, fields } as any);
    const no = () => false;
    this.env.registerOperator(`${typeName} == ${typeName}`, no);
    this.env.registerOperator(`${typeName} == null`, no);
  }
}

// --- checking ---------------------------------------------------------------------------------------

const TYPED: Record<string, string> = {
  request: 'kubernetes.AdmissionRequest',
  namespaceObject: 'kubernetes.Namespace',
  authorizer: 'kubernetes.authorization.Authorizer',
  authorizerRequestResource: 'kubernetes.authorization.ResourceCheck',
};

let seq = 0;
/** generateUniqueTypeName: a root type name expressions cannot depend on. */
const uniqueTypeName = (kind: string) => `${kind}${(seq = (seq + 7919) % 1_000_000_000) + Math.floor(performance.now() * 1000) % 1000}`;

interface CheckEnv {
  /** the environment with object, oldObject and params declared (variables: see withVariables) */
  typed: Environment;
}

// Declaring a kind's types takes a while (a Deployment's schema is hundreds of object types): the
// environment of a kind (and paramKind) is kept while their schemas stay the same objects.
const envCache = new Map<string, { env: Environment; defs: unknown[] }>();
const MAX_CACHED_ENVS = 64;

function envFor(objectKind: KindInfo, params: KindInfo | undefined): Environment {
  const key = `${objectKind.definition ?? ''}\u0000${params?.definition ?? ''}`;
  const defs = [objectKind.definition ? getDefinition(objectKind.definition) : undefined, params?.definition ? getDefinition(params.definition) : undefined];
  const hit = envCache.get(key);
  if (hit && hit.defs[0] === defs[0] && hit.defs[1] === defs[1]) return hit.env;
  const env = baseEnv().clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
  const tb = new TypeBuilder(env);
  const objType = objectKind.definition ? tb.typeOf({ $ref: objectKind.definition }, uniqueTypeName(objectKind.kind), 0, true) : 'dyn';
  env.registerVariable('object', objType).registerVariable('oldObject', objType);
  // buildEnvSet: params only when the paramKind's schema resolves
  if (params?.definition) env.registerVariable('params', tb.typeOf({ $ref: params.definition }, uniqueTypeName(params.kind), 0, true));
  for (const [v, t] of Object.entries(TYPED)) env.registerVariable(v, t);
  if (envCache.size >= MAX_CACHED_ENVS) envCache.delete(envCache.keys().next().value!);
  envCache.set(key, { env, defs });
  return env;
}

type CheckResult = { type: string } | { error: string };

function checkIn(env: Environment, src: string): CheckResult {
  try {
    // has() as the CRD rules check it: an undefined field of a known type is an error (library.ts)
    const p = env.parse(rewriteHas(src)) as unknown as { check(): { valid: boolean; type?: string; error?: any } };
    const c = p.check();
    return c.valid ? { type: String(c.type ?? 'dyn') } : { error: compileErrorString(src, c.error) };
  } catch (e) {
    return { error: compileErrorString(src, e as any) };
  }
}

const cel = (t: string) => (t === 'list' ? 'list<dyn>' : t === 'map' ? 'map<dyn, dyn>' : t);

/**
 * The environment for a policy's expressions with `variables` typed: each variable is compiled in
 * order, seeing the earlier ones (composition.go CompileAndStoreVariables); a variable that does not
 * compile is dyn.
 */
function withVariables(base: CheckEnv, variables: KObject[]): Environment {
  const types: Record<string, string> = {};
  let n = 0;
  const make = () => {
    const e = base.typed.clone({ enableOptionalTypes: true, homogeneousAggregateLiterals: false });
    const typeName = `kubernetes.variables${n++ ? `_${n}` : ''}`;
    e.registerType(typeName, { ctor: class extends Map {}, fields: { ...types } } as any);
    e.registerVariable('variables', typeName);
    return e;
  };
  for (const v of variables) {
    const name = typeof v.name === 'string' ? v.name : '';
    if (!name) continue;
    const r = checkIn(make(), String(v.expression ?? ''));
    types[name] = 'type' in r ? cel(r.type) : 'dyn';
  }
  return make();
}

/** Check: the policy's expression warnings (an empty list when all check or nothing can be checked). */
export function checkPolicy(policy: KObject, lookup: KindLookup): ExpressionWarning[] {
  const spec = isObj(policy.spec) ? policy.spec : {};
  const validations = (Array.isArray(spec.validations) ? spec.validations : []).filter(isObj);
  if (!validations.length) return [];
  const kinds = typesToCheck(policy, lookup).filter((k) => k.definition && getDefinition(k.definition));
  if (!kinds.length) return [];
  let params: KindInfo | undefined;
  const pk = spec.paramKind;
  if (isObj(pk) && typeof pk.apiVersion === 'string' && typeof pk.kind === 'string') {
    const av = pk.apiVersion;
    const [g, v] = av.includes('/') ? av.split('/', 2) : ['', av];
    params = lookup.kindInfo(g, v, pk.kind);
  }
  const variables = (Array.isArray(spec.variables) ? spec.variables : []).filter(isObj);
  const envs = kinds.map((k) => {
    try {
      return withVariables({ typed: envFor(k, params) }, variables);
    } catch {
      // a schema cel-js cannot declare: not checked against (type checking never fails a policy)
      return undefined;
    }
  });
  const check = (src: string): string => {
    const out: string[] = [];
    kinds.forEach((k, i) => {
      const env = envs[i];
      if (!env) return;
      const r = checkIn(env, src);
      if ('error' in r) out.push(`${gvkString(k)}: ${r.error}\n`);
    });
    return out.join('\n');
  };
  const warnings: ExpressionWarning[] = [];
  validations.forEach((v, i) => {
    const w = check(String(v.expression ?? ''));
    if (w) warnings.push({ fieldRef: `spec.validations[${i}].expression`, warning: w });
    if (typeof v.messageExpression !== 'string' || v.messageExpression === '') return;
    const mw = check(v.messageExpression);
    if (mw) warnings.push({ fieldRef: `spec.validations[${i}].messageExpression`, warning: mw });
  });
  return warnings;
}
