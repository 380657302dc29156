// A 1,000-replica ReplicaSet scale-up with and without a validating webhook on pods: the
// controller keeps its synchronous fast path when no admitter applies (PERF=1 to run).
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
const N = Number(process.env.PERF_REPLICAS ?? 1000);
let hooks: Server;
let calls = 0;

beforeAll(async () => {
  hooks = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      calls++;
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, allowed: true } }));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
});
afterAll(async () => {
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
});

async function scaleUp(webhook: boolean): Promise<number> {
  const emu: KubeEmulator = await startServer({ controllers: ['replicaset'] });
  try {
    const api = () => request(emu.app.server);
    if (webhook)
      await api().post('/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations').send({
        apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingWebhookConfiguration', metadata: { name: 'pods' },
        webhooks: [{
          name: 'pods.example.com',
          clientConfig: { url: `https://127.0.0.1:${(hooks.address() as AddressInfo).port}/`, caBundle: readFileSync(join(TLS, 'ca.crt')).toString('base64') },
          rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
          sideEffects: 'None', admissionReviewVersions: ['v1'],
        }],
      }).expect(201);
    const podDef = emu.registry.mustDef('', 'pods');
    const t0 = performance.now();
    await api().post('/apis/apps/v1/namespaces/default/replicasets').send({
      apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'big' },
      spec: { replicas: N, selector: { matchLabels: { app: 'big' } }, template: { metadata: { labels: { app: 'big' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    }).expect(201);
    for (;;) {
      if (emu.registry.listEntries(podDef, 'default').entries.length >= N) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return performance.now() - t0;
  } finally {
    await emu.close();
  }
}

it.skipIf(!process.env.PERF)(`a ${N}-replica scale-up, with and without a webhook`, async () => {
  const plain = await scaleUp(false);
  const hooked = await scaleUp(true);
  console.log(`${N} pods: no webhook ${plain.toFixed(0)} ms; validating webhook ${hooked.toFixed(0)} ms (${calls} reviews)`);
  expect(calls).toBeGreaterThanOrEqual(N);
}, 300_000);
