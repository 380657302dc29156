// Request bodies and parameters upstream refuses, and the smaller fidelity gaps around them:
// []byte decoding (Go's base64.StdEncoding inside encoding/json), scale bodies, fieldManager,
// list / log query parameters, resourceVersion "0", wrong kinds in a body.
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

const badRequest = (message: string) => ({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'BadRequest', code: 400 });

describe('[]byte fields decode as Go does', () => {
  const cmWith = (name: string, binaryData: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, binaryData });
  const secretWith = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Secret', metadata: { name }, data });

  it.each([
    ['not-base64!', 3],
    ['abc', 0], // padding is required
    ['YWJjZA=', 7], // not enough padding
    ['YQ==YQ==', 4], // trailing garbage after the padding
    ['Y===', 1],
    ['YWJj ZA==', 4],
  ])('ConfigMap binaryData %j: 400 at input byte %i', async (value, at) => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(cmWith('bin', { k: value })).expect(400);
    expect(res.body).toEqual(badRequest(`ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte ${at}`));
  });

  it('Secret data garbage: 400 (a decode error, not 422)', async () => {
    const res = await api().post('/api/v1/namespaces/default/secrets').send(secretWith('s-bad', { k: 'a$b' })).expect(400);
    expect(res.body).toEqual(badRequest('Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 1'));
  });

  it('newlines are skipped, and the value is served in canonical form', async () => {
    const res = await api().post('/api/v1/namespaces/default/secrets').send(secretWith('s-nl', { k: 'YWJj\r\nZA==\n', b: 'YR==' })).expect(201);
    expect(res.body.data).toEqual({ k: 'YWJjZA==', b: 'YQ==' });
    const got = await api().get('/api/v1/namespaces/default/secrets/s-nl').expect(200);
    expect(got.body.data).toEqual({ k: 'YWJjZA==', b: 'YQ==' });
    const c = await api().post('/api/v1/namespaces/default/configmaps').send(cmWith('bin-nl', { k: 'YW\nJj' })).expect(201);
    expect(c.body.binaryData).toEqual({ k: 'YWJj' });
  });

  it('an update is decoded the same way', async () => {
    const res = await api().put('/api/v1/namespaces/default/configmaps/bin-nl').send(cmWith('bin-nl', { k: 'YWJ' })).expect(400);
    expect(res.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: illegal base64 data at input byte 0');
  });
});

describe('a body of another kind or version', () => {
  const ns = (name: string, extra: Record<string, unknown> = {}) => ({ metadata: { name }, ...extra });

  it('no kind and no apiVersion: both default from the URL (JSON and YAML)', async () => {
    const res = await api().post('/api/v1/namespaces').send(ns('tm-bare')).expect(201);
    expect(res.body).toMatchObject({ kind: 'Namespace', apiVersion: 'v1' });
    await api().post('/api/v1/namespaces').set('Content-Type', 'application/yaml').send('metadata:\n  name: tm-bare-yaml\n').expect(201);
  });

  it('a registered kind of another type fails its conversion', async () => {
    const res = await api().post('/api/v1/namespaces').send(ns('tm-pod', { kind: 'Pod', apiVersion: 'v1' })).expect(400);
    expect(res.body).toEqual(badRequest('Pod in version "v1" cannot be handled as a Namespace: converting (v1.Pod) to (core.Namespace): unknown conversion'));
    const sts = await api()
      .post('/api/v1/namespaces/default/configmaps')
      .send({ kind: 'StatefulSet', apiVersion: 'apps/v1', metadata: { name: 'tm-sts' } })
      .expect(400);
    expect(sts.body.message).toBe('StatefulSet in version "v1" cannot be handled as a ConfigMap: converting (v1.StatefulSet) to (core.ConfigMap): unknown conversion');
    const cm = await api().put('/apis/apps/v1/namespaces/default/statefulsets/x').send({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'x' } }).expect(400);
    expect(cm.body.message).toBe('ConfigMap in version "v1" cannot be handled as a StatefulSet: converting (v1.ConfigMap) to (apps.StatefulSet): unknown conversion');
    // the apiVersion defaults from the URL: apps/v1 has no ConfigMap
    const bare = await api().put('/apis/apps/v1/namespaces/default/statefulsets/x').send({ kind: 'ConfigMap', metadata: { name: 'x' } }).expect(400);
    expect(bare.body.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a StatefulSet: no kind "ConfigMap" is registered for version "apps/v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
    );
  });

  it('a kind nobody registered, or a version that does not exist', async () => {
    const res = await api().post('/api/v1/namespaces').send(ns('tm-foo', { kind: 'Foo' })).expect(400);
    expect(res.body).toEqual(
      badRequest('Foo in version "v1" cannot be handled as a Namespace: no kind "Foo" is registered for version "v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"'),
    );
    const v2 = await api().post('/api/v1/namespaces').send(ns('tm-v2', { kind: 'Namespace', apiVersion: 'apps/v1' })).expect(400);
    expect(v2.body.message).toBe(
      'Namespace in version "v1" cannot be handled as a Namespace: no kind "Namespace" is registered for version "apps/v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
    );
    await api().get('/api/v1/namespaces/tm-foo').expect(404);
  });

  it('strict decoding of a body without kind names the URL kind', async () => {
    const res = await api().post('/api/v1/namespaces?fieldValidation=Strict').send(ns('tm-strict', { spec: { bogus: 1 } })).expect(400);
    expect(res.body.message).toBe('Namespace in version "v1" cannot be handled as a Namespace: strict decoding error: unknown field "spec.bogus"');
  });
});

