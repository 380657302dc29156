// Hostile and malformed bodies: Go encoding/json's syntax errors and nesting limit (10,000 levels,
// sigs.k8s.io/json scanner.go) as the decoders word them (apimachinery runtime/serializer/json
// meta.go, apiserver handlers/rest.go transformDecodeError, handlers/patch.go), and YAML alias
// bombs refused (yaml.v2 decode.go "document contains excessive aliasing").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CMS = '/api/v1/namespaces/default/configmaps';
const UNRECOGNIZED = 'the object provided is unrecognized (must be of type ConfigMap): ';

beforeAll(async () => {
  emu = await startBare();
  await api().post(CMS).send(cm('target', { a: 'b' })).expect(201);
});
afterAll(async () => {
  await emu.close();
});

/** `levels` nested objects: {"a":{"a":...{}...}} */
const nested = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);

describe('JSON syntax errors are worded as Go words them', () => {
  const cases: [string, string][] = [
    ['{"a":', `couldn't get version/kind; json parse error: unexpected end of JSON input ({"a":)`],
    ['{"apiVersion":"v1",}', `couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({"apiVersion":"v1",})`],
    ["{'kind':'ConfigMap'}", `couldn't get version/kind; json parse error: invalid character '\\'' looking for beginning of object key string ({'kind':'ConfigMap'})`],
    ['{"kind":"ConfigMap"} x', `couldn't get version/kind; json parse error: invalid character 'x' after top-level value ({"kind":"ConfigMap"} x)`],
    ['not json', `couldn't get version/kind; json parse error: invalid character 'o' in literal null (expecting 'u') (6e6f74206a736f6e)`],
    ['', `couldn't get version/kind; json parse error: unexpected end of JSON input (<empty>)`],
  ];
  for (const [body, detail] of cases) {
    it(`create ${JSON.stringify(body)}`, async () => {
      const res = await api().post(CMS).set('Content-Type', 'application/json').send(body).expect(400);
      expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: UNRECOGNIZED + detail });
    });
  }

  it('update words it the same way, summarising the first 30 bytes', async () => {
    const body = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"target"},"data":{"a":"b",}}';
    const res = await api().put(`${CMS}/target`).set('Content-Type', 'application/json').send(body).expect(400);
    expect(res.body.message).toBe(UNRECOGNIZED + `couldn't get version/kind; json parse error: invalid character '}' looking for beginning of object key string ({"apiVersion":"v1","kind":"Con ...)`);
  });
});

describe('nesting past 10,000 levels is refused at decode', () => {
  const tooDeep = nested(10_001);

  it('create and update', async () => {
    const detail = `couldn't get version/kind; json parse error: invalid character '{' exceeded max depth ({"a":{"a":{"a":{"a":{"a":{"a": ...)`;
    const c = await api().post(CMS).set('Content-Type', 'application/json').send(tooDeep).expect(400);
    expect(c.body.message).toBe(UNRECOGNIZED + detail);
    const u = await api().put(`${CMS}/target`).set('Content-Type', 'application/json').send(tooDeep).expect(400);
    expect(u.body.message).toBe(UNRECOGNIZED + detail);
  });

  it('every patch type', async () => {
    const deepValue = nested(10_000); // one level more inside the patch's own object
    const cases: [string, string, string, string][] = [
      ['application/merge-patch+json', 'Strict', `{"data":${deepValue}}`, "error decoding patch: invalid character '{' exceeded max depth"],
      ['application/merge-patch+json', 'Ignore', `{"data":${deepValue}}`, 'Invalid JSON Patch'],
      ['application/strategic-merge-patch+json', 'Strict', `{"data":${deepValue}}`, "invalid character '{' exceeded max depth"],
      ['application/json-patch+json', 'Strict', `[{"op":"add","path":"/data","value":${deepValue}}]`, "error decoding patch: invalid character '{' exceeded max depth"],
      ['application/json-patch+json', 'Ignore', `[{"op":"add","path":"/data","value":${deepValue}}]`, "invalid character '{' exceeded max depth"],
      ['application/apply-patch+yaml', 'Strict', `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"target"},"data":${deepValue}}`, 'error decoding patch: error converting YAML to JSON: yaml: exceeded max depth of 10000'],
    ];
    for (const [type, fv, body, message] of cases) {
      const res = await api().patch(`${CMS}/target?fieldValidation=${fv}&fieldManager=m`).set('Content-Type', type).send(body);
      expect({ type, fv, status: res.status, message: res.body.message }).toEqual({ type, fv, status: 400, message });
    }
  });

  it('a body exactly at the limit is decoded (an unknown field at depth 10,000 is dropped, as upstream prunes it)', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"at-limit"},"data":{"k":"v"},"extra":${nested(9_999)}}`;
    const res = await api().post(`${CMS}?fieldValidation=Ignore`).set('Content-Type', 'application/json').send(body).expect(201);
    expect(res.body.extra).toBeUndefined();
    expect(res.body.data).toEqual({ k: 'v' });
    const live = res.body;
    const upd = JSON.stringify({ ...live, data: { k: 'w' } }).slice(0, -1) + `,"extra":${nested(9_999)}}`;
    const u = await api().put(`${CMS}/at-limit?fieldValidation=Ignore`).set('Content-Type', 'application/json').send(upd).expect(200);
    expect(u.body.data).toEqual({ k: 'w' });
  });

  it('a deep value in a typed field is a type error, not a crash', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"typed"},"data":${nested(9_999)}}`;
    const res = await api().post(CMS).set('Content-Type', 'application/json').send(body);
    expect(res.status).toBe(400);
  });
});

