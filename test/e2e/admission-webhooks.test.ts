// E2E with real kubectl: a ValidatingWebhookConfiguration and a MutatingWebhookConfiguration
// applied with kubectl, `kubectl create` refused with the webhook's message, a mutating webhook's
// label visible in `kubectl get`, and `kubectl get validatingwebhookconfigurations`.
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
const CA_BUNDLE = readFileSync(join(TLS, 'ca.crt')).toString('base64');

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: admission webhooks', ({ bin }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  let hooks: Server;
  let url: string;
  beforeAll(async () => {
    hooks = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c) => chunks.push(c));
      req.on('end', () => {
        const review = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        const obj = review.request.object;
        const response = req.url?.startsWith('/validate')
          ? { allowed: obj.data?.forbidden === undefined, status: { code: 403, message: 'configmaps may not say "forbidden"' } }
          : { allowed: true, patchType: 'JSONPatch', patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels', value: { ...(obj.metadata.labels ?? {}), mutated: 'true' } }])).toString('base64') };
        res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response: { uid: review.request.uid, ...response } }));
      });
    });
    await new Promise<void>((r) => hooks.listen(0, '127.0.0.1', r));
    url = `https://127.0.0.1:${(hooks.address() as AddressInfo).port}`;
    emu = await startServer();
    k = new Kubectl(bin, emu.url);
  });
  afterAll(async () => {
    await emu?.close();
    hooks?.closeAllConnections();
    await new Promise((r) => hooks?.close(r));
  });

  const webhook = (kind: string, name: string, path: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: ${kind}
metadata:
  name: ${name}
webhooks:
- name: ${name}.example.com
  clientConfig:
    url: ${url}${path}
    caBundle: ${CA_BUNDLE}
  rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["configmaps"]
  sideEffects: None
  admissionReviewVersions: ["v1"]
`;

  it('apply a validating webhook; kubectl create is refused with its message', async () => {
    expect(await k.ok(['apply', '-f', '-'], { input: webhook('ValidatingWebhookConfiguration', 'deny', '/validate') })).toBe('validatingwebhookconfiguration.admissionregistration.k8s.io/deny created\n');
    const r = await k.run(['create', 'configmap', 'bad', '--from-literal=forbidden=yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: failed to create configmap: admission webhook "deny.example.com" denied the request: configmaps may not say "forbidden"\n');
    await k.ok(['create', 'configmap', 'good', '--from-literal=fine=yes']);
    const t = (await k.ok(['get', 'validatingwebhookconfigurations'])).split('\n');
    expect(t[0]).toMatch(/^NAME\s+WEBHOOKS\s+AGE$/);
    expect(t[1]).toMatch(/^deny\s+1\s+\d+s$/);
  });

  it('a mutating webhook labels what kubectl creates', async () => {
    await k.ok(['apply', '-f', '-'], { input: webhook('MutatingWebhookConfiguration', 'label', '/mutate') });
    await k.ok(['create', 'configmap', 'labelled', '--from-literal=a=b']);
    expect(await k.ok(['get', 'configmap', 'labelled', '-o', 'jsonpath={.metadata.labels.mutated}'])).toBe('true');
  });
});
