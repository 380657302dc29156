// ValidatingAdmissionPolicy and ValidatingAdmissionPolicyBinding (admissionregistration.k8s.io/v1,
// cluster-scoped, GA and served by default from 1.30; v1beta1 is off by default):
// staging/src/k8s.io/api/admissionregistration/v1/types.go, pkg/apis/admissionregistration/v1/defaults.go,
// pkg/apis/admissionregistration/validation/validation.go (ValidateValidatingAdmissionPolicy,
// ValidateValidatingAdmissionPolicyBinding), pkg/registry/admissionregistration/validatingadmissionpolicy*/
// (strategy: status reset, generation) and pkg/printers/internalversion/printers.go.
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { duplicate, forbidden, invalid, isQualifiedName, notSupported, required } from '../../registry/validation.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { selectorString, validateLabelSelector } from '../labelselector.js';

/** The first emulated minor serving admissionregistration.k8s.io/v1 policies. */
export const VAP_V1_SINCE = 30;

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Compiles an expression: undefined or cel-go's error detail. Installed by src/admission/policy/load.ts before the first write. */
export type PolicyCompiler = (expression: string) => string | undefined;
let compiler: PolicyCompiler | undefined;
export function setPolicyCompiler(c: PolicyCompiler): void {
  compiler = c;
}

// --- printers ------------------------------------------------------------------------------------

const policyPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Validations', 'Validations indicates the number of validation rules defined in this configuration', { type: 'integer' }),
    col('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy'),
    AGE_COLUMN,
  ],
  row(o, now) {
    const pk = o.spec?.paramKind;
    return [o.metadata?.name ?? '', Array.isArray(o.spec?.validations) ? o.spec.validations.length : 0, isObj(pk) ? `${pk.apiVersion ?? ''}/${pk.kind ?? ''}` : '<unset>', age(o, now)];
  },
};

const bindingPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('PolicyName', 'PolicyName indicates the policy definition which the policy binding binded to'),
    col('ParamRef', 'ParamRef indicates the param resource which sets the configration param'),
    AGE_COLUMN,
  ],
  row(o, now) {
    const pr = o.spec?.paramRef;
    let p = '<unset>';
    if (isObj(pr)) {
      if (pr.name) p = pr.namespace ? `${pr.namespace}/${pr.name}` : `*/${pr.name}`;
      else if (isObj(pr.selector)) p = selectorString(pr.selector) ?? '';
    }
    return [o.metadata?.name ?? '', o.spec?.policyName ?? '', p, age(o, now)];
  },
};

// --- defaults (v1/defaults.go) -------------------------------------------------------------------

function defaultMatchResources(m: unknown): void {
  if (!isObj(m)) return;
  m.matchPolicy ??= 'Equivalent';
  m.namespaceSelector ??= {};
  m.objectSelector ??= {};
  for (const k of ['resourceRules', 'excludeResourceRules'])
    if (Array.isArray(m[k])) for (const r of m[k]) if (isObj(r)) r.scope ??= '*';
}

function policyDefaults(obj: KObject): void {
  if (!isObj(obj.spec)) return;
  obj.spec.failurePolicy ??= 'Fail';
  defaultMatchResources(obj.spec.matchConstraints);
}

function bindingDefaults(obj: KObject): void {
  if (!isObj(obj.spec)) return;
  defaultMatchResources(obj.spec.matchResources);
}

// --- validation (validation.go) ------------------------------------------------------------------

const OPERATIONS = ['*', 'CONNECT', 'CREATE', 'DELETE', 'UPDATE'];
const SCOPES = ['*', 'Cluster', 'Namespaced'];
const REASONS = ['Forbidden', 'Invalid', 'RequestEntityTooLarge', 'Unauthorized'];
const ACTIONS = ['Audit', 'Deny', 'Warn'];
const CEL_IDENT = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

function compileCause(path: string, expression: string): Cause[] {
  const err = compiler?.(expression);
  return err ? [invalid(path, expression, `compilation failed: ${err}`)] : [];
}

function validateExpression(v: unknown, path: string): Cause[] {
  if (typeof v !== 'string' || v.trim() === '') return [required(path)];
  return compileCause(path, v);
}

function validateList(list: unknown, path: string, label: string): Cause[] {
  const l = Array.isArray(list) ? list : [];
  if (!l.length) return [required(path)];
  if (l.length > 1 && l.includes('*')) return [invalid(path, l, `if '*' is present, must not specify other ${label}`)];
  return [];
}

function validateNamedRule(r: unknown, path: string): Cause[] {
  if (!isObj(r)) return [required(path)];
  const causes: Cause[] = [];
  causes.push(...validateList(r.operations, `${path}.operations`, 'operations'));
  (Array.isArray(r.operations) ? r.operations : []).forEach((o: unknown, i: number) => {
    if (!OPERATIONS.includes(String(o))) causes.push(notSupported(`${path}.operations[${i}]`, o, OPERATIONS));
  });
  causes.push(...validateList(r.apiGroups, `${path}.apiGroups`, 'API groups'));
  causes.push(...validateList(r.apiVersions, `${path}.apiVersions`, 'API versions'));
  causes.push(...validateList(r.resources, `${path}.resources`, 'resources'));
  if (r.scope !== undefined && r.scope !== null && !SCOPES.includes(String(r.scope))) causes.push(notSupported(`${path}.scope`, r.scope, SCOPES));
  return causes;
}

