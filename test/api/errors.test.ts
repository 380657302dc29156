// Request decoding, negotiation and field validation errors, worded as upstream
// (apiserver pkg/endpoints/handlers/negotiation/errors.go, handlers/rest.go, server/handler.go;
// apimachinery pkg/api/errors NewGenericServerResponse for go-restful's 404/405).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, pod, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const NOT_FOUND = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'the server could not find the requested resource',
  reason: 'NotFound',
  details: {},
  code: 404,
};

describe('bodies', () => {
  it('400 for bad JSON', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').set('Content-Type', 'application/json').send('{"metadata": {').expect(400);
    expect(res.body.reason).toBe('BadRequest');
    expect(res.body.code).toBe(400);
    expect(res.body.message).toMatch(/^the object provided is unrecognized/);
  });

  it('400 for an empty body', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').set('Content-Type', 'application/json').send('').expect(400);
    expect(res.body.reason).toBe('BadRequest');
  });

  it('413 for a body over 3 MiB', async () => {
    const big = JSON.stringify(cm('big', { x: 'a'.repeat(3 * 1024 * 1024) }));
    const res = await api().post('/api/v1/namespaces/default/configmaps').set('Content-Type', 'application/json').send(big).expect(413);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'Request entity too large: limit is 3145728',
      reason: 'RequestEntityTooLarge',
      code: 413,
    });
    await api().get('/api/v1/namespaces/default/configmaps/big').expect(404);
  });

  it('a body just under the limit is read (then judged on its merits)', async () => {
    const data = { x: 'a'.repeat(3 * 1024 * 1024 - 200) };
    const res = await api().post('/api/v1/namespaces/default/configmaps').send(cm('almost', data));
    expect(res.status).not.toBe(413);
  });

  it('415 for an unknown Content-Type', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').set('Content-Type', 'text/plain').send('hello').expect(415);
    expect(res.body).toMatchObject({
      status: 'Failure',
      reason: 'UnsupportedMediaType',
      code: 415,
    });
    expect(res.body.message).toMatch(/^the body of the request was in an unknown format - accepted media types include: application\/json, application\/yaml/);
  });

  it('400 for YAML that is not an object', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').set('Content-Type', 'application/yaml').send('- a\n- b\n').expect(400);
    expect(res.body.reason).toBe('BadRequest');
  });
});

