// Admission webhooks over HTTP: configurations (defaults, validation, table), a local HTTPS
// webhook server with a fixed test CA, validating refusals, mutating patches, failure policies,
// timeouts, selectors, matchConditions, dry run, warnings, reinvocation and service references.
import { readFileSync } from 'node:fs';
import { createServer as createHTTPS, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

const TLS = join(__dirname, '../fixtures/webhook-tls');
const CA = readFileSync(join(TLS, 'ca.crt'));
const CA_BUNDLE = CA.toString('base64');
const OTHER_CA = readFileSync(join(TLS, 'other-ca.crt')).toString('base64');

type Review = { apiVersion: string; kind: string; request: any };
type Handler = (r: Review) => any | Promise<any>;

let emu: KubeEmulator;
let hookServer: Server;
let hookURL: string;
let hookPort: number;
const handlers = new Map<string, Handler>();
const seen: { path: string; review: Review }[] = [];
const api = () => request(emu.app.server);

beforeAll(async () => {
  emu = await startBare();
  hookServer = createHTTPS({ key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.crt')) }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const path = (req.url ?? '/').split('?')[0];
      const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
      seen.push({ path, review });
      const h = handlers.get(path);
      if (!h) {
        res.writeHead(404).end();
        return;
      }
      const response = await h(review);
      if (response === 'hang') return;
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ apiVersion: review.apiVersion, kind: 'AdmissionReview', response: { uid: review.request.uid, ...response } }));
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, '127.0.0.1', r));
  hookPort = (hookServer.address() as AddressInfo).port;
  hookURL = `https://127.0.0.1:${hookPort}`;
  await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'hooked', labels: { webhooks: 'on' } } }).expect(201);
});
afterAll(async () => {
  hookServer.closeAllConnections();
  await new Promise((r) => hookServer.close(r));
  await emu.close();
});

const VWC = '/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations';
const MWC = '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations';
const CMS = (ns = 'default') => `/api/v1/namespaces/${ns}/configmaps`;

beforeEach(async () => {
  handlers.clear();
  seen.length = 0;
  await api().delete(VWC).expect(200);
  await api().delete(MWC).expect(200);
});

const rules = [{ operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['configmaps'] }];
const hook = (name: string, path: string, extra: Record<string, unknown> = {}) => ({
  name,
  clientConfig: { url: `${hookURL}${path}`, caBundle: CA_BUNDLE },
  rules,
  sideEffects: 'None',
  admissionReviewVersions: ['v1'],
  ...extra,
});
const config = (kind: 'ValidatingWebhookConfiguration' | 'MutatingWebhookConfiguration', name: string, webhooks: unknown[]) => ({
  apiVersion: 'admissionregistration.k8s.io/v1',
  kind,
  metadata: { name },
  webhooks,
});
const validating = async (name: string, ...webhooks: unknown[]) => (await api().post(VWC).send(config('ValidatingWebhookConfiguration', name, webhooks)).expect(201)).body;
const mutating = async (name: string, ...webhooks: unknown[]) => (await api().post(MWC).send(config('MutatingWebhookConfiguration', name, webhooks)).expect(201)).body;
const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = { a: '1' }) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels }, data });
const b64 = (ops: unknown) => Buffer.from(JSON.stringify(ops)).toString('base64');

