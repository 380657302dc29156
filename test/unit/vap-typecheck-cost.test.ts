// ValidatingAdmissionPolicy completeness: the type checker's kinds (typesToCheck) and warnings,
// the CEL cost meter (per-call limit, evaluation budget), and what Audit records (the
// validation_failure annotation, auditAnnotations per policy).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from '../api/util.js';
import { PolicyAdmission, VALIDATION_FAILURE_KEY } from '../../src/admission/policy/index.js';
import { loadPolicySupport } from '../../src/admission/policy/load.js';
import * as C from '../../src/admission/policy/compile.js';
import { checkPolicy, typesToCheck, type KindLookup } from '../../src/admission/policy/typecheck.js';
import type { AdmissionAttributes } from '../../src/admission/types.js';
import { StatusError } from '../../src/registry/errors.js';
import { compileValidations, validate } from '../../src/apiextensions/cel/index.js';

const KINDS: Record<string, { group: string; version: string; kind: string; definition: string }> = {
  'apps/v1/deployments': { group: 'apps', version: 'v1', kind: 'Deployment', definition: 'io.k8s.api.apps.v1.Deployment' },
  'apps/v1/statefulsets': { group: 'apps', version: 'v1', kind: 'StatefulSet', definition: 'io.k8s.api.apps.v1.StatefulSet' },
  '/v1/pods': { group: '', version: 'v1', kind: 'Pod', definition: 'io.k8s.api.core.v1.Pod' },
  '/v1/configmaps': { group: '', version: 'v1', kind: 'ConfigMap', definition: 'io.k8s.api.core.v1.ConfigMap' },
};
const lookup: KindLookup = {
  kindsFor: (g, v, r) => (KINDS[`${g}/${v}/${r}`] ? [KINDS[`${g}/${v}/${r}`]] : []),
  kindInfo: (g, v, k) => Object.values(KINDS).find((x) => x.group === g && x.version === v && x.kind === k),
};
const policy = (rules: unknown[], spec: Record<string, unknown> = {}) => ({ spec: { matchConstraints: { resourceRules: rules }, ...spec } });

beforeAll(async () => {
  await loadPolicySupport();
});

describe('typesToCheck', () => {
  it('resolves each group/version/resource, sorted, skipping wildcard rules and subresources', () => {
    const p = policy([
      { apiGroups: ['apps', ''], apiVersions: ['v1'], resources: ['statefulsets', 'deployments', 'pods', 'pods/status', '*'] },
      { apiGroups: ['*'], apiVersions: ['v1'], resources: ['configmaps'] },
      { apiGroups: [''], apiVersions: ['*'], resources: ['configmaps'] },
    ]);
    expect(typesToCheck(p, lookup).map((k) => `${k.group}/${k.version}, Kind=${k.kind}`)).toEqual(['/v1, Kind=Pod', 'apps/v1, Kind=Deployment', 'apps/v1, Kind=StatefulSet']);
    expect(typesToCheck({ spec: {} }, lookup)).toEqual([]);
  });
});