describe('statefulsets/scale bodies', () => {
  const STS = '/apis/apps/v1/namespaces/default/statefulsets';
  const scale = (name: string, replicas?: unknown, extra: Record<string, unknown> = {}) => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace: 'default', ...extra },
    spec: replicas === undefined ? {} : { replicas },
  });
  const replicas = async () => (await api().get(`${STS}/web`).expect(200)).body.spec.replicas;

  beforeAll(async () => {
    await api()
      .post(STS)
      .send({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'web' },
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web' } },
          serviceName: 'web',
          template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        },
      })
      .expect(201);
  });

  it('a Scale naming another object: 400, nothing scaled', async () => {
    const res = await api().put(`${STS}/web/scale`).send(scale('other', 5)).expect(400);
    expect(res.body).toEqual(badRequest('the name of the object (other) does not match the name on the URL (web)'));
    const bare = await api().put(`${STS}/web/scale`).send({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 5 } }).expect(400);
    expect(bare.body.message).toBe('the name of the object (web based on URL) was undeterminable: name must be provided');
    const ns = await api().put(`${STS}/web/scale`).send(scale('web', 5, { namespace: 'kube-system' })).expect(400);
    expect(ns.body.message).toBe('the namespace of the object (kube-system) does not match the namespace on the request (default)');
    expect(await replicas()).toBe(3);
  });

  it('a body that is not a Scale fails decoding: 400, nothing scaled', async () => {
    const live = (await api().get(`${STS}/web`).expect(200)).body;
    const res = await api().put(`${STS}/web/scale`).send({ ...live, spec: { ...live.spec, replicas: 0 } }).expect(400);
    expect(res.body).toEqual(badRequest('StatefulSet in version "v1" cannot be handled as a Scale: converting (v1.StatefulSet) to (autoscaling.Scale): unknown conversion'));
    const wrongGroup = await api().put(`${STS}/web/scale`).send({ ...scale('web', 1), apiVersion: 'apps/v1' }).expect(400);
    expect(wrongGroup.body.message).toBe(
      'Scale in version "v1" cannot be handled as a Scale: no kind "Scale" is registered for version "apps/v1" in scheme "k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30"',
    );
    const str = await api().put(`${STS}/web/scale`).send(scale('web', '2')).expect(400);
    expect(str.body.message).toBe('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
    expect(await replicas()).toBe(3);
  });

  it('negative replicas: 422 on the Scale', async () => {
    const res = await api().put(`${STS}/web/scale`).send(scale('web', -1)).expect(422);
    expect(res.body.message).toBe('Scale.autoscaling "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0');
    expect(await replicas()).toBe(3);
  });

  it('a kind-less body defaults to Scale; no spec.replicas means 0 (int32, omitempty)', async () => {
    const res = await api().put(`${STS}/web/scale`).send({ metadata: { name: 'web' }, spec: { replicas: 2 } }).expect(200);
    expect(res.body).toMatchObject({ kind: 'Scale', spec: { replicas: 2 } });
    await api().put(`${STS}/web/scale`).send(scale('web')).expect(200);
    expect(await replicas()).toBe(0);
  });
});