describe('webhook configurations', () => {
  it('defaults as upstream and prints NAME WEBHOOKS AGE', async () => {
    const made = await validating('v1', hook('a.example.com', '/a'));
    expect(made.webhooks[0]).toMatchObject({ failurePolicy: 'Fail', matchPolicy: 'Equivalent', namespaceSelector: {}, objectSelector: {}, timeoutSeconds: 10 });
    expect(made.webhooks[0].rules[0].scope).toBe('*');
    const m = await mutating('m1', { ...hook('b.example.com', '/b'), clientConfig: { service: { namespace: 'default', name: 'svc' } } });
    expect(m.webhooks[0]).toMatchObject({ reinvocationPolicy: 'Never', clientConfig: { service: { port: 443 } } });
    const table = await api().get(VWC).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200);
    expect(table.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Webhooks', 'Age']);
    expect(table.body.rows[0].cells.slice(0, 2)).toEqual(['v1', 1]);
  });

  it('refuses invalid webhooks with upstream messages', async () => {
    const res = await api()
      .post(VWC)
      .send(config('ValidatingWebhookConfiguration', 'bad', [
        { name: 'short', clientConfig: { url: 'http://x.example.com/' }, rules, admissionReviewVersions: [], timeoutSeconds: 31 },
      ]))
      .expect(422);
    const causes = res.body.details.causes.map((c: any) => `${c.field}: ${c.message}`);
    expect(causes).toEqual(expect.arrayContaining([
      'webhooks[0].name: Invalid value: "short": should be a domain with at least three segments separated by dots',
      'webhooks[0].sideEffects: Required value: must specify one of None, NoneOnDryRun',
      'webhooks[0].timeoutSeconds: Invalid value: 31: the timeout value must be between 1 and 30 seconds',
      'webhooks[0].admissionReviewVersions: Required value: must specify one of v1, v1beta1',
      `webhooks[0].clientConfig.url: Invalid value: "http://x.example.com/": 'https' is the only allowed URL scheme`,
    ]));
  });
  it('matchConditions must compile', async () => {
    const res = await api()
      .post(VWC)
      .send(config('ValidatingWebhookConfiguration', 'badcel', [hook('cel.example.com', '/x', { matchConditions: [{ name: 'c', expression: 'object.metadata.name ==' }] })]))
      .expect(422);
    const c = res.body.details.causes[0];
    expect(c.field).toBe('webhooks[0].matchConditions[0].expression');
    expect(c.message).toMatch(/^Invalid value: "object\.metadata\.name ==": compilation failed: ERROR: <input>:1:/);
  });
});

