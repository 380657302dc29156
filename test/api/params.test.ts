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