describe('a PUT names its object', () => {
  it('a body without metadata.name is refused as checkName refuses it', async () => {
    await api().post('/api/v1/namespaces/default/configmaps').send({ metadata: { name: 'named' } }).expect(201);
    const res = await api().put('/api/v1/namespaces/default/configmaps/named').send({ data: { a: 'b' } }).expect(400);
    expect(res.body).toEqual(badRequest('the name of the object (named based on URL) was undeterminable: name must be provided'));
    const st = await api().put('/api/v1/namespaces/default/configmaps/named').send({ metadata: { name: 'other' } }).expect(400);
    expect(st.body.message).toBe('the name of the object (other) does not match the name on the URL (named)');
  });
});

describe('write options (ValidateCreateOptions / UpdateOptions / PatchOptions)', () => {
  const CMS = '/api/v1/namespaces/default/configmaps';
  const invalidOptions = (kind: string, message: string, causes: unknown[]) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${kind}.meta.k8s.io "" is invalid: ${message}`,
    reason: 'Invalid',
    details: { group: 'meta.k8s.io', kind, causes },
    code: 422,
  });

  beforeAll(async () => {
    await api().post(CMS).send({ metadata: { name: 'fm' } }).expect(201);
  });

  it('a fieldManager over 128 bytes: 422 on every write verb, nothing written', async () => {
    const long = 'm'.repeat(129);
    const tooLong = { reason: 'FieldValueTooLong', message: 'Too long: may not be more than 128 bytes', field: 'fieldManager' };
    const c = await api().post(CMS).query({ fieldManager: long }).send({ metadata: { name: 'fm-long' } }).expect(422);
    expect(c.body).toEqual(invalidOptions('CreateOptions', 'fieldManager: Too long: may not be more than 128 bytes', [tooLong]));
    await api().get(`${CMS}/fm-long`).expect(404);
    const u = await api().put(`${CMS}/fm`).query({ fieldManager: long }).send({ metadata: { name: 'fm' }, data: { a: 'b' } }).expect(422);
    expect(u.body.message).toBe('UpdateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    const p = await api().patch(`${CMS}/fm`).query({ fieldManager: long }).set('Content-Type', 'application/merge-patch+json').send({ data: { a: 'b' } }).expect(422);
    expect(p.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes');
    const a = await api()
      .patch(`${CMS}/fm`)
      .query({ fieldManager: long })
      .set('Content-Type', 'application/apply-patch+yaml')
      .send('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: fm\n')
      .expect(422);
    expect(a.body.details.kind).toBe('PatchOptions');
    expect((await api().get(`${CMS}/fm`).expect(200)).body.data).toBeUndefined();
    // exactly 128 is fine
    await api().post(CMS).query({ fieldManager: 'm'.repeat(128) }).send({ metadata: { name: 'fm-128' } }).expect(201);
  });

  it('non-printable characters, each reported at its byte position', async () => {
    const res = await api().post(CMS).query({ fieldManager: 'é\tx\u00a0' }).send({ metadata: { name: 'fm-np' } }).expect(422);
    expect(res.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: [fieldManager: Invalid value: "é\\tx\\u00a0": invalid character U+0009 (at position 2), fieldManager: Invalid value: "é\\tx\\u00a0": invalid character U+00A0 (at position 4)]',
    );
    await api().post(CMS).query({ fieldManager: 'kubectl edit ünïcode' }).send({ metadata: { name: 'fm-ok' } }).expect(201);
  });

  it('dryRun, fieldValidation and force are options errors too, reported together', async () => {
    const res = await api().post(CMS).query('dryRun=All&dryRun=Some&fieldValidation=strict').send({ metadata: { name: 'fm-dry' } }).expect(422);
    expect(res.body.message).toBe(
      'CreateOptions.meta.k8s.io "" is invalid: [dryRun: Unsupported value: ["All","Some"]: supported values: "All", fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"]',
    );
    const force = await api().patch(`${CMS}/fm`).query({ force: 'true' }).set('Content-Type', 'application/merge-patch+json').send({}).expect(422);
    expect(force.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
    const apply = await api().patch(`${CMS}/fm`).set('Content-Type', 'application/apply-patch+yaml').send('metadata:\n  name: fm\n').expect(422);
    expect(apply.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
  });
});

describe('list and log query parameters', () => {
  const CMS = '/api/v1/namespaces/default/configmaps';
  const listInvalid = (message: string) => expect.objectContaining({ code: 422, reason: 'Invalid', message: `ListOptions.meta.k8s.io "" is invalid: ${message}` });

  it.each([
    ['abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ['9223372036854775808', 'strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    ['1.5', 'strconv.ParseInt: parsing "1.5": invalid syntax'],
    ['', 'strconv.ParseInt: parsing "": invalid syntax'],
  ])('limit=%j: 400 with the conversion error', async (limit, message) => {
    const res = await api().get(CMS).query({ limit }).expect(400);
    expect(res.body).toEqual(badRequest(message));
  });

  it('a negative or int64-max limit lists everything', async () => {
    await api().get(CMS).query({ limit: '-5' }).expect(200);
    const res = await api().get(CMS).query({ limit: '9223372036854775807' }).expect(200);
    expect(res.body.metadata.continue).toBeUndefined();
  });

  it('resourceVersionMatch rules (ValidateListOptions): 422 ListOptions', async () => {
    const noRV = await api().get(CMS).query({ resourceVersionMatch: 'NotOlderThan' }).expect(422);
    expect(noRV.body).toEqual(listInvalid('resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided'));
    expect(noRV.body.details).toEqual({
      group: 'meta.k8s.io',
      kind: 'ListOptions',
      causes: [{ reason: 'FieldValueForbidden', message: 'Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided', field: 'resourceVersionMatch' }],
    });
    const bogus = await api().get(CMS).query({ resourceVersion: '1', resourceVersionMatch: 'Newest' }).expect(422);
    expect(bogus.body).toEqual(listInvalid('resourceVersionMatch: Unsupported value: "Newest": supported values: "Exact", "NotOlderThan", ""'));
    const exact0 = await api().get(CMS).query({ resourceVersion: '0', resourceVersionMatch: 'Exact' }).expect(422);
    expect(exact0.body).toEqual(listInvalid('resourceVersionMatch: Forbidden: resourceVersionMatch "exact" is forbidden for resourceVersion "0"'));
    const both = await api().get(CMS).query({ resourceVersionMatch: 'Latest', continue: 'x' }).expect(422);
    expect(both.body.message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided, resourceVersionMatch: Forbidden: resourceVersionMatch is forbidden when continue is provided, resourceVersionMatch: Unsupported value: "Latest": supported values: "Exact", "NotOlderThan", ""]',
    );
    const sie = await api().get(CMS).query({ sendInitialEvents: 'true' }).expect(422);
    expect(sie.body).toEqual(listInvalid('sendInitialEvents: Forbidden: sendInitialEvents is forbidden for list'));
    await api().get(CMS).query({ resourceVersion: '0', resourceVersionMatch: 'NotOlderThan' }).expect(200);
  });

  describe('pods/log', () => {
    const LOG = '/api/v1/namespaces/default/pods/logger/log';
    beforeAll(async () => {
      await api()
        .post('/api/v1/namespaces/default/pods')
        .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'logger' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox' }] } })
        .expect(201);
      await api()
        .put('/api/v1/namespaces/default/pods/logger/status')
        .send({
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'logger' },
          status: { phase: 'Running', containerStatuses: [{ name: 'c', image: 'busybox', imageID: '', ready: true, restartCount: 0, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] },
        })
        .expect(200);
    });

    it.each([
      ['tailLines', 'abc', 'strconv.ParseInt: parsing "abc": invalid syntax'],
      ['limitBytes', '1e3', 'strconv.ParseInt: parsing "1e3": invalid syntax'],
      ['sinceSeconds', '99999999999999999999', 'strconv.ParseInt: parsing "99999999999999999999": value out of range'],
    ])('%s=%s: 400', async (param, value, message) => {
      const res = await api().get(LOG).query({ [param]: value }).expect(400);
      expect(res.body).toEqual(badRequest(message));
    });

    it('out-of-range values: 422 PodLogOptions, before the pod is looked up', async () => {
      const res = await api().get(LOG).query({ tailLines: '-1', limitBytes: '0' }).expect(422);
      expect(res.body.message).toBe(
        'PodLogOptions "logger" is invalid: [tailLines: Invalid value: -1: must be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]',
      );
      expect(res.body.details).toMatchObject({ name: 'logger', kind: 'PodLogOptions' });
      const since = await api().get('/api/v1/namespaces/default/pods/nope/log').query({ sinceSeconds: '0' }).expect(422);
      expect(since.body.message).toBe('PodLogOptions "nope" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0');
      const both = await api().get(LOG).query({ sinceSeconds: '5', sinceTime: '2026-01-01T00:00:00Z' }).expect(422);
      expect(both.body.message).toBe('PodLogOptions "logger" is invalid: : Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified');
    });

    it('valid values are applied', async () => {
      const all = await api().get(LOG).expect(200);
      const lines = all.text.split('\n').filter(Boolean);
      expect(lines.length).toBeGreaterThan(1);
      const tail = await api().get(LOG).query({ tailLines: '1' }).expect(200);
      expect(tail.text).toBe(lines[lines.length - 1] + '\n');
      const cut = await api().get(LOG).query({ limitBytes: '5' }).expect(200);
      expect(cut.text).toBe(all.text.slice(0, 5));
    });
  });
});

describe('metadata.resourceVersion "0" on an update', () => {
  const CMS = '/api/v1/namespaces/default/configmaps';
  const LEASES = '/apis/coordination.k8s.io/v1/namespaces/default/leases';

  it('is unconditional (as an absent one) for kinds that allow unconditional updates: PUT and patch', async () => {
    const created = (await api().post(CMS).send({ metadata: { name: 'rv0' }, data: { a: '1' } }).expect(201)).body;
    await api().put(`${CMS}/rv0`).send({ metadata: { name: 'rv0' }, data: { a: '2' } }).expect(200);
    const put = await api().put(`${CMS}/rv0`).send({ metadata: { name: 'rv0', resourceVersion: '0' }, data: { a: '3' } }).expect(200);
    expect(put.body.data).toEqual({ a: '3' });
    expect(Number(put.body.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
    const patch = await api()
      .patch(`${CMS}/rv0`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { resourceVersion: '0' }, data: { a: '4' } })
      .expect(200);
    expect(patch.body.data).toEqual({ a: '4' });
    // a stale non-zero one is still a conflict
    await api().put(`${CMS}/rv0`).send({ metadata: { name: 'rv0', resourceVersion: created.metadata.resourceVersion }, data: { a: '5' } }).expect(409);
  });

  it('statefulsets/scale with resourceVersion "0" scales unconditionally', async () => {
    const res = await api()
      .put('/apis/apps/v1/namespaces/default/statefulsets/web/scale')
      .send({ kind: 'Scale', apiVersion: 'autoscaling/v1', metadata: { name: 'web', resourceVersion: '0' }, spec: { replicas: 4 } })
      .expect(200);
    expect(res.body.spec.replicas).toBe(4);
  });

  it('a Lease (AllowUnconditionalUpdate false) must carry a real one: 422', async () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l' }, spec: { holderIdentity: 'a' } };
    const created = (await api().post(LEASES).send(lease).expect(201)).body;
    for (const rv of [undefined, '0']) {
      const res = await api()
        .put(`${LEASES}/l`)
        .send({ ...lease, metadata: { name: 'l', ...(rv ? { resourceVersion: rv } : {}) }, spec: { holderIdentity: 'b' } })
        .expect(422);
      expect(res.body).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'leases.coordination.k8s.io "l" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update',
        reason: 'Invalid',
        details: {
          name: 'l',
          group: 'coordination.k8s.io',
          kind: 'leases',
          causes: [{ reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be specified for an update', field: 'metadata.resourceVersion' }],
        },
        code: 422,
      });
    }
    await api().put(`${LEASES}/l`).send({ ...lease, metadata: { name: 'l', resourceVersion: created.metadata.resourceVersion }, spec: { holderIdentity: 'b' } }).expect(200);
    // a PUT of a missing lease still creates it (AllowCreateOnUpdate)
    await api().put(`${LEASES}/l2`).send({ ...lease, metadata: { name: 'l2' } }).expect(201);
  });
});

describe('duplicate YAML keys under fieldValidation=Strict', () => {
  const CMS = '/api/v1/namespaces/default/configmaps';
  const yaml = (name: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\ndata:\n  a: "1"\n  b: "2"\n  a: "3"\n`;

  it('create and update: 400, the goyaml error first, then the JSON strict errors', async () => {
    const res = await api().post(CMS).query({ fieldValidation: 'Strict' }).set('Content-Type', 'application/yaml').send(yaml('ydup')).expect(400);
    expect(res.body).toEqual(
      badRequest('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 8: key "a" already set in map'),
    );
    const several = `kind: ConfigMap\nmetadata:\n  name: ydup\n  labels:\n    x: y\n  name: ydup\nbogus: 1\nbogus: 2\ndata:\n  a: "1"\ndata:\n  b: "2"\n`;
    const two = await api().post(CMS).query({ fieldValidation: 'Strict' }).set('Content-Type', 'application/yaml').send(several).expect(400);
    expect(two.body.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: yaml: unmarshal errors:\n  line 6: key "name" already set in map\n  line 8: key "bogus" already set in map\n  line 12: key "data" already set in map, unknown field "bogus"',
    );
    await api().get(`${CMS}/ydup`).expect(404);
    await api().post(CMS).set('Content-Type', 'application/yaml').send(yaml('ydup')).expect(201);
    const put = await api().put(`${CMS}/ydup`).query({ fieldValidation: 'Strict' }).set('Content-Type', 'application/yaml').send(yaml('ydup')).expect(400);
    expect(put.body.message).toMatch(/strict decoding error: yaml: unmarshal errors:\n {2}line 8: key "a" already set in map$/);
  });

  it('Ignore and Warn keep the last value, as goyaml does; Warn says so, one warning per key', async () => {
    const res = await api().post(CMS).query({ fieldValidation: 'Ignore' }).set('Content-Type', 'application/yaml').send(yaml('ydup-ignore')).expect(201);
    expect(res.body.data).toEqual({ a: '3', b: '2' });
    expect(res.headers.warning).toBeUndefined();
    const warn = await api().post(CMS).set('Content-Type', 'application/yaml').send(yaml('ydup-warn') + 'bogus: 1\n').expect(201);
    expect(warn.body.data).toEqual({ a: '3', b: '2' });
    expect(warn.headers.warning).toBe('299 - "line 8: key \\"a\\" already set in map", 299 - "unknown field \\"bogus\\""');
    const apply = await api()
      .patch(`${CMS}/ydup-warn-apply`)
      .query({ fieldManager: 'me' })
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(yaml('ydup-warn-apply'))
      .expect(201);
    expect(apply.headers.warning).toBe('299 - "line 8: key \\"a\\" already set in map"');
  });

  it('server-side apply: 400 error strict decoding patch', async () => {
    const res = await api()
      .patch(`${CMS}/ydup-apply`)
      .query({ fieldValidation: 'Strict', fieldManager: 'me' })
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(yaml('ydup-apply'))
      .expect(400);
    expect(res.body).toEqual(badRequest('error strict decoding patch: error converting YAML to JSON: yaml: unmarshal errors:\n  line 8: key "a" already set in map'));
  });
});

