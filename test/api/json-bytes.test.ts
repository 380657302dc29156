// Response bodies byte for byte: apimachinery's JSON serializer (runtime/serializer/json/json.go)
// encodes with json.Encoder, which ends each document with "\n"; responsewriters.WriteRawJSON
// (/version, /) indents by two spaces and adds none; each watch event is one line.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, openWatch, startBare, TABLE_ACCEPT } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  emu = await startBare();
  await api().post(CMS).send(cm('bytes', { a: 'b' })).expect(201);
});
afterAll(async () => {
  await emu.close();
});

const endsWithOneNewline = (text: string) => {
  expect(text.endsWith('}\n')).toBe(true);
  expect(text.endsWith('\n\n')).toBe(false);
  expect(JSON.parse(text)).toBeTypeOf('object');
};

describe('JSON documents end with a newline', () => {
  it('object, create, update, patch answers', async () => {
    endsWithOneNewline((await api().get(`${CMS}/bytes`).expect(200)).text);
    endsWithOneNewline((await api().post(CMS).send(cm('bytes2')).expect(201)).text);
    const live = (await api().get(`${CMS}/bytes2`)).body;
    endsWithOneNewline((await api().put(`${CMS}/bytes2`).send(live).expect(200)).text);
    endsWithOneNewline((await api().patch(`${CMS}/bytes2`).set('Content-Type', 'application/merge-patch+json').send('{"data":{"x":"y"}}').expect(200)).text);
  });

  it('lists, Tables and delete Status', async () => {
    endsWithOneNewline((await api().get(CMS).expect(200)).text);
    endsWithOneNewline((await api().get(CMS).set('Accept', TABLE_ACCEPT).expect(200)).text);
    endsWithOneNewline((await api().delete(`${CMS}/bytes2`).expect(200)).text);
  });

  it('Status errors', async () => {
    const res = await api().get(`${CMS}/missing`).expect(404);
    expect(res.text).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"configmaps \\"missing\\" not found","reason":"NotFound","details":{"name":"missing","kind":"configmaps"},"code":404}\n',
    );
    endsWithOneNewline((await api().post(CMS).set('Content-Type', 'application/json').send('{').expect(400)).text);
    endsWithOneNewline((await api().get('/api/v1/nothing').expect(404)).text);
  });

  it('discovery', async () => {
    endsWithOneNewline((await api().get('/api').expect(200)).text);
    endsWithOneNewline((await api().get('/apis').expect(200)).text);
    endsWithOneNewline((await api().get('/api/v1').expect(200)).text);
    const agg = await api().get('/apis').set('Accept', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList').buffer(true).parse((res, cb) => {
      let s = '';
      res.on('data', (c: Buffer) => (s += c));
      res.on('end', () => cb(null, s));
    });
    expect(agg.status).toBe(200);
    expect((agg.body as string).endsWith('}\n')).toBe(true);
  });

  it('YAML answers end with a newline', async () => {
    const res = await api().get(`${CMS}/bytes`).set('Accept', 'application/yaml').expect(200);
    expect(res.text.endsWith('\n')).toBe(true);
  });
});

describe('raw JSON (WriteRawJSON): indented, no newline', () => {
  it('/version', async () => {
    const res = await api().get('/version').expect(200);
    expect(res.text.startsWith('{\n  "major": "1",\n')).toBe(true);
    expect(res.text.endsWith('\n}')).toBe(true);
  });
  it('/', async () => {
    const res = await api().get('/').expect(200);
    expect(res.text.startsWith('{\n  "paths": [\n    "/api",\n')).toBe(true);
    expect(res.text.endsWith(']\n}')).toBe(true);
  });
});

describe('watch', () => {
  it('each event is one JSON document on its own line', async () => {
    const w = await openWatch(emu.url, `${CMS}?watch=1&resourceVersion=0&labelSelector=none%3Dnone`);
    let raw = '';
    w.res.on('data', (c: Buffer) => (raw += c));
    try {
      await api().post(CMS).send(cm('bytes3', {}, { none: 'none' })).expect(201);
      await w.next(3000);
      expect(raw.endsWith('}\n')).toBe(true);
      expect(raw.split('\n').filter(Boolean).every((l) => JSON.parse(l).type)).toBe(true);
    } finally {
      w.close();
    }
  });
});

describe('as Go encodes', () => {
  it('<, > and & in strings are escaped as encoding/json escapes them', async () => {
    await api().post(CMS).send(cm('html', { q: 'a<b && c>d' })).expect(201);
    const res = await api().get(`${CMS}/html`).expect(200);
    expect(res.text).toContain('"q":"a\\u003cb \\u0026\\u0026 c\\u003ed"');
    expect(res.body.data.q).toBe('a<b && c>d');
  });

  it('pretty=true and curl get json.MarshalIndent output (two spaces, no newline)', async () => {
    for (const req of [api().get(`${CMS}/bytes?pretty=true`), api().get(`${CMS}/bytes`).set('User-Agent', 'curl/8.5.0')]) {
      const res = await req.expect(200);
      expect(res.text.startsWith('{\n  "')).toBe(true);
      expect(res.text).toContain('\n  "metadata": {\n    "name": "bytes",\n    "namespace": "default",');
      expect(res.text.endsWith('\n  }\n}')).toBe(true);
    }
    const err = await api().get(`${CMS}/missing`).set('User-Agent', 'curl/8.5.0').expect(404);
    expect(err.text.startsWith('{\n  "kind": "Status",')).toBe(true);
  });

  it('pretty=false turns it off for curl', async () => {
    const res = await api().get(`${CMS}/bytes?pretty=false`).set('User-Agent', 'curl/8.5.0').expect(200);
    endsWithOneNewline(res.text);
    expect(res.text).toContain('"metadata":{"name":"bytes","namespace":"default",');
  });
});