describe('deep YAML', () => {
  it('is refused with 400, not a crash', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: deep-yaml\ndata: ' + '['.repeat(20_000) + ']'.repeat(20_000) + '\n';
    const res = await api().post(CMS).set('Content-Type', 'application/yaml').send(yaml).expect(400);
    expect(res.body.message).toContain('error converting YAML to JSON: yaml: exceeded max depth of 10000');
  });
});

describe('a YAML map key that is a collection', () => {
  it('is refused on create and apply as yaml.v2 refuses it (400 invalid map key)', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: key-map\ndata:\n  ? {b: 1, a: [x, 2]}\n  : v\n';
    const want = 'error converting YAML to JSON: yaml: invalid map key: map[interface {}]interface {}{"a":[]interface {}{"x", 2}, "b":1}';
    const res = await api().post(CMS).set('Content-Type', 'application/yaml').send(yaml).expect(400);
    expect(res.body.message).toContain(want);
    const seq = await api().post(CMS).set('Content-Type', 'application/yaml').send('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: key-seq\ndata:\n  [a]: v\n').expect(400);
    expect(seq.body.message).toContain('yaml: invalid map key: []interface {}{"a"}');
    await api().get(`${CMS}/key-map`).expect(404);
    const apply = await api().patch(`${CMS}/key-map?fieldManager=t`).set('Content-Type', 'application/apply-patch+yaml').send(yaml).expect(400);
    expect(apply.body.message).toContain(want);
    await api().get(`${CMS}/key-map`).expect(404);
  });
});

describe('YAML alias bombs ("billion laughs")', () => {
  const bomb = [
    'apiVersion: v1',
    'kind: ConfigMap',
    'metadata:',
    '  name: lol',
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]',
    'b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]',
    'c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
    'd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]',
    'e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]',
    'f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]',
    'g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]',
    'h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]',
    'i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]',
    'data: {x: "y"}',
    '',
  ].join('\n');
  const message = `${UNRECOGNIZED}error converting YAML to JSON: yaml: document contains excessive aliasing (${Buffer.from(bomb).subarray(0, 30).toString('hex')} ...)`;

  for (const type of ['application/yaml', 'text/yaml']) {
    it(`create and update as ${type} get 400`, async () => {
      const c = await api().post(CMS).set('Content-Type', type).send(bomb).expect(400);
      expect(c.body).toMatchObject({ reason: 'BadRequest', message });
      const u = await api().put(`${CMS}/target`).set('Content-Type', type).send(bomb).expect(400);
      expect(u.body.message).toBe(message);
    });
  }

  it('apply gets 400 too, and the server still serves', async () => {
    const res = await api().patch(`${CMS}/lol?fieldManager=m`).set('Content-Type', 'application/apply-patch+yaml').send(bomb);
    expect(res.status).toBe(400);
    await api().get(`${CMS}/target`).expect(200);
  });

  it('a YAML body with a few aliases is fine', async () => {
    const yaml = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aliased\n  labels: &l {app: x}\n  annotations: *l\n';
    const res = await api().post(CMS).set('Content-Type', 'application/yaml').send(yaml).expect(201);
    expect(res.body.metadata.annotations).toEqual({ app: 'x' });
  });
});
