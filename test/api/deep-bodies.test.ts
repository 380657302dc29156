// Bodies nested exactly as deep as the decoders allow (10,000 levels, Go's encoding/json limit:
// sigs.k8s.io/json internal/golang/encoding/json/scanner.go maxNestingDepth) are handled as any
// other body: a deep value where the schema keeps anything (ControllerRevision.data is a
// runtime.RawExtension) is stored, read, listed, watched and server-side applied; a deep unknown
// field is dropped, warned about or refused as fieldValidation says. Nothing answers with a
// stack overflow. (Patch bodies are covered in src/patch's own tests.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { stringifyJSON } from '../../src/util/json.js';
import { openWatch, startBare, TABLE_ACCEPT } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CRS = '/apis/apps/v1/namespaces/default/controllerrevisions';
const CMS = '/api/v1/namespaces/default/configmaps';
const PODS = '/api/v1/namespaces/default/pods';
const STS = '/apis/apps/v1/namespaces/default/statefulsets';
const LIMIT = 10_000;

/** `levels` nested objects, {"a":{"a":...{}...}}. */
const deepObj = (levels: number) => '{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1);
/** `levels` nested arrays, [[...[]...]]. */
const deepArr = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
/** A ControllerRevision whose data (at depth 2) holds the given JSON text. */
const cr = (name: string, data: string, revision = 1) => `{"apiVersion":"apps/v1","kind":"ControllerRevision","metadata":{"name":"${name}"},"revision":${revision},"data":${data}}`;
const APPLY = 'application/apply-patch+yaml';

/** A 5xx never comes back; the answer is a Status when it is not a 2xx. */
function normal(res: request.Response): request.Response {
  expect(res.status, String(res.text ?? '').slice(0, 300)).toBeLessThan(500);
  if (res.status >= 300) expect(res.body.kind).toBe('Status');
  return res;
}

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

