// networking.k8s.io/v1 Ingresses, IngressClasses (and the DefaultIngressClass admission),
// NetworkPolicies, and policy/v1 PodDisruptionBudgets: defaults, strategies, validation wording.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare } from './util.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const NET = '/apis/networking.k8s.io/v1';
const ING = `${NET}/namespaces/default/ingresses`;
const PDB = '/apis/policy/v1/namespaces/default/poddisruptionbudgets';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

const backend = { service: { name: 'web', port: { number: 80 } } };
const ingress = (name: string, spec: object = { defaultBackend: backend }, annotations?: object) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'Ingress',
  metadata: { name, ...(annotations ? { annotations } : {}) },
  spec,
});
const ingressClass = (name: string, isDefault: boolean) => ({
  apiVersion: 'networking.k8s.io/v1',
  kind: 'IngressClass',
  metadata: { name, ...(isDefault ? { annotations: { 'ingressclass.kubernetes.io/is-default-class': 'true' } } : {}) },
  spec: { controller: 'example.com/ingress' },
});

describe('Ingress', () => {
  it('creates with status.loadBalancer {} and generation 1; spec changes bump it, status writes do not', async () => {
    const created = (await api().post(ING).send({ ...ingress('i1'), status: { loadBalancer: { ingress: [{ ip: '1.2.3.4' }] } } }).expect(201)).body;
    expect(created.status).toEqual({ loadBalancer: {} });
    expect(created.metadata.generation).toBe(1);
    expect(created.spec.ingressClassName).toBeUndefined();
    const upd = (await api().put(`${ING}/i1`).send({ ...created, spec: { defaultBackend: { service: { name: 'other', port: { number: 81 } } } } }).expect(200)).body;
    expect(upd.metadata.generation).toBe(2);
    const st = (await api().put(`${ING}/i1/status`).send({ ...upd, status: { loadBalancer: { ingress: [{ ip: '10.0.0.1' }] } } }).expect(200)).body;
    expect(st.status.loadBalancer.ingress).toEqual([{ ip: '10.0.0.1' }]);
    expect(st.metadata.generation).toBe(2);
    const t = (await api().get(`${ING}/i1`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Class', 'Hosts', 'Address', 'Ports', 'Age']);
    expect(t.rows[0].cells.slice(0, 5)).toEqual(['i1', '<none>', '*', '10.0.0.1', '80']);
  });

  it('refuses an ingress without rules or backend, a bad path and a bad status IP, as upstream words it', async () => {
    const r = await api().post(ING).send(ingress('bad', {})).expect(422);
    expect(r.body.message).toBe('Ingress.networking.k8s.io "bad" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified');
    const rules = { rules: [{ host: '1.2.3.4', http: { paths: [{ path: 'x', pathType: 'Prefix', backend }, { path: '/a', backend }] } }] };
    const r2 = await api().post(ING).send(ingress('bad', rules)).expect(422);
    expect(r2.body.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
      'spec.rules[0].host: Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
      'spec.rules[0].http.paths[0].path: Invalid value: "x": must be an absolute path',
      'spec.rules[0].http.paths[1].pathType: Required value: pathType must be specified',
    ]);
    const live = (await api().get(`${ING}/i1`).expect(200)).body;
    const r3 = await api().put(`${ING}/i1/status`).send({ ...live, status: { loadBalancer: { ingress: [{ ip: 'nope' }] } } }).expect(422);
    expect(r3.body.message).toContain('status.loadBalancer.ingress[0].ip: Invalid value: "nope": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)');
  });

  it('the annotation and ingressClassName must agree on create', async () => {
    const r = await api().post(ING).send(ingress('mix', { defaultBackend: backend, ingressClassName: 'a' }, { 'kubernetes.io/ingress.class': 'b' })).expect(422);
    expect(r.body.message).toBe('Ingress.networking.k8s.io "mix" is invalid: annotations.kubernetes.io/ingress.class: Invalid value: "b": must match `ingressClassName` when both are specified');
  });
});

describe('IngressClass and DefaultIngressClass', () => {
  it('defaults parameters.scope, fixes the controller, and prints parameters', async () => {
    const body = { ...ingressClass('params', false), spec: { controller: 'example.com/x', parameters: { apiGroup: 'k8s.example.com', kind: 'Params', name: 'p' } } };
    const c = (await api().post(`${NET}/ingressclasses`).send(body).expect(201)).body;
    expect(c.spec.parameters.scope).toBe('Cluster');
    expect(c.metadata.generation).toBe(1);
    const r = await api().put(`${NET}/ingressclasses/params`).send({ ...c, spec: { ...c.spec, controller: 'example.com/y' } }).expect(422);
    expect(r.body.message).toBe('IngressClass.networking.k8s.io "params" is invalid: spec.controller: Invalid value: "example.com/y": field is immutable');
    const t = (await api().get(`${NET}/ingressclasses/params`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
    expect(t.rows[0].cells.slice(0, 3)).toEqual(['params', 'example.com/x', 'Params.k8s.example.com/p']);
    const bad = await api().post(`${NET}/ingressclasses`).send({ ...ingressClass('nodomain', false), spec: { controller: 'nginx' } }).expect(422);
    expect(bad.body.message).toBe('IngressClass.networking.k8s.io "nodomain" is invalid: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")');
  });

  it('an Ingress without a class gets the default class; two defaults refuse it', async () => {
    await api().post(`${NET}/ingressclasses`).send(ingressClass('nginx', true)).expect(201);
    const got = (await api().post(ING).send(ingress('defaulted')).expect(201)).body;
    expect(got.spec.ingressClassName).toBe('nginx');
    const annotated = (await api().post(ING).send(ingress('annotated', { defaultBackend: backend }, { 'kubernetes.io/ingress.class': 'other' })).expect(201)).body;
    expect(annotated.spec.ingressClassName).toBeUndefined();
    await api().post(`${NET}/ingressclasses`).send(ingressClass('traefik', true)).expect(201);
    const r = await api().post(ING).send(ingress('two')).expect(403);
    expect(r.body).toMatchObject({
      reason: 'Forbidden',
      message: 'ingresses.networking.k8s.io "two" is forbidden: Internal error occurred: 2 default IngressClasses were found, only 1 allowed',
      details: { name: 'two', group: 'networking.k8s.io', kind: 'ingresses' },
    });
    const gen = await api().post(ING).send({ ...ingress('x'), metadata: { generateName: 'gen-' } }).expect(403);
    // admission.NewForbidden (extractResourceName) names an object not yet named by its generateName
    expect(gen.body.message).toBe('ingresses.networking.k8s.io "gen-" is forbidden: Internal error occurred: 2 default IngressClasses were found, only 1 allowed');
    // a class named explicitly needs no default
    await api().post(ING).send(ingress('named', { defaultBackend: backend, ingressClassName: 'nginx' })).expect(201);
    await api().delete(`${NET}/ingressclasses/traefik`).expect(200);
  });
});

describe('NetworkPolicy', () => {
  const NP = `${NET}/namespaces/default/networkpolicies`;
  it('defaults policyTypes and port protocols', async () => {
    const body = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'np' }, spec: { podSelector: { matchLabels: { app: 'web' } }, ingress: [{ ports: [{ port: 80 }] }], egress: [{}] } };
    const np = (await api().post(NP).send(body).expect(201)).body;
    expect(np.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(np.spec.ingress[0].ports[0]).toEqual({ protocol: 'TCP', port: 80 });
    const t = (await api().get(NP).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
    expect(t.rows[0].cells.slice(0, 2)).toEqual(['np', 'app=web']);
  });
  it('refuses bad peers and CIDRs', async () => {
    const body = {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: 'bad' },
      spec: { podSelector: {}, ingress: [{ from: [{}, { ipBlock: { cidr: '10.0.0.0/8', except: ['11.0.0.0/16', 'x'] } }] }] },
    };
    const r = await api().post(NP).send(body).expect(422);
    expect(r.body.details.causes.map((c: any) => `${c.field}: ${c.message}`)).toEqual([
      'spec.ingress[0].from[0]: Required value: must specify a peer',
      'spec.ingress[0].from[1].ipBlock.except[0]: Invalid value: "11.0.0.0/16": must be a strict subset of `cidr`',
      'spec.ingress[0].from[1].ipBlock.except[1]: Invalid value: "x": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});

describe('PodDisruptionBudget', () => {
  const pdb = (name: string, spec: object) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name }, spec });
  it('creates with the zero status and generation 1', async () => {
    const p = (await api().post(PDB).send({ ...pdb('p1', { minAvailable: '50%', selector: { matchLabels: { app: 'web' } } }), status: { disruptionsAllowed: 3 } }).expect(201)).body;
    expect(p.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(p.metadata.generation).toBe(1);
    const u = (await api().put(`${PDB}/p1`).send({ ...p, spec: { ...p.spec, minAvailable: 2 } }).expect(200)).body;
    expect(u.metadata.generation).toBe(2);
    const t = (await api().get(`${PDB}/p1`).set('Accept', 'application/json;as=Table;v=v1;g=meta.k8s.io').expect(200)).body;
    expect(t.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Min Available', 'Max Unavailable', 'Allowed Disruptions', 'Age']);
    expect(t.rows[0].cells.slice(0, 4)).toEqual(['p1', '2', 'N/A', 0]);
  });
  it('an update without a resourceVersion is refused (AllowUnconditionalUpdate false)', async () => {
    const live = (await api().get(`${PDB}/p1`).expect(200)).body;
    const { resourceVersion: _rv, ...rest } = live.metadata;
    const r = await api().put(`${PDB}/p1`).send({ ...live, metadata: rest }).expect(422);
    expect(r.body.message).toBe('poddisruptionbudgets.policy "p1" is invalid: metadata.resourceVersion: Invalid value: 0: must be specified for an update');
  });

  it('refuses bad int-or-percent values in upstream words', async () => {
    const r = await api().post(PDB).send(pdb('bad', { maxUnavailable: '150%' })).expect(422);
    expect(r.body.message).toBe('PodDisruptionBudget.policy "bad" is invalid: spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%');
    const r2 = await api().post(PDB).send(pdb('bad', { minAvailable: 'x', maxUnavailable: -1 })).expect(422);
    expect(r2.body.details.causes.map((c: any) => c.field)).toEqual(['spec', 'spec.minAvailable', 'spec.maxUnavailable']);
    expect(r2.body.details.causes[0].message).toMatch(/^Invalid value: policy\.PodDisruptionBudgetSpec\{MinAvailable:\(\*intstr\.IntOrString\)\(0x[0-9a-f]+\), .*: minAvailable and maxUnavailable cannot be both set$/);
    expect(r2.body.details.causes[2].message).toBe('Invalid value: -1: must be greater than or equal to 0');
  });
  it('the status subresource checks conditions', async () => {
    const live = (await api().get(`${PDB}/p1`).expect(200)).body;
    const r = await api().put(`${PDB}/p1/status`).send({ ...live, status: { ...live.status, conditions: [{ type: 'DisruptionAllowed', status: 'Maybe', reason: 'x', lastTransitionTime: '2026-01-01T00:00:00Z', message: '' }] } }).expect(422);
    expect(r.body.message).toBe('PodDisruptionBudget.policy "p1" is invalid: status.conditions[0].status: Unsupported value: "Maybe": supported values: "False", "True", "Unknown"');
  });
});
