// Null list elements and map values, as a client sees them: decoded to the zero value of the
// element type before validation (encoding/json into Go structs), on create, update, every patch
// type, JSON and YAML bodies; what validation then says is upstream's wording for the zero value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const SVC = '/api/v1/namespaces/default/services';
const STS = '/apis/apps/v1/namespaces/default/statefulsets';
const PODS = '/api/v1/namespaces/default/pods';

// ServicePort{} after defaulting: port 0, targetPort 0 (= port), protocol TCP; two ports need names
const PORTS_INVALID = (name: string) =>
  `Service "${name}" is invalid: [spec.ports[0].name: Required value, spec.ports[1].name: Required value, ` +
  'spec.ports[1].port: Invalid value: 0: must be between 1 and 65535, inclusive, ' +
  'spec.ports[1].targetPort: Invalid value: 0: must be between 1 and 65535, inclusive]';

const svc = (name: string, ports: unknown[]) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports } });

function expectInvalid(res: request.Response, message: string): void {
  expect(res.status).toBe(422);
  expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, message });
}

describe('a null element of spec.ports', () => {
  beforeAll(async () => {
    await api().post(SVC).send(svc('live', [{ port: 80 }])).expect(201);
  });

  it('create (JSON): 422, the element is a zero ServicePort', async () => {
    const res = await api().post(SVC).send(svc('x', [{ port: 80 }, null]));
    expectInvalid(res, PORTS_INVALID('x'));
    expect(res.body.details.causes).toContainEqual({ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be between 1 and 65535, inclusive', field: 'spec.ports[1].port' });
    await api().get(`${SVC}/x`).expect(404);
  });

  it('create (YAML `- null`)', async () => {
    const yaml = 'apiVersion: v1\nkind: Service\nmetadata:\n  name: y\nspec:\n  ports:\n  - port: 80\n  - null\n';
    expectInvalid(await api().post(SVC).set('Content-Type', 'application/yaml').send(yaml), PORTS_INVALID('y'));
  });

  it('update (PUT)', async () => {
    const live = (await api().get(`${SVC}/live`).expect(200)).body;
    live.spec.ports = [...live.spec.ports, null];
    expectInvalid(await api().put(`${SVC}/live`).send(live), PORTS_INVALID('live'));
  });

  it('JSON patch adding null', async () => {
    const res = await api().patch(`${SVC}/live`).set('Content-Type', 'application/json-patch+json').send([{ op: 'add', path: '/spec/ports/-', value: null }]);
    expectInvalid(res, PORTS_INVALID('live'));
  });

  it('merge patch', async () => {
    const res = await api().patch(`${SVC}/live`).set('Content-Type', 'application/merge-patch+json').send({ spec: { ports: [{ port: 80 }, null] } });
    expectInvalid(res, PORTS_INVALID('live'));
  });

  it('strategic merge patch: the merge of a keyed list refuses a null element (500, as strategicpatch mergeSlice)', async () => {
    const res = await api().patch(`${SVC}/live`).set('Content-Type', 'application/strategic-merge-patch+json').send({ spec: { ports: [{ port: 81 }, null] } });
    expect(res.status).toBe(500);
    expect(res.body.message).toBe('list element types are not identical: [[map[port:80 protocol:TCP targetPort:80]] [map[port:81] <nil>]]');
  });

  it('apply: a keyed list may not have a null element (500, structured-merge-diff)', async () => {
    const res = await api()
      .patch(`${SVC}/z?fieldManager=test`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send('apiVersion: v1\nkind: Service\nmetadata:\n  name: z\nspec:\n  ports:\n  - port: 80\n  - null\n');
    expect(res.status).toBe(500);
    expect(res.body.message).toBe('failed to create typed patch object (/z; /v1, Kind=Service): .spec.ports: element 1: associative list with keys may not have a null element');
  });

  it('the stored Service is unchanged and the server still serves', async () => {
    const live = (await api().get(`${SVC}/live`).expect(200)).body;
    expect(live.spec.ports).toEqual([{ port: 80, protocol: 'TCP', targetPort: 80 }]);
  });
});

describe('a null map value', () => {
  const sts = (name: string, matchLabels: unknown, templateLabels: Record<string, string>) => ({
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name },
    spec: { selector: { matchLabels }, template: { metadata: { labels: templateLabels }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });

  it('matchLabels {app: null} is app: "" (create)', async () => {
    const res = await api().post(STS).send(sts('empty', { app: null }, { app: '' })).expect(201);
    expect(res.body.spec.selector.matchLabels).toEqual({ app: '' });
    expect((await api().get(`${STS}/empty`).expect(200)).body.spec.selector.matchLabels).toEqual({ app: '' });
  });

  it('... which then must match the template labels as upstream validates it', async () => {
    const res = await api().post(STS).send(sts('mismatch', { app: null }, { app: 'a' }));
    expectInvalid(res, 'StatefulSet.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: map[string]string{"app":"a"}: `selector` does not match template `labels`');
  });

  it('JSON patch gives "" too; merge patches delete the key instead (RFC 7386)', async () => {
    await api().post(STS).send(sts('jp', { app: 'a' }, { app: 'a' })).expect(201);
    const res = await api()
      .patch(`${STS}/jp`)
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/spec/selector/matchLabels/app', value: null }]);
    // the selector is immutable: the decoded "" is what is compared
    expect(res.status).toBe(422);
    expect(res.body.message).toContain('spec: Forbidden: updates to statefulset spec for fields other than');
    await api().post('/api/v1/namespaces/default/configmaps').send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm' }, data: { k: 'v' } }).expect(201);
    const cm = await api()
      .patch('/api/v1/namespaces/default/configmaps/cm')
      .set('Content-Type', 'application/json-patch+json')
      .send([
        { op: 'add', path: '/metadata/labels', value: { a: null } },
        { op: 'replace', path: '/data/k', value: null },
        { op: 'add', path: '/binaryData', value: { b: null } },
      ])
      .expect(200);
    expect(cm.body.metadata.labels).toEqual({ a: '' });
    expect(cm.body.data).toEqual({ k: '' });
    expect(cm.body.binaryData).toEqual({ b: '' });
    const merged = await api().patch('/api/v1/namespaces/default/configmaps/cm').set('Content-Type', 'application/merge-patch+json').send({ data: { k: null } }).expect(200);
    expect(merged.body.data?.k).toBeUndefined();
  });

  it('resource quantities: a null limit is the zero Quantity "0"', async () => {
    const res = await api()
      .post(PODS)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' }, spec: { containers: [{ name: 'c', image: 'i', resources: { limits: { cpu: null } } }] } })
      .expect(201);
    expect(res.body.spec.containers[0].resources.limits).toEqual({ cpu: '0' });
  });
});

describe('null elements elsewhere', () => {
  const affinityPod = (name: string, expr: unknown) => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: {
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [expr] }] } } },
      containers: [{ name: 'c', image: 'i' }],
    },
  });
  const EXPR = 'spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0]';
  const NAME_REGEX =
    "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  const EXPR_INVALID = (name: string) =>
    `Pod "${name}" is invalid: [${EXPR}.operator: Invalid value: "": not a valid selector operator, ` +
    `${EXPR}.key: Invalid value: "": name part must be non-empty, ${EXPR}.key: Invalid value: "": ${NAME_REGEX}]`;

  it('a null NodeSelectorRequirement is one with no key and no operator (create)', async () => {
    expectInvalid(await api().post(PODS).send(affinityPod('aff', null)), EXPR_INVALID('aff'));
  });

  it('... and through a strategic merge patch (an atomic list is replaced)', async () => {
    await api().post(PODS).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'plain' }, spec: { containers: [{ name: 'c', image: 'i' }] } }).expect(201);
    const res = await api()
      .patch(`${PODS}/plain`)
      .set('Content-Type', 'application/strategic-merge-patch+json')
      .send({ spec: { affinity: affinityPod('', null).spec.affinity } });
    expect(res.status).toBe(422);
    expect(res.body.message).toContain(`${EXPR}.operator: Invalid value: "": not a valid selector operator`);
  });

  it('... and through apply (an atomic list takes a null element)', async () => {
    const res = await api()
      .patch(`${PODS}/aff2?fieldManager=test`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(JSON.stringify(affinityPod('aff2', null)));
    expectInvalid(res, EXPR_INVALID('aff2'));
  });

  it('a null volumeClaimTemplate is the zero PersistentVolumeClaim, which upstream does not validate', async () => {
    const res = await api()
      .post(STS)
      .send({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'vct' },
        spec: { selector: { matchLabels: { app: 'v' } }, volumeClaimTemplates: [null], template: { metadata: { labels: { app: 'v' } }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
      })
      .expect(201);
    expect(res.body.spec.volumeClaimTemplates).toHaveLength(1);
    expect(res.body.spec.volumeClaimTemplates[0]).not.toBeNull();
  });

  it('a null string element is "" (container args)', async () => {
    const res = await api()
      .post(PODS)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'args' }, spec: { containers: [{ name: 'c', image: 'i', args: [null, 'x'] }] } })
      .expect(201);
    expect(res.body.spec.containers[0].args).toEqual(['', 'x']);
  });

  it('a null imagePullSecret is the zero reference, which upstream accepts', async () => {
    const res = await api()
      .post(PODS)
      .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'ips' }, spec: { imagePullSecrets: [null], containers: [{ name: 'c', image: 'i' }] } })
      .expect(201);
    expect(res.body.spec.imagePullSecrets).toEqual([{}]);
  });

  it('a null toleration is the zero Toleration', async () => {
    const res = await api().post(PODS).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tol' }, spec: { tolerations: [null], containers: [{ name: 'c', image: 'i' }] } });
    expectInvalid(res, 'Pod "tol" is invalid: spec.tolerations[0].operator: Invalid value: "": operator must be Exists when `key` is empty, which means "match all values and all keys"');
  });

  it('what the schema leaves open keeps its nulls (ControllerRevision data)', async () => {
    const res = await api()
      .post('/apis/apps/v1/namespaces/default/controllerrevisions')
      .send({ apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { a: [null], b: null } })
      .expect(201);
    expect(res.body.data).toEqual({ a: [null], b: null });
  });
});