describe('a strategic merge patch whose result does not convert', () => {
  const STS = '/apis/apps/v1/namespaces/default/statefulsets';
  const smp = (path: string, body: object) => api().patch(path).set('Content-Type', 'application/strategic-merge-patch+json').send(body);
  const invalidPatch = (rendered: string, message: string) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: ` "" is invalid: patch: Invalid value: "${rendered}": ${message}`,
    reason: 'Invalid',
    details: { causes: [{ reason: 'FieldValueInvalid', message: `Invalid value: "${rendered}": ${message}`, field: 'patch' }] },
    code: 422,
  });

  beforeAll(async () => {
    await api()
      .post(STS)
      .send({
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        metadata: { name: 'smp' },
        spec: {
          selector: { matchLabels: { app: 'smp' } },
          serviceName: 'smp',
          template: { metadata: { labels: { app: 'smp' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } },
        },
      })
      .expect(201);
  });

  it.each([
    [{ spec: { replicas: 'three' } }, 'map[spec:map[replicas:three]]', 'unrecognized type: int32'],
    [{ spec: { replicas: 1.5 } }, 'map[spec:map[replicas:1.5]]', 'cannot convert float64 to int32'],
    [{ spec: { serviceName: 5 } }, 'map[spec:map[serviceName:5]]', 'cannot convert int64 to string'],
    [{ spec: { serviceName: true } }, 'map[spec:map[serviceName:true]]', 'unrecognized type: string'],
    [{ metadata: { labels: 'x' } }, 'map[metadata:map[labels:x]]', 'cannot restore map from string'],
    [{ metadata: { finalizers: { a: 'b' } } }, 'map[metadata:map[finalizers:map[a:b]]]', 'cannot restore slice from map'],
    [{ spec: { template: 'x' } }, 'map[spec:map[template:x]]', 'cannot restore struct from: string'],
    [{ spec: { updateStrategy: { rollingUpdate: { maxUnavailable: true } } } }, 'map[spec:map[updateStrategy:map[rollingUpdate:map[maxUnavailable:true]]]]', 'json: cannot unmarshal bool into Go value of type int32'],
  ])('%j: 422 worded by the unstructured converter', async (patch, rendered, message) => {
    const res = await smp(`${STS}/smp`, patch).expect(422);
    expect(res.body).toEqual(invalidPatch(rendered, message));
  });

  it('a Quantity and a Time are decoded by their own UnmarshalJSON', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'smp-pod' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } };
    await api().post('/api/v1/namespaces/default/pods').send(pod).expect(201);
    const q = await smp('/api/v1/namespaces/default/pods/smp-pod', { spec: { overhead: { cpu: 'lots' } } }).expect(422);
    expect(q.body.message).toBe(
      ` "" is invalid: patch: Invalid value: "map[spec:map[overhead:map[cpu:lots]]]": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'`,
    );
    const t = await smp('/api/v1/namespaces/default/pods/smp-pod', { metadata: { creationTimestamp: 5 } }).expect(422);
    expect(t.body.message).toBe(' "" is invalid: patch: Invalid value: "map[metadata:map[creationTimestamp:5]]": json: cannot unmarshal number into Go value of type string');
  });
});

