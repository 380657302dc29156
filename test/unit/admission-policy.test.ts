// The ValidatingAdmissionPolicy admitter called directly: deny, warn, params, the authorizer
// library with a fake authorizer, audit annotations and the failure policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from '../api/util.js';
import { PolicyAdmission } from '../../src/admission/policy/index.js';
import { loadPolicySupport } from '../../src/admission/policy/load.js';
import type { AdmissionAttributes } from '../../src/admission/types.js';
import type { AuthzAttributes, Authorizer } from '../../src/auth/types.js';
import { StatusError } from '../../src/registry/errors.js';

let emu: KubeEmulator;
const asked: AuthzAttributes[] = [];
const fakeAuthorizer: Authorizer = {
  authorize(a) {
    asked.push(a);
    return a.user.username === 'admin' && a.verb === 'approve' ? { decision: 'allow', reason: 'admins approve' } : { decision: 'noopinion', reason: '' };
  },
};
let vap: PolicyAdmission;

beforeAll(async () => {
  emu = await startBare();
  await loadPolicySupport();
  vap = new PolicyAdmission({ registry: emu.registry, authorizer: () => fakeAuthorizer });
});
afterAll(async () => {
  await emu.close();
});

const reg = () => emu.registry;
const def = (plural: string, group = 'admissionregistration.k8s.io') => reg().def(group, plural)!;

function put(name: string, spec: Record<string, unknown>, actions = ['Deny'], bindingSpec: Record<string, unknown> = {}) {
  reg().create(def('validatingadmissionpolicies'), '', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: { matchConstraints: { resourceRules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }] }, ...spec },
  });
  reg().create(def('validatingadmissionpolicybindings'), '', {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: `${name}-b` },
    spec: { policyName: name, validationActions: actions, ...bindingSpec },
  });
}
function clear() {
  for (const plural of ['validatingadmissionpolicybindings', 'validatingadmissionpolicies'])
    for (const o of reg().list(def(plural), undefined).items) reg().delete(def(plural), '', o.metadata.name);
}

function attrs(obj: Record<string, unknown>, user = 'alice'): AdmissionAttributes {
  const cm = reg().def('', 'configmaps')!;
  return {
    operation: 'CREATE',
    def: cm,
    resource: { group: '', version: 'v1', resource: 'configmaps' },
    kind: { group: '', version: 'v1', kind: 'ConfigMap' },
    subresource: '',
    namespace: 'default',
    name: String((obj.metadata as any)?.name ?? ''),
    object: { apiVersion: 'v1', kind: 'ConfigMap', ...obj },
    dryRun: false,
    user: { username: user, groups: ['system:authenticated'] },
  };
}

async function refusal(p: Promise<unknown>): Promise<StatusError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof StatusError) return e;
    throw e;
  }
  throw new Error('admitted');
}

