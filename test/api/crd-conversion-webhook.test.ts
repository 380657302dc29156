// CRD conversion webhooks (conversion.strategy Webhook): a v1-stored kind served as v1 and v2, the
// webhook (in a worker thread: the server waits for it synchronously) renaming spec.host <->
// spec.hostname; reads and writes in v2 go through it; its failures are upstream's 500s.
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import { until } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
const CA_BUNDLE = readFileSync(join(TLS, 'ca.crt')).toString('base64');

// the conversion webhook, in its own thread
const SERVER = `
const { parentPort, workerData } = require('node:worker_threads');
const https = require('node:https');
let failing = false;
parentPort.on('message', (m) => { failing = m.failing; parentPort.postMessage('ok'); });
const srv = https.createServer({ key: workerData.key, cert: workerData.cert }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString());
    const to = review.request.desiredAPIVersion;
    const convertedObjects = review.request.objects.map((o) => {
      const c = JSON.parse(JSON.stringify(o));
      c.apiVersion = to;
      if (to.endsWith('/v2') && c.spec && 'host' in c.spec) { c.spec.hostname = c.spec.host; delete c.spec.host; }
      if (to.endsWith('/v1') && c.spec && 'hostname' in c.spec) { c.spec.host = c.spec.hostname; delete c.spec.hostname; }
      c.metadata.labels = { ...(c.metadata.labels || {}), converted: 'yes' };
      c.metadata.uid = 'changed-by-webhook';
      return c;
    });
    const result = failing ? { status: 'Failure', message: 'cannot convert today' } : { status: 'Success' };
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'ConversionReview', response: { uid: review.request.uid, convertedObjects: failing ? [] : convertedObjects, result } }));
  });
});
srv.listen(0, '127.0.0.1', () => parentPort.postMessage(srv.address().port));
`;

let emu: KubeEmulator;
let worker: Worker;
let port: number;
const api = () => request(emu.app.server);
const CRDS = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';
const V1 = '/apis/conv.example.com/v1/namespaces/default/widgets';
const V2 = '/apis/conv.example.com/v2/namespaces/default/widgets';

const setFailing = (failing: boolean) =>
  new Promise<void>((resolve) => {
    worker.once('message', () => resolve());
    worker.postMessage({ failing });
  });

beforeAll(async () => {
  worker = new Worker(SERVER, { eval: true, workerData: { key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) } });
  port = await new Promise<number>((resolve) => worker.once('message', resolve));
  emu = await startServer({ controllers: ['garbagecollector', 'namespace'] });
  const schema = { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } };
  await api()
    .post(CRDS)
    .send({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'widgets.conv.example.com' },
      spec: {
        group: 'conv.example.com',
        scope: 'Namespaced',
        names: { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList' },
        versions: [
          { name: 'v1', served: true, storage: true, schema },
          { name: 'v2', served: true, storage: false, schema },
        ],
        conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'], clientConfig: { url: `https://127.0.0.1:${port}/convert`, caBundle: CA_BUNDLE } } },
      },
    })
    .expect(201);
  await until(async () => (await api().get(V2)).status === 200, 5000, 'widgets served');
});
afterAll(async () => {
  await emu?.close();
  await worker?.terminate();
});

describe('conversion webhook', () => {
  it('reads and writes in another version go through the webhook', async () => {
    const made = (await api().post(V1).send({ apiVersion: 'conv.example.com/v1', kind: 'Widget', metadata: { name: 'w1' }, spec: { host: 'a.example.com' } }).expect(201)).body;
    expect(made.spec).toEqual({ host: 'a.example.com' });
    const asV2 = (await api().get(`${V2}/w1`).expect(200)).body;
    expect(asV2.apiVersion).toBe('conv.example.com/v2');
    expect(asV2.spec).toEqual({ hostname: 'a.example.com' });
    // only labels and annotations may change
    expect(asV2.metadata.uid).toBe(made.metadata.uid);
    expect(asV2.metadata.labels).toEqual({ converted: 'yes' });
    const list = (await api().get(V2).expect(200)).body;
    expect(list.items.map((i: any) => [i.apiVersion, i.spec])).toEqual([['conv.example.com/v2', { hostname: 'a.example.com' }]]);
    // a write in v2 is stored as v1
    await api().post(V2).send({ apiVersion: 'conv.example.com/v2', kind: 'Widget', metadata: { name: 'w2' }, spec: { hostname: 'b.example.com' } }).expect(201);
    const stored = (await api().get(`${V1}/w2`).expect(200)).body;
    expect(stored.spec).toEqual({ host: 'b.example.com' });
  });

  it('a failing webhook is upstream\'s error', async () => {
    await setFailing(true);
    try {
      // (a stored revision is converted once: w3 is new to the webhook)
      await api().post(V1).send({ apiVersion: 'conv.example.com/v1', kind: 'Widget', metadata: { name: 'w3' }, spec: { host: 'c' } }).expect(201);
      const res = await api().get(`${V2}/w3`).expect(500);
      expect(res.body.message).toBe('conversion webhook for conv.example.com/v1, Kind=Widget failed: cannot convert today');
    } finally {
      await setFailing(false);
    }
  });
});