describe('pod updates run the Priority and DefaultTolerationSeconds admission plugins', () => {
  const PODS = '/api/v1/namespaces/default/pods';

  it('a PUT without spec.priority / preemptionPolicy / tolerations keeps them and re-adds the defaults', async () => {
    const created = (
      await api()
        .post(PODS)
        .send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'prio' }, spec: { priorityClassName: 'system-node-critical', containers: [{ name: 'c', image: 'nginx:1' }] } })
        .expect(201)
    ).body;
    expect(created.spec).toMatchObject({ priority: 2000001000, preemptionPolicy: 'PreemptLowerPriority' });
    expect(created.spec.tolerations).toHaveLength(2);
    const spec = { ...created.spec, containers: [{ ...created.spec.containers[0], image: 'nginx:2' }] };
    delete spec.priority;
    delete spec.preemptionPolicy;
    delete spec.tolerations;
    const res = await api().put(`${PODS}/prio`).send({ ...created, spec }).expect(200);
    expect(res.body.spec.containers[0].image).toBe('nginx:2');
    expect(res.body.spec.priority).toBe(2000001000);
    expect(res.body.spec.preemptionPolicy).toBe('PreemptLowerPriority');
    expect(res.body.spec.tolerations).toEqual(created.spec.tolerations);
  });

  it('a toleration added on update keeps the defaults next to it; an empty-key one covers both taints', async () => {
    const created = (await api().post(PODS).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tol' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }).expect(201)).body;
    const extra = { key: 'dedicated', operator: 'Equal', value: 'x', effect: 'NoSchedule' };
    const res = await api()
      .put(`${PODS}/tol`)
      .send({ ...created, spec: { ...created.spec, tolerations: [extra] } })
      .expect(200);
    expect(res.body.spec.tolerations).toEqual([extra, ...created.spec.tolerations]);
    const all = (await api().post(PODS).send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tol-all' }, spec: { tolerations: [{ operator: 'Exists' }], containers: [{ name: 'c', image: 'nginx' }] } }).expect(201)).body;
    expect(all.spec.tolerations).toEqual([{ operator: 'Exists' }]);
  });
});