describe('a ControllerRevision whose data nests to the limit', () => {
  const data = deepObj(LIMIT - 1); // the body's own object is the first level
  const arr = deepArr(LIMIT - 1);

  it('is created, read, listed and served as a Table', async () => {
    const c = normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('deep', data)));
    expect(c.status).toBe(201);
    expect(stringifyJSON(c.body.data)).toBe(data);
    // the create's managedFields own every level of the granular (deduced) map
    expect(c.body.metadata.managedFields[0].fieldsV1['f:data']['f:a']['.']).toEqual({});

    const g = normal(await api().get(`${CRS}/deep`));
    expect(g.status).toBe(200);
    expect(stringifyJSON(g.body.data)).toBe(data);
    expect(stringifyJSON(g.body.metadata.managedFields)).toBe(stringifyJSON(c.body.metadata.managedFields));

    const l = normal(await api().get(CRS));
    expect(l.status).toBe(200);
    expect(stringifyJSON(l.body.items.find((i: any) => i.metadata.name === 'deep').data)).toBe(data);

    const t = normal(await api().get(`${CRS}/deep`).set('Accept', TABLE_ACCEPT));
    expect(t.body.kind).toBe('Table');
    expect(t.body.rows[0].cells[0]).toBe('deep');
  });

  it('is answered as YAML, the levels the YAML library cannot nest into in flow style', async () => {
    const res = normal(await api().get(`${CRS}/deep`).set('Accept', 'application/yaml'));
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/yaml/);
    const lines = (res.text as string).split('\n');
    expect(lines).toContain('kind: ControllerRevision');
    const at = lines.indexOf('data:');
    expect(lines.slice(at + 1, at + 3)).toEqual(['  a:', '    a:']);
    // block levels down to the cut, then the rest of the chain as its JSON text on one line
    const flowAt = lines.findIndex((l, i) => i > at && l.includes('{"a":'));
    const block = lines.slice(at + 1, flowAt).length;
    const [, indent, flow] = /^( *)a: (.*)$/.exec(lines[flowAt])!;
    expect(indent.length).toBe(2 * (block + 1));
    expect(flow).toBe(deepObj(LIMIT - 1 - block - 1));
  });

  it('is updated with PUT: the same data is accepted, other data is immutable (422)', async () => {
    const live = (await api().get(`${CRS}/deep`).expect(200)).body;
    const rv = live.metadata.resourceVersion;
    const same = normal(await api().put(`${CRS}/deep`).set('Content-Type', 'application/json').send(cr('deep', data, 2).replace('"name":"deep"', `"name":"deep","resourceVersion":"${rv}"`)));
    expect(same.status).toBe(200);
    expect(same.body.revision).toBe(2);
    expect(stringifyJSON(same.body.data)).toBe(data);

    const other = deepObj(LIMIT - 2);
    const diff = normal(await api().put(`${CRS}/deep`).set('Content-Type', 'application/json').send(cr('deep', other, 3)));
    expect(diff.status).toBe(422);
    expect(diff.body.reason).toBe('Invalid');
    // ValidateImmutableField renders the new value (apps/validation ValidateControllerRevisionUpdate)
    expect(diff.body.message).toBe(`ControllerRevision.apps "deep" is invalid: data: Invalid value: ${other}: field is immutable`);
  });

  it('is patched on its other fields with every patch type', async () => {
    const cases: [string, string][] = [
      ['application/merge-patch+json', '{"revision":4}'],
      ['application/strategic-merge-patch+json', '{"revision":5}'],
      ['application/json-patch+json', '[{"op":"replace","path":"/revision","value":6}]'],
    ];
    for (const [type, body] of cases) {
      const res = normal(await api().patch(`${CRS}/deep`).set('Content-Type', type).send(body));
      expect({ type, status: res.status }).toEqual({ type, status: 200 });
      expect(stringifyJSON(res.body.data)).toBe(data);
    }
  });

  it('is deleted, the DELETED event carrying the deep object', async () => {
    normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('gone', arr))).status === 201 || expect.fail('create');
    const w = await openWatch(emu.url, `${CRS}?watch=true&fieldSelector=metadata.name=gone`);
    try {
      expect((await w.next()).type).toBe('ADDED');
      const d = normal(await api().delete(`${CRS}/gone`));
      expect(d.status).toBe(200);
      const ev = await w.next();
      expect(ev.type).toBe('DELETED');
      expect(stringifyJSON(ev.object.data)).toBe(arr);
    } finally {
      w.close();
    }
  });

  it('is watched: the event carries the whole object', async () => {
    const w = await openWatch(emu.url, `${CRS}?watch=true&fieldSelector=metadata.name=watched`);
    try {
      normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('watched', data)));
      const ev = await w.next();
      expect(ev.type).toBe('ADDED');
      expect(stringifyJSON(ev.object.data)).toBe(data);
    } finally {
      w.close();
    }
  });

  it('is watched as a Table with the object included', async () => {
    const w = await openWatch(emu.url, `${CRS}?watch=true&fieldSelector=metadata.name=tabled&includeObject=Object`, { Accept: TABLE_ACCEPT });
    try {
      normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('tabled', data)));
      const ev = await w.next();
      expect(ev.type).toBe('ADDED');
      expect(ev.object.kind).toBe('Table');
      expect(stringifyJSON(ev.object.rows[0].object.data)).toBe(data);
    } finally {
      w.close();
    }
  });

  it('is indented for pretty=true', async () => {
    // json.MarshalIndent's output of 10,000 levels is about 200 MB; 5,000 levels still nest past
    // what V8's own JSON.stringify manages
    const mid = deepArr(5_000);
    normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('pretty', mid)));
    const res = normal(await api().get(`${CRS}/pretty?pretty=true`).buffer(true).parse((r, cb) => {
      let s = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (s += c));
      r.on('end', () => cb(null, s));
    }));
    expect(res.status).toBe(200);
    const text = res.body as unknown as string;
    expect(text.startsWith('{\n  "apiVersion": "apps/v1",\n  "kind": "ControllerRevision",\n')).toBe(true);
    expect(text).toContain('\n  "data": [\n    [\n      [\n');
    expect(stringifyJSON(JSON.parse(text).data)).toBe(mid);
  });

  describe('server-side apply', () => {
    it('creates, applies again, shares and forces', async () => {
      const created = normal(await api().patch(`${CRS}/applied?fieldManager=a`).set('Content-Type', APPLY).send(cr('applied', data)));
      expect(created.status).toBe(201);
      expect(stringifyJSON(created.body.data)).toBe(data);
      expect(created.body.metadata.managedFields).toMatchObject([{ manager: 'a', operation: 'Apply' }]);

      const again = normal(await api().patch(`${CRS}/applied?fieldManager=a`).set('Content-Type', APPLY).send(cr('applied', data)));
      expect(again.status).toBe(200);
      expect(again.body.metadata.resourceVersion).toBe(created.body.metadata.resourceVersion);

      // a second applier of a shorter chain of the same granular map: the maps merge (same data), both own it
      const shared = normal(await api().patch(`${CRS}/applied?fieldManager=b`).set('Content-Type', APPLY).send(cr('applied', deepObj(LIMIT - 2))));
      expect(shared.status).toBe(200);
      expect(stringifyJSON(shared.body.data)).toBe(data);
      expect(shared.body.metadata.managedFields.map((m: any) => m.manager).sort()).toEqual(['a', 'b']);
    });

    it('reports a conflict on a deep atomic list, and forces it (then the data is immutable)', async () => {
      normal(await api().patch(`${CRS}/atomic?fieldManager=a`).set('Content-Type', APPLY).send(cr('atomic', arr))).status === 201 || expect.fail('apply');
      const other = deepArr(LIMIT - 2);
      const c = normal(await api().patch(`${CRS}/atomic?fieldManager=b`).set('Content-Type', APPLY).send(cr('atomic', other)));
      expect(c.status).toBe(409);
      expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "a": .data');
      const f = normal(await api().patch(`${CRS}/atomic?fieldManager=b&force=true`).set('Content-Type', APPLY).send(cr('atomic', other)));
      expect(f.status).toBe(422);
      expect(f.body.message.startsWith('ControllerRevision.apps "atomic" is invalid: data: Invalid value: [[[')).toBe(true);
    });

    it('applies to an object created with POST', async () => {
      normal(await api().post(CRS).set('Content-Type', 'application/json').send(cr('posted', data)));
      const res = normal(await api().patch(`${CRS}/posted?fieldManager=later`).set('Content-Type', APPLY).send(cr('posted', deepObj(LIMIT - 3))));
      expect(res.status).toBe(200);
      expect(stringifyJSON(res.body.data)).toBe(data);
      expect(res.body.metadata.managedFields).toHaveLength(2);
      expect(res.body.metadata.managedFields.find((m: any) => m.manager === 'later')).toMatchObject({ operation: 'Apply' });
      // a changed revision is a field the creator owns
      const c = normal(await api().patch(`${CRS}/posted?fieldManager=later`).set('Content-Type', APPLY).send(cr('posted', deepObj(LIMIT - 3), 7)));
      expect(c.status).toBe(409);
    });
  });
});

