// Request line and headers up to 1 MB, as Go's http.Server serves them (DefaultMaxHeaderBytes);
// Node's default (16 KB) answered 431 to a legitimate 40 KB label selector.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { cm, startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const CMS = '/api/v1/namespaces/default/configmaps';

beforeAll(async () => {
  emu = await startBare();
  await api().post(CMS).send(cm('picked', {}, { app: 'v-00001' })).expect(201);
  await api().post(CMS).send(cm('other', {}, { app: 'zzz' })).expect(201);
});
afterAll(async () => {
  await emu.close();
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(emu.url + path, { headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
  });
}

describe('large request headers', () => {
  it('a 40 KB label selector lists', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => `v-${String(i).padStart(5, '0')}`);
    const selector = `app in (${values.join(',')})`;
    expect(selector.length).toBeGreaterThan(40_000);
    const res = await get(`${CMS}?labelSelector=${encodeURIComponent(selector)}`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).items.map((i: any) => i.metadata.name)).toEqual(['picked']);
  });

  it('a 40 KB header is served', async () => {
    const res = await get(CMS, { 'X-Large': 'x'.repeat(40 * 1024) });
    expect(res.status).toBe(200);
  });

  it('headers past 1 MB still get 431', async () => {
    const res = await get(CMS, { 'X-Large': 'x'.repeat((1 << 20) + 1024) }).catch((e) => ({ status: 0, body: String(e) }));
    expect(res.status).toBe(431);
  });
});
