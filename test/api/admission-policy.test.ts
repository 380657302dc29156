// ValidatingAdmissionPolicy over HTTP: the kinds (defaults, validation with CEL compile errors,
// table), and policies refusing and warning on writes through their bindings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const VAP = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
const VAPB = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

function policy(name: string, spec: Record<string, unknown>) {
  return {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name },
    spec: {
      matchConstraints: { resourceRules: [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }] },
      ...spec,
    },
  };
}
function binding(name: string, policyName: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } };
}
function deployment(name: string, replicas: number, labels: Record<string, string> = {}) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}
async function cleanup(): Promise<void> {
  await api().delete(VAPB).expect(200);
  await api().delete(VAP).expect(200);
  await api().delete(DEPLOYS).expect(200);
}

describe('the kinds', () => {
  it('defaults failurePolicy and matchConstraints', async () => {
    const r = await api().post(VAP).send(policy('defaults', { validations: [{ expression: 'true' }] })).expect(201);
    expect(r.body.spec.failurePolicy).toBe('Fail');
    expect(r.body.spec.matchConstraints).toMatchObject({ matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} });
    expect(r.body.spec.matchConstraints.resourceRules[0].scope).toBe('*');
    expect(r.body.metadata.generation).toBe(1);
    expect(r.body.status).toBeUndefined();
    // the status controller: observedGeneration and typeChecking
    let st: any;
    for (let i = 0; i < 50 && !st?.observedGeneration; i++) {
      st = (await api().get(`${VAP}/defaults/status`).expect(200)).body.status;
      if (!st?.observedGeneration) await new Promise((res) => setTimeout(res, 20));
    }
    expect(st).toEqual({ observedGeneration: 1, typeChecking: {} });
    const b = await api().post(VAPB).send(binding('defaults', 'defaults', { matchResources: {} })).expect(201);
    expect(b.body.spec.matchResources).toEqual({ matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {} });
    await cleanup();
  });

  it('refuses an expression that does not compile, under spec.validations[i].expression', async () => {
    const r = await api().post(VAP).send(policy('bad', { validations: [{ expression: 'object.spec.replicas <' }] })).expect(422);
    expect(r.body.reason).toBe('Invalid');
    const c = r.body.details.causes.find((x: any) => x.field === 'spec.validations[0].expression');
    expect(c.message).toMatch(/^Invalid value: "object.spec.replicas <": compilation failed: ERROR: <input>:1:/);
  });

  it('requires rules and validations, and checks reasons and actions', async () => {
    const r = await api()
      .post(VAP)
      .send({ apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name: 'empty' }, spec: {} })
      .expect(422);
    const fields = r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(fields).toContain('spec.matchConstraints: Required value');
    expect(fields).toContain('spec.validations: Required value: validations or auditAnnotations must contain at least one item');
    const r2 = await api().post(VAP).send(policy('reason', { validations: [{ expression: 'true', reason: 'Nope' }] })).expect(422);
    expect(r2.body.details.causes[0].message).toBe('Unsupported value: "Nope": supported values: "Forbidden", "Invalid", "RequestEntityTooLarge", "Unauthorized"');
    const b = await api().post(VAPB).send(binding('both', 'x', { validationActions: ['Deny', 'Warn'] })).expect(422);
    expect(b.body.details.causes[0].message).toContain('must not contain both Deny and Warn');
    const b2 = await api().post(VAPB).send(binding('noactions', 'x', { validationActions: [] })).expect(422);
    expect(b2.body.details.causes.map((c: any) => c.field)).toContain('spec.validationActions');
  });

  it('prints NAME VALIDATIONS PARAMKIND AGE and NAME POLICYNAME PARAMREF AGE', async () => {
    await api().post(VAP).send(policy('table', { validations: [{ expression: 'true' }, { expression: 'true' }], paramKind: { apiVersion: 'v1', kind: 'ConfigMap' } })).expect(201);
    await api().post(VAPB).send(binding('table', 'table', { paramRef: { name: 'cfg', namespace: 'default', parameterNotFoundAction: 'Allow' } })).expect(201);
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io';
    const t = await api().get(VAP).set('Accept', accept).expect(200);
    expect(t.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Validations', 'ParamKind', 'Age']);
    expect(t.body.rows[0].cells.slice(0, 3)).toEqual(['table', 2, 'v1/ConfigMap']);
    const tb = await api().get(VAPB).set('Accept', accept).expect(200);
    expect(tb.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'PolicyName', 'ParamRef', 'Age']);
    expect(tb.body.rows[0].cells.slice(0, 3)).toEqual(['table', 'table', 'default/cfg']);
    await cleanup();
  });
});