function validateMatchResources(m: unknown, path: string, requireRules: boolean): Cause[] {
  if (!isObj(m)) return requireRules ? [required(path)] : [];
  const causes: Cause[] = [];
  if (m.matchPolicy !== undefined && !['Equivalent', 'Exact'].includes(String(m.matchPolicy))) causes.push(notSupported(`${path}.matchPolicy`, m.matchPolicy, ['Equivalent', 'Exact']));
  if (isObj(m.namespaceSelector)) causes.push(...validateLabelSelector(m.namespaceSelector, `${path}.namespaceSelector`));
  if (isObj(m.objectSelector)) causes.push(...validateLabelSelector(m.objectSelector, `${path}.objectSelector`));
  const rules = Array.isArray(m.resourceRules) ? m.resourceRules : [];
  if (requireRules && !rules.length) causes.push(required(`${path}.resourceRules`));
  rules.forEach((r: unknown, i: number) => causes.push(...validateNamedRule(r, `${path}.resourceRules[${i}]`)));
  (Array.isArray(m.excludeResourceRules) ? m.excludeResourceRules : []).forEach((r: unknown, i: number) => causes.push(...validateNamedRule(r, `${path}.excludeResourceRules[${i}]`)));
  return causes;
}

function validateMessage(v: unknown, path: string): Cause[] {
  if (typeof v !== 'string' || v === '') return [];
  if (v.trim() === '') return [required(path, 'message must be non-empty if specified')];
  if (v.includes('\n')) return [invalid(path, v, 'message must not contain line breaks')];
  if (v.length > 1024) return [{ reason: 'FieldValueTooLong', field: path, message: `Too long: may not be more than 1024 bytes` }];
  return [];
}

export function validatePolicy(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  const pk = spec.paramKind;
  if (isObj(pk)) {
    if (!pk.apiVersion) causes.push(required('spec.paramKind.apiVersion'));
    else if (String(pk.apiVersion).split('/').length > 2 || String(pk.apiVersion).endsWith('/'))
      causes.push(invalid('spec.paramKind.apiVersion', pk.apiVersion, 'must be a valid group/version'));
    if (!pk.kind) causes.push(required('spec.paramKind.kind'));
  }
  causes.push(...validateMatchResources(spec.matchConstraints, 'spec.matchConstraints', true));
  const validations = Array.isArray(spec.validations) ? spec.validations : [];
  const audits = Array.isArray(spec.auditAnnotations) ? spec.auditAnnotations : [];
  if (!validations.length && !audits.length) causes.push(required('spec.validations', 'validations or auditAnnotations must contain at least one item'));
  if (spec.failurePolicy !== undefined && !['Fail', 'Ignore'].includes(String(spec.failurePolicy))) causes.push(notSupported('spec.failurePolicy', spec.failurePolicy, ['Fail', 'Ignore']));
  const mcs = Array.isArray(spec.matchConditions) ? spec.matchConditions : [];
  if (mcs.length > 64) causes.push({ reason: 'FieldValueTooMany', field: 'spec.matchConditions', message: `Too many: ${mcs.length}: must have at most 64 items` });
  const mcNames = new Set<string>();
  mcs.forEach((mc: unknown, i: number) => {
    const p = `spec.matchConditions[${i}]`;
    if (!isObj(mc)) return;
    if (!mc.name) causes.push(required(`${p}.name`));
    else if (mcNames.has(String(mc.name))) causes.push(duplicate(`${p}.name`, mc.name));
    else {
      mcNames.add(String(mc.name));
      for (const e of isQualifiedName(String(mc.name))) causes.push(invalid(`${p}.name`, mc.name, e));
    }
    causes.push(...validateExpression(mc.expression, `${p}.expression`));
  });
  const varNames = new Set<string>();
  (Array.isArray(spec.variables) ? spec.variables : []).forEach((v: unknown, i: number) => {
    const p = `spec.variables[${i}]`;
    if (!isObj(v)) return;
    if (!v.name) causes.push(required(`${p}.name`));
    else if (!CEL_IDENT.test(String(v.name))) causes.push(invalid(`${p}.name`, v.name, 'name is not a valid CEL identifier'));
    else if (varNames.has(String(v.name))) causes.push(duplicate(`${p}.name`, v.name));
    else varNames.add(String(v.name));
    causes.push(...validateExpression(v.expression, `${p}.expression`));
  });
  validations.forEach((v: unknown, i: number) => {
    const p = `spec.validations[${i}]`;
    if (!isObj(v)) return;
    causes.push(...validateExpression(v.expression, `${p}.expression`));
    causes.push(...validateMessage(v.message, `${p}.message`));
    if (typeof v.messageExpression === 'string' && v.messageExpression !== '') {
      if (v.messageExpression.trim() === '') causes.push(required(`${p}.messageExpression`, 'if specified, messageExpression must not be empty'));
      else causes.push(...compileCause(`${p}.messageExpression`, v.messageExpression));
    }
    if (v.reason !== undefined && v.reason !== null && !REASONS.includes(String(v.reason))) causes.push(notSupported(`${p}.reason`, v.reason, REASONS));
  });
  const keys = new Set<string>();
  audits.forEach((a: unknown, i: number) => {
    const p = `spec.auditAnnotations[${i}]`;
    if (!isObj(a)) return;
    const key = String(a.key ?? '');
    if (!key) causes.push(required(`${p}.key`));
    else {
      if (key.length > 63) causes.push({ reason: 'FieldValueTooLong', field: `${p}.key`, message: 'Too long: may not be more than 63 bytes' });
      for (const e of isQualifiedName(`${obj.metadata?.name ?? ''}/${key}`)) causes.push(invalid(`${p}.key`, key, e));
      if (keys.has(key)) causes.push(duplicate(`${p}.key`, key));
      keys.add(key);
    }
    causes.push(...validateExpression(a.valueExpression, `${p}.valueExpression`));
  });
  return causes;
}

