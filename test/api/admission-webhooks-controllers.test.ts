// Pods the in-process ReplicaSet controller creates go through admission webhooks, as the
// controller-manager's creates do upstream: a sidecar injector's container is in the pods, and the
// review names the controller's service account.
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import request from 'supertest';
import { startServer } from '../helpers/server.js';
import { until } from './util.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
let emu: KubeEmulator;
let hooks: Server;
const users: string[] = [];
const api = () => request(emu.app.server);

beforeAll(async () => {
  hooks = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      users.push(review.request.userInfo.username);
      const patch = [{ op: 'add', path: '/spec/containers/-', value: { name: 'sidecar', image: 'proxy:1' } }];
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify(patch)).toString('base64') },
      }));
    });
  });
  await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
  emu = await startServer({ controllers: ['replicaset'] });
  await api()
    .post('/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations')
    .send({
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'sidecars' },
      webhooks: [{
        name: 'sidecar.example.com',
        clientConfig: { url: `https://127.0.0.1:${(hooks.address() as AddressInfo).port}/inject`, caBundle: readFileSync(join(TLS, 'ca.crt')).toString('base64') },
        rules: [{ operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
      }],
    })
    .expect(201);
});
afterAll(async () => {
  await emu?.close();
  hooks?.closeAllConnections();
  await new Promise((r) => hooks?.close(r));
});

it('a ReplicaSet\'s pods carry the injected sidecar', async () => {
  await api()
    .post('/apis/apps/v1/namespaces/default/replicasets')
    .send({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
    })
    .expect(201);
  let pods: any[] = [];
  await until(async () => (pods = (await api().get('/api/v1/namespaces/default/pods').expect(200)).body.items).length === 2, 5000, 'two pods');
  for (const p of pods) expect(p.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar']);
  expect(users).toEqual(['system:serviceaccount:kube-system:replicaset-controller', 'system:serviceaccount:kube-system:replicaset-controller']);
});