describe('evaluation', () => {
  it('denies a Deployment create with the policy message', async () => {
    await api().post(VAP).send(policy('max-replicas', { validations: [{ expression: 'object.spec.replicas <= 5', message: 'replicas must be no greater than 5' }] })).expect(201);
    await api().post(VAPB).send(binding('max-replicas-binding', 'max-replicas')).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('big', 10)).expect(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toBe(
      `deployments.apps "big" is forbidden: ValidatingAdmissionPolicy 'max-replicas' with binding 'max-replicas-binding' denied request: replicas must be no greater than 5`,
    );
    expect(r.body.details).toMatchObject({ name: 'big', group: 'apps', kind: 'deployments' });
    await api().post(DEPLOYS).send(deployment('small', 2)).expect(201);
    await cleanup();
  });

  it('uses messageExpression, reason codes and failed expression text', async () => {
    await api()
      .post(VAP)
      .send(
        policy('msgs', {
          validations: [
            { expression: "object.metadata.name != 'forbidden'", reason: 'Forbidden', messageExpression: "'name ' + object.metadata.name + ' is not allowed'" },
            { expression: 'object.spec.replicas < 100' },
          ],
        }),
      )
      .expect(201);
    await api().post(VAPB).send(binding('msgs', 'msgs')).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('forbidden', 1)).expect(403);
    expect(r.body.message).toContain("denied request: name forbidden is not allowed");
    const r2 = await api().post(DEPLOYS).send(deployment('huge', 200)).expect(422);
    expect(r2.body.message).toContain('denied request: failed expression: object.spec.replicas < 100');
    await cleanup();
  });

  it('warns with Warn and lets the write through', async () => {
    await api().post(VAP).send(policy('warn', { validations: [{ expression: 'object.spec.replicas <= 5', message: 'too many' }] })).expect(201);
    await api().post(VAPB).send(binding('warn-b', 'warn', { validationActions: ['Warn'] })).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('warned', 9)).expect(201);
    expect(r.headers.warning).toContain(`Validation failed for ValidatingAdmissionPolicy 'warn' with binding 'warn-b': too many`);
    await cleanup();
  });

  it('reads params and variables, and follows parameterNotFoundAction', async () => {
    await api()
      .post('/api/v1/namespaces/default/configmaps')
      .send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'limits', labels: { limits: 'yes' } }, data: { max: '3' } })
      .expect(201);
    await api()
      .post(VAP)
      .send(
        policy('params', {
          paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
          variables: [{ name: 'max', expression: 'int(params.data.max)' }],
          validations: [{ expression: 'object.spec.replicas <= variables.max', messageExpression: "'at most ' + string(variables.max) + ' replicas'" }],
        }),
      )
      .expect(201);
    await api().post(VAPB).send(binding('params-b', 'params', { paramRef: { name: 'limits', parameterNotFoundAction: 'Deny' } })).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('p4', 4)).expect(422);
    expect(r.body.message).toContain('denied request: at most 3 replicas');
    await api().post(DEPLOYS).send(deployment('p3', 3)).expect(201);
    // a missing param with Deny: a configuration failure
    await api().delete('/api/v1/namespaces/default/configmaps/limits').expect(200);
    const r2 = await api().post(DEPLOYS).send(deployment('p1', 1)).expect(422);
    expect(r2.body.message).toContain('failed to configure binding: no params found for policy binding with `Deny` parameterNotFoundAction');
    await cleanup();
  });

  it('follows the failure policy on evaluation errors, and skips what matchConditions exclude', async () => {
    await api()
      .post(VAP)
      .send(policy('errs', { validations: [{ expression: "object.metadata.labels['team'] == 'a'" }], matchConditions: [{ name: 'not-skipped', expression: "object.metadata.name != 'skipped'" }] }))
      .expect(201);
    await api().post(VAPB).send(binding('errs', 'errs')).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('nolabels', 1)).expect(422);
    expect(r.body.message).toContain(`denied request: expression 'object.metadata.labels['team'] == 'a'' resulted in error: no such key: labels`);
    await api().post(DEPLOYS).send(deployment('skipped', 1)).expect(201);
    await api().patch(`${VAP}/errs`).set('Content-Type', 'application/merge-patch+json').send({ spec: { failurePolicy: 'Ignore' } }).expect(200);
    await api().post(DEPLOYS).send(deployment('nolabels', 1)).expect(201);
    await cleanup();
  });

  it('uses the binding matchResources and the policy objectSelector', async () => {
    await api()
      .post(VAP)
      .send(policy('sel', { validations: [{ expression: 'false', message: 'no' }] }))
      .expect(201);
    await api().post(VAPB).send(binding('sel', 'sel', { matchResources: { objectSelector: { matchLabels: { guarded: 'true' } } } })).expect(201);
    await api().post(DEPLOYS).send(deployment('free', 1)).expect(201);
    await api().post(DEPLOYS).send(deployment('guarded', 1, { guarded: 'true' })).expect(422);
    await cleanup();
  });
});
