// Patch bodies upstream refuses (apiserver pkg/endpoints/handlers/patch.go + rest.go checkName,
// evanphx/json-patch, apimachinery strategicpatch), and patches nested as deep as a body may be.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CM = '/api/v1/namespaces/default/configmaps';
const JSONP = 'application/json-patch+json';
const MERGE = 'application/merge-patch+json';
const SMP = 'application/strategic-merge-patch+json';

beforeAll(async () => {
  emu = await startBare();
  await api().post(CM).send({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', finalizers: ['a/b', 'c/d'] }, data: { k: 'v' } }).expect(201);
});
afterAll(async () => {
  await emu.close();
});

const patch = (type: string, body: unknown, name = 'c') => api().patch(`${CM}/${name}`).set('Content-Type', type).send(typeof body === 'string' ? body : JSON.stringify(body));
const NO_NAME = { kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'the name of the object (c based on URL) was undeterminable: name must be provided' };
const GENERIC_422 = { kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, message: 'the server rejected our request due to an error in our request' };

describe('a patch that takes the name away', () => {
  it('JSON patch remove /metadata: 400', async () => {
    expect((await patch(JSONP, [{ op: 'remove', path: '/metadata' }])).body).toMatchObject(NO_NAME);
  });
  it('JSON patch remove /metadata/name: 400', async () => {
    expect((await patch(JSONP, [{ op: 'remove', path: '/metadata/name' }])).body).toMatchObject(NO_NAME);
  });
  it('merge patch {"metadata": null}: 400', async () => {
    expect((await patch(MERGE, { metadata: null })).body).toMatchObject(NO_NAME);
  });
  it('strategic merge patch {"metadata": null}: 400', async () => {
    expect((await patch(SMP, { metadata: null })).body).toMatchObject(NO_NAME);
  });
  it('a patched name or namespace that differs from the request: 400', async () => {
    expect((await patch(MERGE, { metadata: { name: 'other' } })).body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'the name of the object (other) does not match the name on the URL (c)',
    });
    expect((await patch(SMP, { metadata: { namespace: 'kube-system' } })).body).toMatchObject({
      code: 400,
      reason: 'BadRequest',
      message: 'the namespace of the object (kube-system) does not match the namespace on the request (default)',
    });
  });
  it('nothing was changed', async () => {
    const live = (await api().get(`${CM}/c`).expect(200)).body;
    expect(live.metadata.name).toBe('c');
    expect(live.data).toEqual({ k: 'v' });
  });
});

describe('JSON patch operations on the whole document (path "")', () => {
  // evanphx/json-patch finds no container for the root path: every such operation fails
  for (const op of [
    { op: 'replace', path: '', value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } },
    { op: 'add', path: '', value: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' } } },
    { op: 'remove', path: '' },
    { op: 'copy', from: '', path: '/data/x' },
    { op: 'move', from: '/data', path: '' },
  ])
    it(`${op.op}: 422`, async () => {
      const res = await patch(JSONP, [op]);
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject(GENERIC_422);
    });
});

describe('the number of JSON patch operations', () => {
  it('more than 10000: 413 with upstream wording', async () => {
    const ops = Array.from({ length: 10001 }, () => ({ op: 'test', path: '/data/k', value: 'v' }));
    const res = await patch(JSONP, ops);
    expect(res.status).toBe(413);
    expect(res.body).toMatchObject({
      kind: 'Status',
      reason: 'RequestEntityTooLarge',
      code: 413,
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
  });
  it('exactly 10000 apply', async () => {
    const ops = Array.from({ length: 10000 }, (_, i) => ({ op: 'add', path: '/data/k', value: String(i) }));
    const res = await patch(JSONP, ops).expect(200);
    expect(res.body.data.k).toBe('9999');
  });
});

describe('$deleteFromPrimitiveList', () => {
  it('a non-list value on a list is skipped, as strategicpatch mergeMap does', async () => {
    for (const v of ['a/b', 5, { a: 1 }]) {
      const res = await patch(SMP, { metadata: { '$deleteFromPrimitiveList/finalizers': v } }).expect(200);
      expect(res.body.metadata.finalizers).toEqual(['a/b', 'c/d']);
    }
  });
  it('a list of another element type: 500 as upstream (sliceElementType)', async () => {
    const res = await patch(SMP, { metadata: { '$deleteFromPrimitiveList/finalizers': [{ a: 1 }] } });
    expect(res.status).toBe(500);
    expect(res.body.message).toBe('list element types are not identical: [[a/b c/d] [map[a:1]]]');
  });
  it('the directive without a list name: 400 invalid patch format of primitive list', async () => {
    const res = await patch(SMP, { metadata: { $deleteFromPrimitiveList: ['a/b'] } });
    expect(res.body).toMatchObject({ code: 400, reason: 'BadRequest', message: 'invalid patch format of primitive list' });
  });
  it('a list deletes its values', async () => {
    const res = await patch(SMP, { metadata: { '$deleteFromPrimitiveList/finalizers': ['a/b'] } }).expect(200);
    expect(res.body.metadata.finalizers).toEqual(['c/d']);
  });
});

describe('patches nested 10,000 levels', () => {
  // the body as a whole is 10,000 levels deep: 2 around the value, 9,998 in it
  const deep = (levels: number, open = '{"a":', close = '}') => open.repeat(levels) + '1' + close.repeat(levels);
  const INNER = 9998;
  // the patched object is decoded into the Go type (handlers/patch.go): a 422 on the field `patch`
  // with the decoder's error, its value the patched document (JSON for json/merge, %+v for strategic)
  const typeError = /^ "" is invalid: patch: Invalid value: ".*": json: cannot unmarshal object into Go struct field ConfigMap\.data of type string$/s;
  const smpTypeError = /^ "" is invalid: patch: Invalid value: "map\[.*\]": unrecognized type: string$/s;

  for (const [type, body, want] of [
    [MERGE, `{"data":{"k":${deep(INNER)}}}`, typeError],
    [SMP, `{"data":{"k":${deep(INNER)}}}`, smpTypeError],
    [JSONP, `[{"op":"add","path":"/data/k","value":${deep(INNER)}}]`, typeError],
  ] as const)
    it(`${type}: a value where a string belongs is upstream's 422 decoding error, not a 500`, async () => {
      const res = await patch(type, body);
      expect(res.status).toBe(422);
      expect(res.body.message).toMatch(want);
    });

  it('apply: the same', async () => {
    const res = await api()
      .patch(`${CM}/c?fieldManager=deep`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c"},"data":{"k":${deep(INNER)}}}`);
    expect(res.status).toBe(400);
    expect(res.body.message).toMatch(/^ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap\.data of type string$/);
  });

  for (const [type, body] of [
    [MERGE, `{"spec":${deep(INNER + 1)}}`],
    [SMP, `{"spec":${deep(INNER + 1)}}`],
    [MERGE, `{"spec":${deep(INNER + 1, '[', ']')}}`],
    [SMP, `{"spec":${deep(INNER + 1, '[', ']')}}`],
    [JSONP, `[{"op":"add","path":"/spec","value":${deep(INNER)}}]`],
  ] as const)
    it(`${type}: an unknown field that deep is dropped with a warning (fieldValidation=Warn)`, async () => {
      const res = await patch(type, body).expect(200);
      expect(res.body.spec).toBeUndefined();
      expect(res.headers.warning).toBe('299 - "unknown field \\"spec\\""');
    });
});
