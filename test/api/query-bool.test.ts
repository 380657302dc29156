// Boolean query parameters decoded by apimachinery's rule (pkg/runtime/conversion.go
// Convert_Slice_string_To_bool): only absent, `0` and `false` (any case) are false, so the Python
// client's `watch=True` / `force=True` and a bare `?watch` mean true.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, openWatch, startBare, TABLE_ACCEPT } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

describe('watch', () => {
  for (const v of ['True', 'true', 'TRUE', '1', '', 'yes']) {
    it(`watch=${v} streams events`, async () => {
      const w = await openWatch(emu.url, `${CMS}?watch=${v}&labelSelector=w%3D${encodeURIComponent(v || 'empty')}`);
      try {
        expect(w.status).toBe(200);
        const name = `w-${(v || 'empty').toLowerCase()}-${Math.random().toString(36).slice(2, 7)}`;
        await api().post(CMS).send(cm(name, {}, { w: v || 'empty' })).expect(201);
        const ev = await w.next(3000);
        expect(ev.type).toBe('ADDED');
        expect(ev.object.metadata.name).toBe(name);
      } finally {
        w.close();
      }
    });
  }

  it('a bare ?watch (no =) streams events', async () => {
    const w = await openWatch(emu.url, `${CMS}?watch&labelSelector=w%3Dbare`);
    try {
      await api().post(CMS).send(cm('w-bare', {}, { w: 'bare' })).expect(201);
      expect((await w.next(3000)).object.metadata.name).toBe('w-bare');
    } finally {
      w.close();
    }
  });

  for (const v of ['False', 'false', 'FALSE', '0']) {
    it(`watch=${v} is a list`, async () => {
      const res = await api().get(`${CMS}?watch=${v}`).expect(200);
      expect(res.body.kind).toBe('ConfigMapList');
    });
  }

  it('allowWatchBookmarks=True sends bookmarks with sendInitialEvents=True', async () => {
    const w = await openWatch(emu.url, `${CMS}?watch=True&allowWatchBookmarks=True&sendInitialEvents=True&resourceVersionMatch=NotOlderThan&labelSelector=none%3Dnone`);
    try {
      const ev = await w.next(3000);
      expect(ev.type).toBe('BOOKMARK');
      expect(ev.object.metadata.annotations['k8s.io/initial-events-end']).toBe('true');
    } finally {
      w.close();
    }
  });
});

describe('force on server-side apply', () => {
  const applyCM = (manager: string, value: string, force?: string) =>
    api()
      .patch(`${CMS}/ssa?fieldManager=${manager}${force === undefined ? '' : `&force=${force}`}`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ssa' }, data: { k: value } }));

  it('force=False conflicts, force=True takes the field over', async () => {
    await applyCM('one', 'a').expect(201);
    const conflict = await applyCM('two', 'b', 'False').expect(409);
    expect(conflict.body.reason).toBe('Conflict');
    await applyCM('two', 'b', '0').expect(409);
    const res = await applyCM('two', 'b', 'True').expect(200);
    expect(res.body.data.k).toBe('b');
    // empty value is true too
    const again = await applyCM('one', 'c', '').expect(200);
    expect(again.body.data.k).toBe('c');
  });

  it('force=False on a non-apply patch is still refused (the parameter is present)', async () => {
    const res = await api().patch(`${CMS}/ssa?force=False`).set('Content-Type', 'application/merge-patch+json').send('{"data":{"x":"y"}}').expect(422);
    // patch.go: ValidatePatchOptions errors are an Invalid on PatchOptions.meta.k8s.io
    expect(res.body.message).toBe('PatchOptions.meta.k8s.io "" is invalid: force: Forbidden: may not be specified for non-apply patch');
  });
});

describe('noHeaders', () => {
  it('is not a query parameter upstream (TableOptions.NoHeaders is json:"-"): columns stay', async () => {
    const res = await api().get(`${CMS}?noHeaders=true`).set('Accept', TABLE_ACCEPT).expect(200);
    expect(res.body.kind).toBe('Table');
    expect(Array.isArray(res.body.columnDefinitions)).toBe(true);
  });
});