describe('a JSON or merge patch whose result does not decode', () => {
  it('422 on the field "patch", valued with the patched JSON, worded by the JSON decoder', async () => {
    await api()
      .post('/api/v1/namespaces/default/secrets')
      .send({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'mp' }, data: { k: 'YQ==' } })
      .expect(201);
    const res = await api()
      .patch('/api/v1/namespaces/default/secrets/mp')
      .set('Content-Type', 'application/merge-patch+json')
      .send({ data: { k: '%%' } })
      .expect(422);
    expect(res.body).toMatchObject({ reason: 'Invalid', code: 422, details: { causes: [{ reason: 'FieldValueInvalid', field: 'patch' }] } });
    expect(res.body.message).toMatch(/^ "" is invalid: patch: Invalid value: "\{\\"apiVersion\\":\\"v1\\",\\"data\\":\{\\"k\\":\\"%%\\"\},.*": illegal base64 data at input byte 0$/);
    const json = await api()
      .patch('/api/v1/namespaces/default/secrets/mp')
      .set('Content-Type', 'application/json-patch+json')
      .send([{ op: 'replace', path: '/type', value: 5 }])
      .expect(422);
    expect(json.body.message).toMatch(/": json: cannot unmarshal number into Go struct field Secret\.type of type string$/);
    expect((await api().get('/api/v1/namespaces/default/secrets/mp').expect(200)).body.data).toEqual({ k: 'YQ==' });
  });
});