describe('negotiation', () => {
  it('406 for an Accept the server cannot produce', async () => {
    const res = await api().get('/api/v1/namespaces/default/configmaps').set('Accept', 'text/html').expect(406);
    expect(res.body).toMatchObject({ status: 'Failure', reason: 'NotAcceptable', code: 406 });
    expect(res.body.message).toMatch(/^only the following media types are accepted: application\/json/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  it('protobuf-first Accept headers get protobuf, as upstream answers client-go', async () => {
    const res = await api()
      .get('/api/v1/namespaces/default/configmaps')
      .set('Accept', 'application/vnd.kubernetes.protobuf,application/json')
      .buffer(true)
      .parse((r, cb) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => cb(null, Buffer.concat(chunks)));
      })
      .expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.kubernetes.protobuf');
    expect((res.body as Buffer).subarray(0, 4).toString('latin1')).toBe('k8s\0');
    // JSON first (or protobuf at a lower q) keeps JSON
    const json = await api().get('/api/v1/namespaces/default/configmaps').set('Accept', 'application/json,application/vnd.kubernetes.protobuf').expect(200);
    expect(json.headers['content-type']).toMatch(/^application\/json/);
    expect(json.body.kind).toBe('ConfigMapList');
  });

  it('*/* and no Accept get JSON', async () => {
    for (const accept of ['*/*', '']) {
      const r = api().get('/api/v1/namespaces');
      if (accept) r.set('Accept', accept);
      const res = await r.expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
    }
  });
});

describe('routes', () => {
  it('404 the server could not find the requested resource (details {}), for unknown resources and versions of served roots', async () => {
    // go-restful's route miss under a served root: NewGenericServerResponse, details present and empty
    const paths = ['/api/v1/widgets', '/apis/apps/v2/statefulsets', '/apis/apps/v2', '/api/v2', '/api/v1/namespaces/default/pods/p/nosuchsub', '/api/v1/nodes/n/proxy'];
    for (const path of paths) {
      const res = await api().get(path).expect(404);
      expect(res.headers['content-type'], path).toMatch(/^application\/json/);
      expect(res.body, path).toEqual(NOT_FOUND);
    }
  });

  it('404 page not found, plain text, for paths no API root serves and for unknown groups', async () => {
    // the not-found handler behind every server of the chain (net/http NotFound)
    for (const path of ['/nonsense', '/apis/nope.example.com/v1/things', '/apis/nope.example.com/v1', '/apis/nope.example.com']) {
      const res = await api().get(path).expect(404);
      expect(res.headers['content-type'], path).toBe('text/plain; charset=utf-8');
      expect(res.headers['x-content-type-options'], path).toBe('nosniff');
      expect(res.text, path).toBe('404 page not found\n');
    }
  });

  it('404 for a missing object names it: details name, group (non-core) and kind (the resource)', async () => {
    const core = await api().get('/api/v1/namespaces/default/pods/x').expect(404);
    expect(JSON.stringify(core.body)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"x\\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}',
    );
    const apps = await api().get('/apis/apps/v1/namespaces/default/statefulsets/web/status').expect(404);
    expect(apps.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: 'statefulsets.apps "web" not found',
      reason: 'NotFound',
      details: { name: 'web', group: 'apps', kind: 'statefulsets' },
      code: 404,
    });
    const log = await api().get('/api/v1/namespaces/default/pods/x/log').expect(404);
    expect(log.body.details).toEqual({ name: 'x', kind: 'pods' });
  });

  it('405 for verbs that have no route', async () => {
    await api().post('/api/v1/namespaces/default/configmaps').send(cm('m405')).expect(201);
    const cases = [
      api().post('/api/v1/namespaces/default/configmaps/m405').send(cm('m405')),
      api().put('/api/v1/namespaces/default/configmaps').send(cm('m405')),
      api().patch('/api/v1/namespaces/default/configmaps').set('Content-Type', 'application/merge-patch+json').send({}),
      api().options('/api/v1/namespaces/default/configmaps'),
      // pods/eviction has a POST route only
      api().get('/api/v1/namespaces/default/pods/p/eviction'),
      api().put('/api/v1/namespaces/default/pods/p/eviction').send({}),
    ];
    for (const c of cases) {
      const res = await c.expect(405);
      expect(res.body).toMatchObject({
        kind: 'Status',
        status: 'Failure',
        reason: 'MethodNotAllowed',
        message: 'the server does not allow this method on the requested resource',
        code: 405,
      });
    }
    // POST to a named path created nothing
    const list = await api().get('/api/v1/namespaces/default/configmaps?fieldSelector=metadata.name%3Dm405').expect(200);
    expect(list.body.items).toHaveLength(1);
  });

  it('405 MethodNotAllowed for a verb the kind does not serve', async () => {
    const res = await api().put('/apis/authorization.k8s.io/v1/selfsubjectaccessreviews/x').send({}).expect(405);
    expect(res.body.reason).toBe('MethodNotAllowed');
    expect(res.body.code).toBe(405);
  });

  it('discovery paths refuse writes with 405', async () => {
    const res = await api().post('/api/v1').send({}).expect(405);
    expect(res.body.reason).toBe('MethodNotAllowed');
  });
});