describe('PolicyAdmission', () => {
  it('handles only the resources a bound policy names', () => {
    clear();
    expect(vap.handles({ operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, subresource: '' })).toBe(false);
    put('p', { validations: [{ expression: 'true' }] });
    expect(vap.handles({ operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'configmaps' }, subresource: '' })).toBe(true);
    expect(vap.handles({ operation: 'CREATE', resource: { group: '', version: 'v1', resource: 'secrets' }, subresource: '' })).toBe(false);
    clear();
  });

  it('denies with the reason code and upstream wording', async () => {
    clear();
    put('deny', { validations: [{ expression: "has(object.data) && 'k' in object.data", message: 'data.k is required', reason: 'RequestEntityTooLarge' }] });
    const e = await refusal(vap.validate(attrs({ metadata: { name: 'c1' } })));
    expect(e.code).toBe(413);
    expect(e.reason).toBe('RequestEntityTooLarge');
    expect(e.message).toBe(`configmaps "c1" is forbidden: ValidatingAdmissionPolicy 'deny' with binding 'deny-b' denied request: data.k is required`);
    expect((e.details as any).causes).toEqual([{ message: `ValidatingAdmissionPolicy 'deny' with binding 'deny-b' denied request: data.k is required` }]);
    await expect(vap.validate(attrs({ metadata: { name: 'c2' }, data: { k: 'v' } }))).resolves.toMatchObject({ warnings: [] });
    clear();
  });

  it('warns and audits without refusing', async () => {
    clear();
    put('wa', { validations: [{ expression: 'false', messageExpression: "'no ' + object.metadata.name" }], auditAnnotations: [{ key: 'who', valueExpression: 'request.userInfo.username' }] }, ['Warn', 'Audit']);
    const r = await vap.validate(attrs({ metadata: { name: 'c3' } }));
    expect(r.warnings).toEqual([`Validation failed for ValidatingAdmissionPolicy 'wa' with binding 'wa-b': no c3`]);
    expect(r.auditAnnotations).toEqual({
      'wa/who': 'alice',
      'validation.policy.admission.k8s.io/validation_failure': JSON.stringify([{ message: 'no c3', policy: 'wa', binding: 'wa-b', expressionIndex: 0, validationActions: ['Warn', 'Audit'] }]),
    });
    clear();
  });

  it('checks the request user with the authorizer library', async () => {
    clear();
    put('authz', {
      validations: [
        {
          expression: "authorizer.group('example.com').resource('approvals').namespace(object.metadata.namespace).name(object.metadata.name).check('approve').allowed()",
          messageExpression: "'not approved: ' + authorizer.group('example.com').resource('approvals').check('approve').reason()",
        },
      ],
    });
    asked.length = 0;
    await expect(vap.validate(attrs({ metadata: { name: 'c4', namespace: 'default' } }, 'admin'))).resolves.toBeDefined();
    expect(asked[0]).toMatchObject({ verb: 'approve', apiGroup: 'example.com', resource: 'approvals', namespace: 'default', name: 'c4', isResourceRequest: true });
    expect(asked[0].user.username).toBe('admin');
    const e = await refusal(vap.validate(attrs({ metadata: { name: 'c5', namespace: 'default' } }, 'bob')));
    expect(e.message).toMatch(/denied request: not approved:$/);
    clear();
  });

  it('checks the request resource with authorizerRequestResource', async () => {
    clear();
    put('arr', { validations: [{ expression: "authorizerRequestResource.check('approve').allowed()", message: 'not allowed' }] });
    asked.length = 0;
    await expect(vap.validate(attrs({ metadata: { name: 'c9', namespace: 'default' } }, 'admin'))).resolves.toBeDefined();
    expect(asked[0]).toMatchObject({ verb: 'approve', apiGroup: '', resource: 'configmaps', namespace: 'default', name: 'c9' });
    await expect(vap.validate(attrs({ metadata: { name: 'c10', namespace: 'default' } }, 'bob'))).rejects.toThrow(/denied request: not allowed/);
    clear();
  });

  it('applies the failure policy to evaluation errors', async () => {
    clear();
    put('fp', { validations: [{ expression: 'object.data.missing == "x"' }] });
    const e = await refusal(vap.validate(attrs({ metadata: { name: 'c6' }, data: {} })));
    expect(e.message).toContain(`denied request: expression 'object.data.missing == "x"' resulted in error: no such key: missing`);
    clear();
    put('fp2', { failurePolicy: 'Ignore', validations: [{ expression: 'object.data.missing == "x"' }] });
    await expect(vap.validate(attrs({ metadata: { name: 'c7' }, data: {} }))).resolves.toBeDefined();
    clear();
  });

  it('evaluates once per param of a selector paramRef', async () => {
    clear();
    const cm = reg().def('', 'configmaps')!;
    for (const [n, v] of [['a', 'x'], ['b', 'y']]) reg().create(cm, 'default', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `param-${n}`, namespace: 'default', labels: { param: 'yes' } }, data: { forbidden: v } });
    put(
      'sel',
      { paramKind: { apiVersion: 'v1', kind: 'ConfigMap' }, validations: [{ expression: "!has(object.data) || !(params.data.forbidden in object.data)", messageExpression: "'key ' + params.data.forbidden + ' is forbidden'" }] },
      ['Warn'],
      { paramRef: { selector: { matchLabels: { param: 'yes' } }, parameterNotFoundAction: 'Allow' } },
    );
    const r = await vap.validate(attrs({ metadata: { name: 'c8', namespace: 'default' }, data: { x: '1', y: '2' } }));
    expect(r.warnings).toEqual([
      `Validation failed for ValidatingAdmissionPolicy 'sel' with binding 'sel-b': key x is forbidden`,
      `Validation failed for ValidatingAdmissionPolicy 'sel' with binding 'sel-b': key y is forbidden`,
    ]);
    clear();
  });
});