describe('a status update is decoded as strictly as the object', () => {
  it('duplicate and unknown fields under Strict: 400; Warn: warnings', async () => {
    const created = (await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'st-dup' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } }).expect(201)).body;
    const body = JSON.stringify({ ...created, status: { phase: 'Running' } }).replace('"status":{', '"status":{"bogus":1,"phase":"Pending",');
    const res = await api().put('/api/v1/namespaces/default/pods/st-dup/status').query({ fieldValidation: 'Strict' }).set('Content-Type', 'application/json').send(body).expect(400);
    expect(res.body.message).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "status.bogus", duplicate field "status.phase"');
    const warn = await api().put('/api/v1/namespaces/default/pods/st-dup/status').set('Content-Type', 'application/json').send(body).expect(200);
    expect(warn.headers.warning).toBe('299 - "unknown field \\"status.bogus\\"", 299 - "duplicate field \\"status.phase\\""');
    expect(warn.body.status.phase).toBe('Running');
  });
});

describe('a scale patch that renames the Scale', () => {
  it('is refused by checkName, nothing scaled', async () => {
    const STS = '/apis/apps/v1/namespaces/default/statefulsets/web';
    const before = (await api().get(STS).expect(200)).body.spec.replicas;
    const res = await api()
      .patch(`${STS}/scale`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ metadata: { name: 'other' }, spec: { replicas: before + 1 } })
      .expect(400);
    expect(res.body).toEqual(badRequest('the name of the object (other) does not match the name on the URL (web)'));
    expect((await api().get(STS).expect(200)).body.spec.replicas).toBe(before);
    await api().patch(`${STS}/scale`).set('Content-Type', 'application/merge-patch+json').send({ spec: { replicas: before + 1 } }).expect(200);
  });
});