describe('validating webhooks', () => {
  it('a refusal is the webhook\'s status, worded as upstream', async () => {
    handlers.set('/deny', (r) => ({ allowed: r.request.object.data?.ok === 'yes', status: { code: 403, message: 'no thanks' } }));
    await validating('deny', hook('deny.example.com', '/deny'));
    const res = await api().post(CMS()).send(cm('refused')).expect(403);
    expect(res.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 403, message: 'admission webhook "deny.example.com" denied the request: no thanks' });
    await api().get(`${CMS()}/refused`).expect(404);
    await api().post(CMS()).send(cm('fine', {}, { ok: 'yes' })).expect(201);
    // the review as upstream sends it
    const review = seen.find((s) => s.review.request.name === 'fine')!.review;
    expect(review.apiVersion).toBe('admission.k8s.io/v1');
    expect(review.request).toMatchObject({
      kind: { group: '', version: 'v1', kind: 'ConfigMap' },
      resource: { group: '', version: 'v1', resource: 'configmaps' },
      requestKind: { group: '', version: 'v1', kind: 'ConfigMap' },
      namespace: 'default',
      operation: 'CREATE',
      dryRun: false,
      oldObject: null,
      options: { kind: 'CreateOptions', apiVersion: 'meta.k8s.io/v1' },
      userInfo: { username: expect.any(String) },
    });
    expect(review.request.uid).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('code 400 when the status names none; updates carry the old object', async () => {
    handlers.set('/upd', (r) => (r.request.operation === 'UPDATE' ? { allowed: false, status: { message: `was ${r.request.oldObject.data.a}` } } : { allowed: true }));
    await validating('upd', hook('upd.example.com', '/upd'));
    const made = (await api().post(CMS()).send(cm('u1')).expect(201)).body;
    const res = await api().put(`${CMS()}/u1`).send({ ...made, data: { a: '2' } }).expect(400);
    expect(res.body.message).toBe('admission webhook "upd.example.com" denied the request: was 1');
    const p = await api().patch(`${CMS()}/u1`).set('Content-Type', 'application/merge-patch+json').send({ data: { a: '3' } }).expect(400);
    expect(p.body.message).toBe('admission webhook "upd.example.com" denied the request: was 1');
  });

  it('failurePolicy Fail refuses with a 500 when the webhook is down; Ignore lets the request through', async () => {
    await validating('down', hook('down.example.com', '/x', { clientConfig: { url: 'https://127.0.0.1:1/x', caBundle: CA_BUNDLE } }));
    const res = await api().post(CMS()).send(cm('d1')).expect(500);
    expect(res.body.message).toBe('Internal error occurred: failed calling webhook "down.example.com": failed to call webhook: Post "https://127.0.0.1:1/x?timeout=10s": dial tcp 127.0.0.1:1: connect: connection refused');
    await api().delete(VWC).expect(200);
    await validating('down', hook('down.example.com', '/x', { clientConfig: { url: 'https://127.0.0.1:1/x', caBundle: CA_BUNDLE }, failurePolicy: 'Ignore' }));
    await api().post(CMS()).send(cm('d2')).expect(201);
  });

  it('the caBundle must verify the server', async () => {
    handlers.set('/ok', () => ({ allowed: true }));
    await validating('ca', hook('ca.example.com', '/ok', { clientConfig: { url: `${hookURL}/ok`, caBundle: OTHER_CA } }));
    const res = await api().post(CMS()).send(cm('ca1')).expect(500);
    expect(res.body.message).toContain('failed calling webhook "ca.example.com": failed to call webhook: Post');
    expect(res.body.message).toContain('x509: certificate signed by unknown authority');
  });

  it('timeoutSeconds', async () => {
    handlers.set('/slow', () => 'hang');
    await validating('slow', hook('slow.example.com', '/slow', { timeoutSeconds: 1 }));
    const res = await api().post(CMS()).send(cm('t1')).expect(500);
    expect(res.body.message).toBe(`Internal error occurred: failed calling webhook "slow.example.com": failed to call webhook: Post "${hookURL}/slow?timeout=1s": context deadline exceeded`);
  });

  it('namespaceSelector, objectSelector and matchConditions choose the requests sent', async () => {
    handlers.set('/no', () => ({ allowed: false, status: { message: 'selected' } }));
    await validating(
      'sel',
      hook('ns.example.com', '/no', { namespaceSelector: { matchLabels: { webhooks: 'on' } } }),
      hook('obj.example.com', '/no', { objectSelector: { matchLabels: { check: 'me' } } }),
      hook('cel.example.com', '/no', { matchConditions: [{ name: 'big', expression: "has(object.data) && 'big' in object.data" }] }),
    );
    await api().post(CMS()).send(cm('s1')).expect(201);
    expect((await api().post(CMS('hooked')).send(cm('s2')).expect(400)).body.message).toBe('admission webhook "ns.example.com" denied the request: selected');
    expect((await api().post(CMS()).send(cm('s3', { check: 'me' })).expect(400)).body.message).toBe('admission webhook "obj.example.com" denied the request: selected');
    expect((await api().post(CMS()).send(cm('s4', {}, { big: 'x' })).expect(400)).body.message).toBe('admission webhook "cel.example.com" denied the request: selected');
  });

  it('rules: operations, resources with subresources, scope', async () => {
    handlers.set('/no', (r) => ({ allowed: false, status: { message: `${r.request.operation} ${r.request.resource.resource}/${r.request.subResource ?? ''}` } }));
    await validating('r', hook('del.example.com', '/no', { rules: [{ operations: ['DELETE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['configmaps'], scope: 'Namespaced' }] }));
    await api().post(CMS()).send(cm('r1')).expect(201);
    expect((await api().delete(`${CMS()}/r1`).expect(400)).body.message).toBe('admission webhook "del.example.com" denied the request: DELETE configmaps/');
    await api().delete(VWC).expect(200);
    await validating('r', hook('status.example.com', '/no', { rules: [{ operations: ['UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods/status'] }] }));
    // the main resource is not matched by a rule naming the subresource
    await api().post('/api/v1/namespaces/default/pods').send({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p1' }, spec: { containers: [{ name: 'c', image: 'i' }] } }).expect(201);
    const res = await api().patch('/api/v1/namespaces/default/pods/p1/status').set('Content-Type', 'application/merge-patch+json').send({ status: { phase: 'Running' } }).expect(400);
    expect(res.body.message).toBe('admission webhook "status.example.com" denied the request: UPDATE pods/status');
  });

  it('dry run: the review says so and nothing is stored; warnings come back as Warning headers', async () => {
    handlers.set('/warn', () => ({ allowed: true, warnings: ['be careful'] }));
    await validating('w', hook('warn.example.com', '/warn', { sideEffects: 'NoneOnDryRun' }));
    const res = await api().post(`${CMS()}?dryRun=All`).send(cm('dry')).expect(201);
    expect(res.headers.warning).toBe('299 - "be careful"');
    expect(seen.at(-1)!.review.request.dryRun).toBe(true);
    await api().get(`${CMS()}/dry`).expect(404);
  });

  it('webhook configurations themselves are never sent to webhooks', async () => {
    handlers.set('/no', () => ({ allowed: false }));
    await validating('all', hook('all.example.com', '/no', { rules: [{ operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] }] }));
    await api().delete(VWC).expect(200);
    expect(seen.length).toBe(0);
  });

  it('a Service reference resolves through the webhook-address annotation and verifies <svc>.<ns>.svc', async () => {
    await api().post('/api/v1/namespaces').send({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'webhooks' } }).expect(201);
    await api()
      .post('/api/v1/namespaces/webhooks/services')
      .send({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'hook', annotations: { 'kube-emulator.io/webhook-address': `127.0.0.1:${hookPort}` } }, spec: { ports: [{ port: 443 }] } })
      .expect(201);
    handlers.set('/svc', () => ({ allowed: false, status: { message: 'via service' } }));
    await validating('svc', { ...hook('svc.example.com', '/svc'), clientConfig: { service: { namespace: 'webhooks', name: 'hook', path: '/svc' }, caBundle: CA_BUNDLE } });
    expect((await api().post(CMS()).send(cm('v1')).expect(400)).body.message).toBe('admission webhook "svc.example.com" denied the request: via service');
  });
});

describe('mutating webhooks', () => {
  it('a JSON patch is applied: the label is in the created object', async () => {
    handlers.set('/label', () => ({ allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/metadata/labels/injected', value: 'yes' }]) }));
    await mutating('label', hook('label.example.com', '/label'));
    const made = (await api().post(CMS()).send(cm('m1', { a: 'b' })).expect(201)).body;
    expect(made.metadata.labels).toEqual({ a: 'b', injected: 'yes' });
    expect((await api().get(`${CMS()}/m1`).expect(200)).body.metadata.labels.injected).toBe('yes');
    // the patched object is validated: a bad patch is the object's 422
    handlers.set('/label', () => ({ allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/metadata/labels/bad', value: '-not valid-' }]) }));
    const res = await api().post(CMS()).send(cm('m2')).expect(422);
    expect(res.body.message).toContain('metadata.labels: Invalid value: "-not valid-"');
  });

  it('server-side apply goes through mutating webhooks and keeps the Apply manager', async () => {
    handlers.set('/label', () => ({ allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/metadata/labels', value: { injected: 'yes' } }]) }));
    await mutating('label', hook('label.example.com', '/label'));
    const res = await api()
      .patch(`${CMS()}/applied?fieldManager=me`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'applied' }, data: { k: 'v' } }))
      .expect(201);
    expect(res.body.metadata.labels).toEqual({ injected: 'yes' });
    expect(res.body.data).toEqual({ k: 'v' });
    expect(res.body.metadata.managedFields.map((m: any) => [m.manager, m.operation])).toEqual([['me', 'Apply']]);
  });

  it('matchPolicy Equivalent: a rule naming autoscaling/v1 sees a v2 request converted to v1', async () => {
    handlers.set('/hpa', (r) => ({ allowed: false, status: { message: `${r.request.kind.version} ${r.request.requestKind.version} ${r.request.object.apiVersion} ${r.request.object.spec.targetCPUUtilizationPercentage}` } }));
    await validating('hpa', hook('hpa.example.com', '/hpa', { rules: [{ operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v1'], resources: ['horizontalpodautoscalers'] }] }));
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'd' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
    };
    const res = await api().post('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers').send(hpa).expect(400);
    expect(res.body.message).toBe('admission webhook "hpa.example.com" denied the request: v1 v2 autoscaling/v1 50');
    await api().delete(VWC).expect(200);
    await validating('hpa', hook('hpa.example.com', '/hpa', { matchPolicy: 'Exact', rules: [{ operations: ['CREATE'], apiGroups: ['autoscaling'], apiVersions: ['v1'], resources: ['horizontalpodautoscalers'] }] }));
    await api().post('/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers').send(hpa).expect(201);
  });

  it('mutating webhooks run in order (configuration name, then webhook order); validating ones see the result', async () => {
    const add = (v: string) => (r: Review) => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: b64([{ op: 'add', path: '/data/order', value: (r.request.object.data.order ?? '') + v }]),
    });
    handlers.set('/1', add('1'));
    handlers.set('/2', add('2'));
    handlers.set('/3', add('3'));
    handlers.set('/check', (r) => ({ allowed: r.request.object.data.order === '123', status: { message: `order ${r.request.object.data.order}` } }));
    await mutating('b-second', hook('three.example.com', '/3'));
    await mutating('a-first', hook('one.example.com', '/1'), hook('two.example.com', '/2'));
    await validating('check', hook('check.example.com', '/check'));
    const made = (await api().post(CMS()).send(cm('o1')).expect(201)).body;
    expect(made.data.order).toBe('123');
  });

  it('reinvocationPolicy IfNeeded runs a webhook again when a later one changed the object', async () => {
    let calls = 0;
    handlers.set('/first', (r) => {
      calls++;
      return { allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/data/seen', value: Object.keys(r.request.object.data).sort().join(',') }]) };
    });
    handlers.set('/later', () => ({ allowed: true, patchType: 'JSONPatch', patch: b64([{ op: 'add', path: '/data/later', value: 'x' }]) }));
    await mutating('a', hook('first.example.com', '/first', { reinvocationPolicy: 'IfNeeded' }));
    await mutating('b', hook('later.example.com', '/later'));
    const made = (await api().post(CMS()).send(cm('re1')).expect(201)).body;
    expect(calls).toBe(2);
    expect(made.data).toEqual({ a: '1', later: 'x', seen: 'a,later,seen' });
  });

  it('mutating webhook warnings and refusals; a patch from a validating webhook is an error', async () => {
    handlers.set('/mw', () => ({ allowed: true, warnings: ['from mutating'] }));
    await mutating('mw', hook('mw.example.com', '/mw'));
    const res = await api().post(CMS()).send(cm('w1')).expect(201);
    expect(res.headers.warning).toBe('299 - "from mutating"');
    handlers.set('/vp', () => ({ allowed: true, patchType: 'JSONPatch', patch: b64([]) }));
    await validating('vp', hook('vp.example.com', '/vp'));
    const bad = await api().post(CMS()).send(cm('w2')).expect(500);
    expect(bad.body.message).toBe('Internal error occurred: failed calling webhook "vp.example.com": received invalid webhook response: validating webhook may not return response.patch');
  });
});