export function validateBinding(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const spec = isObj(obj.spec) ? obj.spec : {};
  if (!spec.policyName) causes.push(required('spec.policyName'));
  const pr = spec.paramRef;
  if (isObj(pr)) {
    if (pr.name && isObj(pr.selector)) causes.push(forbidden('spec.paramRef.name', 'name and selector are mutually exclusive'));
    else if (!pr.name && !isObj(pr.selector)) causes.push(required('spec.paramRef', 'one of name or selector must be specified'));
    if (isObj(pr.selector)) causes.push(...validateLabelSelector(pr.selector, 'spec.paramRef.selector'));
    if (pr.parameterNotFoundAction === undefined || pr.parameterNotFoundAction === null) causes.push(required('spec.paramRef.parameterNotFoundAction'));
    else if (!['Allow', 'Deny'].includes(String(pr.parameterNotFoundAction))) causes.push(notSupported('spec.paramRef.parameterNotFoundAction', pr.parameterNotFoundAction, ['Allow', 'Deny']));
  }
  causes.push(...validateMatchResources(spec.matchResources, 'spec.matchResources', false));
  const actions = Array.isArray(spec.validationActions) ? spec.validationActions : [];
  if (!actions.length) causes.push(required('spec.validationActions'));
  else {
    const seen = new Set<string>();
    actions.forEach((a: unknown, i: number) => {
      if (seen.has(String(a))) causes.push(duplicate(`spec.validationActions[${i}]`, a));
      seen.add(String(a));
      if (!ACTIONS.includes(String(a))) causes.push(notSupported(`spec.validationActions[${i}]`, a, ACTIONS));
    });
    if (seen.has('Deny') && seen.has('Warn'))
      causes.push(invalid('spec.validationActions', actions, 'must not contain both Deny and Warn (repeating the same validation failure information in the API response and headers serves no purpose)'));
  }
  return causes;
}

function kindDef(kind: string, rest: Partial<ResourceDef>): ResourceDef {
  return {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind,
    listKind: `${kind}List`,
    plural: kind.toLowerCase() + (kind.endsWith('y') ? '' : 's'),
    singular: kind.toLowerCase(),
    namespaced: false,
    verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    categories: ['api-extensions'],
    subresources: [],
    definition: `io.k8s.api.admissionregistration.v1.${kind}`,
    generation: true,
    ...rest,
  };
}

export const validatingAdmissionPolicyDef: ResourceDef = kindDef('ValidatingAdmissionPolicy', {
  plural: 'validatingadmissionpolicies',
  subresources: [{ name: 'status', kind: 'ValidatingAdmissionPolicy', verbs: ['get', 'patch', 'update'] }],
  table: policyPrinter,
  defaults: policyDefaults,
  // strategy.go: status is the controller's (type checking)
  prepareForCreate(obj) {
    delete obj.status;
  },
  prepareForUpdate(newObj, oldObj) {
    if (oldObj.status === undefined) delete newObj.status;
    else newObj.status = structuredClone(oldObj.status);
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec);
  },
  validate: validatePolicy,
});

export const validatingAdmissionPolicyBindingDef: ResourceDef = kindDef('ValidatingAdmissionPolicyBinding', {
  plural: 'validatingadmissionpolicybindings',
  table: bindingPrinter,
  defaults: bindingDefaults,
  validate: validateBinding,
});

/** The policy kinds an emulated minor serves (by default: v1 from 1.30). */
export function policyDefsFor(emulatedMinor: number): ResourceDef[] {
  return emulatedMinor >= VAP_V1_SINCE ? [validatingAdmissionPolicyDef, validatingAdmissionPolicyBindingDef] : [];
}