describe('checkPolicy', () => {
  const rules = [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets'] }];
  const deployments = [{ apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] }];
  it('reports each kind an expression does not check against, joined as upstream', () => {
    const w = checkPolicy(policy(rules, { validations: [{ expression: 'object.spec.replicas > 0' }, { expression: 'object.spec.serviceName != ""' }] }), lookup);
    expect(w).toEqual([
      { fieldRef: 'spec.validations[1].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:12: undefined field 'serviceName'\n | object.spec.serviceName != \"\"\n | ...........^\n" },
    ]);
    const both = checkPolicy(policy(rules, { validations: [{ expression: 'object.spc == null' }] }), lookup);
    expect(both[0].warning).toBe(
      "apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'spc'\n | object.spc == null\n | ......^\n\napps/v1, Kind=StatefulSet: ERROR: <input>:1:7: undefined field 'spc'\n | object.spc == null\n | ......^\n",
    );
  });

  it('types quantities, int-or-strings, timestamps, maps and lists from the schema', () => {
    const ok = [
      'object.spec.template.spec.containers.all(c, !has(c.resources.limits) || c.resources.limits.all(k, k != ""))',
      "object.spec.strategy.rollingUpdate.maxSurge == 1 || object.spec.strategy.rollingUpdate.maxSurge == '25%'",
      'object.metadata.creationTimestamp < timestamp("2030-01-01T00:00:00Z")',
      "object.metadata.labels['app'] == 'x' && object.metadata.name.startsWith('a')",
      'object.spec.template.spec.containers.map(c, c.image).exists(i, i.contains(":"))',
      "quantity(object.spec.template.spec.containers[0].resources.requests['cpu']).isGreaterThan(quantity('1'))",
      'object == oldObject || oldObject == null',
    ];
    expect(checkPolicy(policy(deployments, { validations: ok.map((expression) => ({ expression })) }), lookup)).toEqual([]);
    const bad = checkPolicy(policy(deployments, { validations: [{ expression: 'object.metadata.creationTimestamp == "x"' }, { expression: 'object.spec.paused + 1 > 0' }] }), lookup);
    expect(bad.map((w) => w.warning.split('\n')[0])).toEqual([
      "apps/v1, Kind=Deployment: ERROR: <input>:1:35: found no matching overload for '_==_' applied to '(timestamp, string)'",
      "apps/v1, Kind=Deployment: ERROR: <input>:1:20: found no matching overload for '_+_' applied to '(bool, int)'",
    ]);
  });

  it('types params by paramKind and variables by their expressions', () => {
    const w = checkPolicy(
      policy(deployments, {
        paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
        variables: [
          { name: 'max', expression: 'int(params.data.max)' },
          { name: 'names', expression: 'object.spec.template.spec.containers.map(c, c.name)' },
        ],
        validations: [{ expression: 'object.spec.replicas <= variables.max && variables.names.size() > 0' }, { expression: 'params.spec == null' }, { expression: 'variables.names.startsWith("a")' }],
      }),
      lookup,
    );
    expect(w.map((x) => x.fieldRef)).toEqual(['spec.validations[1].expression', 'spec.validations[2].expression']);
    expect(w[0].warning).toContain("undefined field 'spec'");
    expect(w[1].warning).toMatch(/^apps\/v1, Kind=Deployment: ERROR: <input>:1:27: found no matching overload for 'startsWith' applied to 'list/);
  });

  it('declares params only for a paramKind whose schema resolves', () => {
    const w = checkPolicy(policy(deployments, { validations: [{ expression: 'params.x == 1' }] }), lookup);
    expect(w[0].warning).toBe("apps/v1, Kind=Deployment: ERROR: <input>:1:1: undeclared reference to 'params' (in container '')\n | params.x == 1\n | ^\n");
    const unresolved = checkPolicy(policy(deployments, { paramKind: { apiVersion: 'x.io/v1', kind: 'Nope' }, validations: [{ expression: 'params.x == 1' }] }), lookup);
    expect(unresolved[0].warning).toContain("undeclared reference to 'params'");
  });

  it('has nothing to say without validations or checkable kinds', () => {
    expect(checkPolicy(policy(deployments, { auditAnnotations: [{ key: 'k', valueExpression: 'object.nope' }] }), lookup)).toEqual([]);
    expect(checkPolicy(policy([{ apiGroups: ['x.io'], apiVersions: ['v1'], resources: ['things'] }], { validations: [{ expression: 'object.nope' }] }), lookup)).toEqual([]);
  });
});

describe('cost', () => {
  const L = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
  const prog = (src: string) => {
    const c = C.compile(src);
    if ('error' in c) throw new Error(c.error);
    return c.program;
  };
  it('counts evaluation steps against the budget', () => {
    const b = C.newBudget();
    expect(C.evaluate(prog(`${L}.all(a, a >= 0)`), {}, b)).toBe(true);
    const used = C.RUNTIME_COST_BUDGET - b.remaining;
    expect(used).toBeGreaterThan(300);
    expect(used).toBeLessThan(1000);
  });
  it('cancels past the per-call limit, even where || or a quantifier would absorb the error', () => {
    const heavy = `${L}.all(a, ${L}.all(b, a + b >= 0))`;
    expect(() => C.evaluate(prog(heavy), {}, C.newBudget({ perCall: 10_000 }))).toThrow(C.CostLimitError);
    expect(() => C.evaluate(prog(`${heavy} || true`), {}, C.newBudget({ perCall: 10_000 }))).toThrow(C.CostLimitError);
    expect(() => C.evaluate(prog(`${L}.exists(x, ${heavy})`), {}, C.newBudget({ perCall: 10_000 }))).toThrow(C.CostLimitError);
    expect(C.runtimeError(new C.CostLimitError())).toBe('operation cancelled: actual cost limit exceeded');
    expect(C.evaluate(prog(heavy), {}, C.newBudget())).toBe(true);
  });
  it('runs out of budget across expressions', () => {
    const b = C.newBudget({ budget: 1000 });
    const p = prog(`${L}.all(a, a >= 0)`);
    expect(C.evaluate(p, {}, b)).toBe(true);
    expect(() => C.evaluate(p, {}, b)).toThrow(C.OutOfBudgetError);
    expect(C.OUT_OF_BUDGET).toBe('validation failed due to running out of cost budget, no further validation rules will be run');
  });
});

describe('CRD rules cost (x-kubernetes-validations)', () => {
  const schema = (rules: string[]) => ({
    type: 'object',
    properties: { spec: { type: 'object', properties: { nums: { type: 'array', items: { type: 'integer' } } }, 'x-kubernetes-validations': rules.map((rule) => ({ rule })) } },
  });
  const nums = Array.from({ length: 300 }, (_, i) => i);
  it('a rule under the per-call limit runs whatever the size of self; one past it is cancelled even behind ||', () => {
    const ok = compileValidations(schema(['self.nums.all(a, self.nums.all(b, a + b >= 0))']), 'spec.validation.openAPIV3Schema');
    expect(validate(ok.validator, { spec: { nums } }, undefined)).toEqual([]);
    const heavy = compileValidations(schema(['true || self.nums.all(a, self.nums.all(b, self.nums.all(c, a + b + c >= 0)))']), 'x');
    // || short-circuits on true: never evaluated
    expect(validate(heavy.validator, { spec: { nums } }, undefined)).toEqual([]);
    const absorbed = compileValidations(schema(['self.nums.all(a, self.nums.all(b, self.nums.all(c, a + b + c >= 0))) || true']), 'x');
    const causes = validate(absorbed.validator, { spec: { nums } }, undefined);
    expect(causes).toHaveLength(1);
    expect(causes[0].message).toContain("'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule:");
  });
  it('rules of one object share the runtime budget', () => {
    const rules = Array.from({ length: 30 }, () => 'self.nums.all(a, self.nums.all(b, a + b >= 0))');
    const causes = validate(compileValidations(schema(rules), 'x').validator, { spec: { nums } }, undefined);
    expect(causes.map((c) => c.message)).toEqual(['Invalid value: "object": validation failed due to running out of cost budget, no further validation rules will be run']);
  }, 20_000);
});

describe('Audit', () => {
  let emu: KubeEmulator;
  let vap: PolicyAdmission;
  beforeAll(async () => {
    emu = await startBare();
    vap = new PolicyAdmission({ registry: emu.registry, celCost: { budget: 5000 } });
  });
  afterAll(async () => {
    await emu.close();
  });
  const def = (plural: string, group = 'admissionregistration.k8s.io') => emu.registry.def(group, plural)!;
  function put(name: string, spec: Record<string, unknown>, actions: string[], bindingSpec: Record<string, unknown> = {}) {
    emu.registry.create(def('validatingadmissionpolicies'), '', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name },
      spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] }, ...spec },
    });
    emu.registry.create(def('validatingadmissionpolicybindings'), '', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: `${name}-b` },
      spec: { policyName: name, validationActions: actions, ...bindingSpec },
    });
  }
  function clear() {
    for (const plural of ['validatingadmissionpolicybindings', 'validatingadmissionpolicies'])
      for (const o of emu.registry.list(def(plural), undefined).items) emu.registry.delete(def(plural), '', o.metadata.name);
  }
  const attrs = (name: string): AdmissionAttributes => ({
    operation: 'CREATE',
    def: emu.registry.def('', 'configmaps')!,
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    subresource: '',
    namespace: 'default',
    name,
    object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } },
    dryRun: false,
    user: { username: 'alice', groups: ['system:authenticated'] },
  });

  it('records the first failed validation of an auditing binding, with its index', async () => {
    clear();
    put('a1', { validations: [{ expression: 'true' }, { expression: 'false', message: 'second' }, { expression: 'false', message: 'third' }] }, ['Audit']);
    const r = await vap.validate(attrs('c1'));
    expect(r.warnings).toEqual([]);
    expect(JSON.parse(r.auditAnnotations![VALIDATION_FAILURE_KEY])).toEqual([{ message: 'second', policy: 'a1', binding: 'a1-b', expressionIndex: 1, validationActions: ['Audit'] }]);
    clear();
  });

  it('publishes auditAnnotations per policy, distinct values of several params joined', async () => {
    clear();
    for (const [n, v] of [['p1', 'x'], ['p2', 'y'], ['p3', 'x']])
      emu.registry.create(emu.registry.def('', 'configmaps')!, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: n, namespace: 'default', labels: { role: 'param' } }, data: { v } });
    put(
      'a2',
      { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, auditAnnotations: [{ key: 'v', valueExpression: 'params.data.v' }, { key: 'none', valueExpression: 'null' }] },
      ['Deny'],
      { paramRef: { selector: { matchLabels: { role: 'param' } }, namespace: 'default', parameterNotFoundAction: 'Allow' } },
    );
    const r = await vap.validate(attrs('c2'));
    expect(r.auditAnnotations).toEqual({ 'a2/v': 'x, y' });
    clear();
  });

  it('denies an erroring audit annotation under failurePolicy Fail, whatever the actions', async () => {
    clear();
    put('a3', { auditAnnotations: [{ key: 'k', valueExpression: 'object.nope' }] }, ['Audit']);
    const e = await vap.validate(attrs('c3')).then(
      () => undefined,
      (x) => x,
    );
    expect(e).toBeInstanceOf(StatusError);
    expect((e as StatusError).message).toBe(`configmaps "c3" is forbidden: ValidatingAdmissionPolicy 'a3' with binding 'a3-b' denied request: expression 'object.nope' resulted in error: no such key: nope`);
    clear();
  });

  it('an evaluation out of budget is one failure (audited here)', async () => {
    clear();
    const L = `[${Array.from({ length: 100 }, (_, i) => i).join(',')}]`;
    put('a4', { validations: Array.from({ length: 10 }, () => ({ expression: `${L}.all(a, a >= 0)` })) }, ['Audit', 'Warn']);
    const r = await vap.validate(attrs('c4'));
    expect(r.warnings).toEqual([`Validation failed for ValidatingAdmissionPolicy 'a4' with binding 'a4-b': ${C.OUT_OF_BUDGET}`]);
    expect(JSON.parse(r.auditAnnotations![VALIDATION_FAILURE_KEY])[0]).toMatchObject({ message: C.OUT_OF_BUDGET, expressionIndex: 0 });
    clear();
  });
});