describe('a deep unknown field', () => {
  const fvs = ['Ignore', 'Warn', 'Strict'] as const;

  it('in a ConfigMap is dropped, warned about or refused on create, update and apply', async () => {
    const extra = deepObj(LIMIT - 1);
    const body = (name: string) => `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"data":{"k":"v"},"extra":${extra}}`;
    for (const fv of fvs) {
      const name = `cm-${fv.toLowerCase()}`;
      const c = normal(await api().post(`${CMS}?fieldValidation=${fv}`).set('Content-Type', 'application/json').send(body(name)));
      if (fv === 'Strict') {
        expect(c.status).toBe(400);
        expect(c.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra"');
        continue;
      }
      expect(c.status).toBe(201);
      expect(c.body.extra).toBeUndefined();
      expect(c.headers.warning).toBe(fv === 'Warn' ? '299 - "unknown field \\"extra\\""' : undefined);
      const u = normal(await api().put(`${CMS}/${name}?fieldValidation=${fv}`).set('Content-Type', 'application/json').send(body(name)));
      expect(u.status).toBe(200);
      expect(u.body.extra).toBeUndefined();
    }
  });

  it('does not hide a duplicate field elsewhere in the body', async () => {
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup"},"extra":${deepObj(LIMIT - 1)},"data":{"k":"v","k":"w"}}`;
    const res = normal(await api().post(`${CMS}?fieldValidation=Strict`).set('Content-Type', 'application/json').send(body));
    expect(res.status).toBe(400);
    expect(res.body.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "extra", duplicate field "data.k"');
  });

  it('in an applied configuration fails the typed conversion, as a shallow one does', async () => {
    // managedfields structuredmerge.go Apply: "failed to create typed patch object", answered 500
    // without a reason whatever fieldValidation says (the same for any undeclared field)
    for (const fv of fvs) {
      const name = `cm-apply-${fv.toLowerCase()}`;
      const res = await api()
        .patch(`${CMS}/${name}?fieldManager=m&fieldValidation=${fv}`)
        .set('Content-Type', APPLY)
        .send(`{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"${name}"},"extra":${deepObj(LIMIT - 1)}}`);
      expect(res.status).toBe(500);
      expect(res.body.message).toBe(`failed to create typed patch object (/${name}; /v1, Kind=ConfigMap): .extra: field not declared in schema`);
    }
  });

  it('in a Pod container and a StatefulSet pod template', async () => {
    const pod = (name: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{"containers":[{"name":"c","image":"i","extra":${deepArr(LIMIT - 4)}}]}}`;
    const sts = (name: string) =>
      `{"apiVersion":"apps/v1","kind":"StatefulSet","metadata":{"name":"${name}"},"spec":{"selector":{"matchLabels":{"a":"b"}},"serviceName":"s","template":{"metadata":{"labels":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i","extra":${deepObj(LIMIT - 6)}}]}}}}`;
    for (const fv of fvs) {
      const name = `deep-${fv.toLowerCase()}`;
      const p = normal(await api().post(`${PODS}?fieldValidation=${fv}`).set('Content-Type', 'application/json').send(pod(name)));
      const s = normal(await api().post(`${STS}?fieldValidation=${fv}`).set('Content-Type', 'application/json').send(sts(name)));
      if (fv === 'Strict') {
        expect(p.status).toBe(400);
        expect(p.body.message).toBe('Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.containers[0].extra"');
        expect(s.status).toBe(400);
        expect(s.body.message).toBe('StatefulSet in version "v1" cannot be handled as a StatefulSet: strict decoding error: unknown field "spec.template.spec.containers[0].extra"');
        continue;
      }
      expect([p.status, s.status]).toEqual([201, 201]);
      expect(p.body.spec.containers[0].extra).toBeUndefined();
      expect(s.body.spec.template.spec.containers[0].extra).toBeUndefined();
      const a = await api().patch(`${PODS}/${name}-a?fieldManager=m&fieldValidation=${fv}`).set('Content-Type', APPLY).send(pod(`${name}-a`));
      expect(a.status).toBe(500);
      expect(a.body.message).toBe(`failed to create typed patch object (/${name}-a; /v1, Kind=Pod): .spec.containers[name="c"].extra: field not declared in schema`);
    }
  });
});

describe('a deep value where the schema wants a scalar', () => {
  it('is a type error as for a shallow one', async () => {
    const pod = (name: string, v: string) => `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"${name}"},"spec":{"containers":[{"name":"c","image":"i","resources":{"limits":{"cpu":${v}}}}]}}`;
    const shallow = normal(await api().post(PODS).set('Content-Type', 'application/json').send(pod('q1', '{"a":{}}')));
    expect(shallow.status).toBe(400);
    for (const v of [deepObj(LIMIT - 6), deepArr(LIMIT - 6)]) {
      const res = normal(await api().post(PODS).set('Content-Type', 'application/json').send(pod('q2', v)));
      expect(res.status).toBe(400);
      expect(res.body.message).toBe(shallow.body.message.replace('"q1"', '"q2"'));
      const a = normal(await api().patch(`${PODS}/q2?fieldManager=m`).set('Content-Type', APPLY).send(pod('q2', v)));
      expect(a.status).toBe(400);
    }
  });
});
