// --log-level debug: one small line per request with what kube-apiserver's httplog reports
// (apiserver pkg/server/httplog/httplog.go), not the serialised Node request/response objects.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';
import { cm, until } from './util.js';

let emu: KubeEmulator;
const lines: string[] = [];
const api = () => request(emu.app.server);

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      cb();
    },
  });
  emu = await startServer({ logger: pino({ level: 'debug', base: undefined }, sink) });
});
afterAll(async () => {
  await emu.close();
});

const httpLines = () => lines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'HTTP');

describe('request log', () => {
  it('a create logs method, URI, status, latency, user agent, verb and resource in a small line', async () => {
    await api().post('/api/v1/namespaces/default/configmaps?fieldManager=me').set('User-Agent', 'kubectl/v1.33.0 (linux/amd64)').send(cm('logged', { a: 'b' })).expect(201);
    await until(() => httpLines().some((l) => l.URI?.includes('fieldManager=me')));
    const raw = lines.find((l) => l.includes('fieldManager=me'))!;
    expect(raw.length).toBeLessThan(600);
    const l = JSON.parse(raw);
    expect(l).toMatchObject({
      level: 20,
      msg: 'HTTP',
      method: 'POST',
      verb: 'create',
      URI: '/api/v1/namespaces/default/configmaps?fieldManager=me',
      resp: 201,
      userAgent: 'kubectl/v1.33.0 (linux/amd64)',
      contentType: 'application/json',
      resource: 'configmaps',
      namespace: 'default',
    });
    expect(l.latencyMs).toBeTypeOf('number');
    expect(l.srcIP).toMatch(/:\d+$/);
  });

  it('errors and non-resource requests are logged the same way; no line serialises a request or response object', async () => {
    await api().get('/api/v1/namespaces/default/configmaps/nope').expect(404);
    await api().get('/version').expect(200);
    await until(() => httpLines().some((l) => l.URI === '/version'));
    const miss = httpLines().find((l) => l.URI === '/api/v1/namespaces/default/configmaps/nope');
    expect(miss).toMatchObject({ verb: 'get', resp: 404, resource: 'configmaps', name: 'nope' });
    expect(httpLines().find((l) => l.URI === '/version')).toMatchObject({ verb: 'get', resp: 200 });
    for (const raw of lines) {
      expect(raw.length).toBeLessThan(2000);
      const l = JSON.parse(raw);
      expect(l.req).toBeUndefined();
      expect(l.res).toBeUndefined();
    }
  });
});