describe('fieldValidation', () => {
  const p = (name: string, extra: Record<string, unknown> = {}) => {
    const o = pod(name);
    Object.assign(o.spec, extra);
    return o;
  };

  it('Strict: 400 strict decoding error naming the unknown field', async () => {
    const res = await api().post('/api/v1/namespaces/default/pods?fieldValidation=Strict').send(p('fv-strict', { foo: 1 })).expect(400);
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      // the decoder's prefix (apiserver handlers/rest.go transformDecodeError)
      message: 'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"',
      reason: 'BadRequest',
      code: 400,
    });
    await api().get('/api/v1/namespaces/default/pods/fv-strict').expect(404);
  });

  it('Strict: several unknown fields are listed together', async () => {
    const o = p('fv-strict2', { foo: 1 });
    o.spec.containers[0].bar = true;
    const res = await api().post('/api/v1/namespaces/default/pods?fieldValidation=Strict').send(o).expect(400);
    expect(res.body.message).toMatch(/^Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec\.(containers\[0\]\.bar|foo)", unknown field "spec\.(containers\[0\]\.bar|foo)"$/);
  });

  it('Warn: a Warning header, the object stored without the field', async () => {
    const res = await api().post('/api/v1/namespaces/default/pods?fieldValidation=Warn').send(p('fv-warn', { foo: 1 })).expect(201);
    expect(res.headers.warning).toBe('299 - "unknown field \\"spec.foo\\""');
    expect(res.body.spec.foo).toBeUndefined();
    const got = await api().get('/api/v1/namespaces/default/pods/fv-warn').expect(200);
    expect(got.body.spec.foo).toBeUndefined();
  });

  it('no fieldValidation parameter behaves as Warn', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps').send({ ...cm('fv-default'), extra: 1 }).expect(201);
    expect(res.headers.warning).toBe('299 - "unknown field \\"extra\\""');
    expect(res.body.extra).toBeUndefined();
  });

  it('Ignore: no warning, the field dropped', async () => {
    const res = await api().post('/api/v1/namespaces/default/pods?fieldValidation=Ignore').send(p('fv-ignore', { foo: 1 })).expect(201);
    expect(res.headers.warning).toBeUndefined();
    expect(res.body.spec.foo).toBeUndefined();
  });

  it('duplicate fields: Strict fails, Warn warns and the last value wins', async () => {
    const raw = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"NAME"},"data":{"a":"1","a":"2"}}';
    const strict = await api()
      .post('/api/v1/namespaces/default/configmaps?fieldValidation=Strict')
      .set('Content-Type', 'application/json')
      .send(raw.replace('NAME', 'dup-strict'))
      .expect(400);
    expect(strict.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: duplicate field "data.a"');
    const warn = await api()
      .post('/api/v1/namespaces/default/configmaps?fieldValidation=Warn')
      .set('Content-Type', 'application/json')
      .send(raw.replace('NAME', 'dup-warn'))
      .expect(201);
    expect(warn.headers.warning).toBe('299 - "duplicate field \\"data.a\\""');
    expect(warn.body.data).toEqual({ a: '2' });
    const ignore = await api()
      .post('/api/v1/namespaces/default/configmaps?fieldValidation=Ignore')
      .set('Content-Type', 'application/json')
      .send(raw.replace('NAME', 'dup-ignore'))
      .expect(201);
    expect(ignore.headers.warning).toBeUndefined();
  });

  it('Strict on PUT too', async () => {
    const o = (await api().post('/api/v1/namespaces/default/configmaps').send(cm('fv-put')).expect(201)).body;
    const res = await api()
      .put('/api/v1/namespaces/default/configmaps/fv-put?fieldValidation=Strict')
      .send({ ...o, data: { a: 'b' }, bogus: 1 })
      .expect(400);
    expect(res.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  });

  it('an invalid fieldValidation value is 422 on CreateOptions (ValidateCreateOptions)', async () => {
    const res = await api().post('/api/v1/namespaces/default/configmaps?fieldValidation=Loud').send(cm('fv-bad')).expect(422);
    expect(res.body.message).toBe('CreateOptions.meta.k8s.io "" is invalid: fieldValidation: Unsupported value: "Loud": supported values: "", "Ignore", "Strict", "Warn"');
  });
});

describe('DeleteOptions', () => {
  it('a body of the wrong shape is 400 and deletes nothing', async () => {
    await api().post('/api/v1/namespaces/default/configmaps').send(cm('del-opts')).expect(201);
    const res = await api()
      .delete('/api/v1/namespaces/default/configmaps/del-opts')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ gracePeriodSeconds: 'soon' }))
      .expect(400);
    expect(res.body.message).toBe('json: cannot unmarshal string into Go struct field DeleteOptions.gracePeriodSeconds of type int64');
    await api().get('/api/v1/namespaces/default/configmaps/del-opts').expect(200);
    const bad = await api()
      .delete('/api/v1/namespaces/default/configmaps/del-opts')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ dryRun: ['Some'] }))
      .expect(400);
    expect(bad.body.message).toBe('dryRun: Unsupported value: "Some": supported values: "All"');
    await api()
      .delete('/api/v1/namespaces/default/configmaps/del-opts')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ kind: 'DeleteOptions', apiVersion: 'v1', preconditions: { uid: 'nope' } }))
      .expect(409);
    await api().delete('/api/v1/namespaces/default/configmaps/del-opts').expect(200);
  });
});
