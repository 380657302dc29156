// ValidatingAdmissionPolicy over HTTP, as kubectl sees it: status.typeChecking after create and
// update (a typo warned about, a correct policy with none), the CEL cost limits denying per
// failurePolicy, and Audit bindings letting the write through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const VAP = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies';
const VAPB = '/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

function policy(name: string, spec: Record<string, unknown>, resources = [{ apiGroups: ['apps'], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['deployments'] }]) {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', metadata: { name }, spec: { matchConstraints: { resourceRules: resources }, ...spec } };
}
function binding(name: string, policyName: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', metadata: { name }, spec: { policyName, validationActions: ['Deny'], ...spec } };
}
function deployment(name: string, replicas: number) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
  };
}

/** GET the policy until the status controller has seen its generation. */
async function statusOf(name: string): Promise<any> {
  for (let i = 0; i < 100; i++) {
    const p = (await api().get(`${VAP}/${name}`).expect(200)).body;
    if (p.status?.observedGeneration === p.metadata.generation) return p.status;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no status for ${name}`);
}

describe('status.typeChecking', () => {
  it('warns about an undefined field, worded as cel-go, and is empty for a correct policy', async () => {
    await api().post(VAP).send(policy('typo', { validations: [{ expression: 'object.replicass > 1' }] })).expect(201);
    await api().post(VAP).send(policy('good', { validations: [{ expression: 'object.spec.replicas <= 5', messageExpression: '"too many: " + string(object.spec.replicas)' }] })).expect(201);
    const st = await statusOf('typo');
    expect(st).toEqual({
      observedGeneration: 1,
      typeChecking: {
        expressionWarnings: [
          { fieldRef: 'spec.validations[0].expression', warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:7: undefined field 'replicass'\n | object.replicass > 1\n | ......^\n" },
        ],
      },
    });
    expect(await statusOf('good')).toEqual({ observedGeneration: 1, typeChecking: {} });
  });

  it('checks again when the policy changes, messageExpressions and variables included', async () => {
    const cur = (await api().get(`${VAP}/good`).expect(200)).body;
    cur.spec.variables = [{ name: 'replicas', expression: 'object.spec.replicas' }];
    cur.spec.validations = [
      { expression: 'variables.replicas <= 5', messageExpression: 'object.spec.replicas + " replicas"' },
      { expression: 'object.spec.template.spec.containers.all(c, c.imag != "")' },
    ];
    await api().put(`${VAP}/good`).send(cur).expect(200);
    const st = await statusOf('good');
    expect(st.observedGeneration).toBe(2);
    expect(st.typeChecking.expressionWarnings).toEqual([
      {
        fieldRef: 'spec.validations[0].messageExpression',
        warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:22: found no matching overload for '_+_' applied to '(int, string)'\n | object.spec.replicas + \" replicas\"\n | .....................^\n",
      },
      {
        fieldRef: 'spec.validations[1].expression',
        warning: "apps/v1, Kind=Deployment: ERROR: <input>:1:46: undefined field 'imag'\n | object.spec.template.spec.containers.all(c, c.imag != \"\")\n | .............................................^\n",
      },
    ]);
  });

  it('checks each matched kind, params of the paramKind, request and namespaceObject; skips wildcards', async () => {
    const rules = [{ apiGroups: ['', 'apps'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps', 'deployments'] }];
    await api()
      .post(VAP)
      .send(
        policy(
          'multi',
          {
            paramKind: { apiVersion: 'v1', kind: 'ConfigMap' },
            validations: [
              { expression: 'object.metadata.name != params.data.forbidden' },
              { expression: 'has(object.data)' },
              { expression: 'request.userInfo.usrname == "x"' },
              { expression: 'namespaceObject == null || namespaceObject.metadata.labels["env"] != "prod"' },
              { expression: 'oldObject == null || object.metadata.name == oldObject.metadata.name' },
            ],
          },
          rules,
        ),
      )
      .expect(201);
    const st = await statusOf('multi');
    const w = st.typeChecking.expressionWarnings;
    expect(w.map((x: any) => x.fieldRef)).toEqual(['spec.validations[1].expression', 'spec.validations[2].expression']);
    expect(w[0].warning).toBe("apps/v1, Kind=Deployment: ERROR: <input>:1:11: undefined field 'data'\n | has(object.data)\n | ..........^\n");
    expect(w[1].warning.split('\n\n')).toHaveLength(2);
    expect(w[1].warning).toMatch(/^\/v1, Kind=ConfigMap: ERROR: <input>:1:17: undefined field 'usrname'/);
    expect(w[1].warning).toContain("\napps/v1, Kind=Deployment: ERROR: <input>:1:17: undefined field 'usrname'");

    await api().post(VAP).send(policy('wild', { validations: [{ expression: 'object.anything' }] }, [{ apiGroups: ['*'], apiVersions: ['*'], operations: ['*'], resources: ['*'] }])).expect(201);
    expect(await statusOf('wild')).toEqual({ observedGeneration: 1, typeChecking: {} });
  });

  it('checks custom resources against their CRD schema', async () => {
    await api()
      .post('/apis/apiextensions.k8s.io/v1/customresourcedefinitions')
      .send({
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'widgets.example.com' },
        spec: {
          group: 'example.com',
          scope: 'Namespaced',
          names: { plural: 'widgets', singular: 'widget', kind: 'Widget' },
          versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { size: { type: 'integer' } } } } } } }],
        },
      })
      .expect(201);
    let served = false;
    for (let i = 0; i < 100 && !served; i++) {
      served = (await api().get('/apis/example.com/v1')).status === 200;
      if (!served) await new Promise((r) => setTimeout(r, 20));
    }
    const rules = [{ apiGroups: ['example.com'], apiVersions: ['v1'], operations: ['CREATE'], resources: ['widgets'] }];
    await api().post(VAP).send(policy('widgets', { validations: [{ expression: 'object.spec.size < 10' }, { expression: 'object.spec.sise < 10' }] }, rules)).expect(201);
    const st = await statusOf('widgets');
    expect(st.typeChecking.expressionWarnings).toEqual([
      { fieldRef: 'spec.validations[1].expression', warning: "example.com/v1, Kind=Widget: ERROR: <input>:1:12: undefined field 'sise'\n | object.spec.sise < 10\n | ...........^\n" },
    ]);
  });

  it('never changes what the policy does: a warned policy still evaluates', async () => {
    await api().post(VAPB).send(binding('typo-b', 'typo')).expect(201);
    const r = await api().post(DEPLOYS).send(deployment('d1', 1)).expect(422);
    expect(r.body.message).toBe(
      "deployments.apps \"d1\" is forbidden: ValidatingAdmissionPolicy 'typo' with binding 'typo-b' denied request: expression 'object.replicass > 1' resulted in error: no such key: replicass",
    );
    await api().delete(`${VAPB}/typo-b`).expect(200);
  });
});

// a list of 100 values: nested comprehensions over it cost 100^depth steps
const L = `[${Array.from({ length: 100 }, (_, i) => i).join(', ')}]`;

describe('CEL cost', () => {
  it('cancels an expression past the per-call limit, per failurePolicy', async () => {
    const heavy = `${L}.all(a, ${L}.all(b, ${L}.all(c, c >= 0)))`;
    const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
    await api().post(VAP).send(policy('costly', { validations: [{ expression: heavy }] }, rules)).expect(201);
    await api().post(VAPB).send(binding('costly-b', 'costly')).expect(201);
    const r = await api().post(CMS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } }).expect(422);
    expect(r.body.message).toBe(
      `configmaps "c1" is forbidden: ValidatingAdmissionPolicy 'costly' with binding 'costly-b' denied request: expression '${heavy}' resulted in error: operation cancelled: actual cost limit exceeded`,
    );
    const cur = (await api().get(`${VAP}/costly`).expect(200)).body;
    cur.spec.failurePolicy = 'Ignore';
    await api().put(`${VAP}/costly`).send(cur).expect(200);
    await api().post(CMS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c1' } }).expect(201);
    await api().delete(`${VAPB}/costly-b`).expect(200);
  });

  it('stops an evaluation that runs out of the runtime budget', async () => {
    // each expression about 540,000: under the per-call limit, 20 of them past the 10,000,000 budget
    const L300 = `[${Array.from({ length: 300 }, (_, i) => i).join(', ')}]`;
    const each = `${L300}.all(a, ${L300}.all(b, b >= 0 && a >= 0))`;
    const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
    await api()
      .post(VAP)
      .send(policy('budget', { validations: Array.from({ length: 20 }, () => ({ expression: each })) }, rules))
      .expect(201);
    await api().post(VAPB).send(binding('budget-b', 'budget')).expect(201);
    const r = await api().post(CMS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c2' } }).expect(422);
    expect(r.body.message).toBe(
      "configmaps \"c2\" is forbidden: ValidatingAdmissionPolicy 'budget' with binding 'budget-b' denied request: validation failed due to running out of cost budget, no further validation rules will be run",
    );
    await api().delete(`${VAPB}/budget-b`).expect(200);
  }, 30_000);
});

describe('validationActions', () => {
  it('Audit lets the write through; Warn returns the warning header', async () => {
    const rules = [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['configmaps'] }];
    await api()
      .post(VAP)
      .send(policy('audited', { validations: [{ expression: "object.metadata.name != 'bad'", message: 'no bad' }], auditAnnotations: [{ key: 'who', valueExpression: 'request.userInfo.username' }] }, rules))
      .expect(201);
    await api().post(VAPB).send(binding('audited-b', 'audited', { validationActions: ['Audit'] })).expect(201);
    await api().post(CMS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' } }).expect(201);
    await api().delete(`${VAPB}/audited-b`).expect(200);
    await api().post(VAPB).send(binding('audited-w', 'audited', { validationActions: ['Warn', 'Audit'] })).expect(201);
    await api().delete(`${CMS}/bad`).expect(200);
    const w = await api().post(CMS).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'bad' } }).expect(201);
    expect(w.headers.warning).toBe(`299 - "Validation failed for ValidatingAdmissionPolicy 'audited' with binding 'audited-w': no bad"`);
  });
});
