// Token authentication over HTTP: the static token file, TokenRequest (serviceaccounts/token),
// TokenReview, SelfSubjectReview, impersonation, service-account issuer discovery and the legacy
// token secrets the token controller fills (upstream: token.go, tokenreview/storage.go,
// selfsubjectreview/rest.go, filters/impersonation.go, openidmetadata.go, tokens_controller.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeEmulator } from '../../src/server/app.js';
import { startServer } from '../helpers/server.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const NS = 'tok';
const ADMIN = 'admin-token';
const ISSUER = 'https://kubernetes.default.svc.cluster.local';
const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });

function claimsOf(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}
function headerOf(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString('utf8'));
}

function createToken(sa: string, spec: Record<string, unknown> = {}, ns = NS) {
  return api().post(`/api/v1/namespaces/${ns}/serviceaccounts/${sa}/token`).set(bearer(ADMIN)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
}

function whoami(headers: Record<string, string>) {
  return api().post('/apis/authentication.k8s.io/v1/selfsubjectreviews').set(headers).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' });
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tokens-'));
  const file = join(dir, 'tokens.csv');
  writeFileSync(file, `${ADMIN},kubernetes-admin,admin-uid,"system:masters"\nalice-token,alice,alice-uid,"dev,qa"\n`);
  emu = await startServer({ security: { insecureHTTP: true, tokenAuthFile: file }, controllers: ['serviceaccount-token'] });
  await api().post('/api/v1/namespaces').set(bearer(ADMIN)).send({ metadata: { name: NS } }).expect(201);
  await api().post(`/api/v1/namespaces/${NS}/serviceaccounts`).set(bearer(ADMIN)).send({ metadata: { name: 'builder' } }).expect(201);
});
afterAll(async () => {
  await emu.close();
});

describe('static token file', () => {
  it('a listed token authenticates as its user with its groups', async () => {
    const r = await whoami(bearer('alice-token')).expect(201);
    expect(r.body).toMatchObject({ kind: 'SelfSubjectReview', apiVersion: 'authentication.k8s.io/v1', status: { userInfo: { username: 'alice', uid: 'alice-uid', groups: ['dev', 'qa', 'system:authenticated'] } } });
    expect(r.body.metadata.creationTimestamp).toMatch(/Z$/);
  });
  it('an unknown bearer token is 401 with upstream body', async () => {
    const r = await api().get('/api/v1/namespaces').set(bearer('nope')).expect(401);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
  });
  it('without credentials the request is anonymous: RBAC lets it ask nothing (system:basic-user is for system:authenticated)', async () => {
    const r = await whoami({}).expect(403);
    expect(r.body.message).toBe('selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope');
  });
  it('without credentials and with AlwaysAllow, the review names system:anonymous', async () => {
    const open = await startServer({ security: { insecureHTTP: true, authorizationMode: 'AlwaysAllow' } });
    try {
      const r = await request(open.app.server).post('/apis/authentication.k8s.io/v1/selfsubjectreviews').send({}).expect(201);
      expect(r.body.status.userInfo).toEqual({ username: 'system:anonymous', groups: ['system:unauthenticated'] });
    } finally {
      await open.close();
    }
  });
});

describe('TokenRequest', () => {
  it('issues a bound token with upstream claims that authenticates as the service account', async () => {
    const r = await createToken('builder').expect(201);
    const sa = (await api().get(`/api/v1/namespaces/${NS}/serviceaccounts/builder`).set(bearer(ADMIN)).expect(200)).body;
    expect(r.body).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'builder', namespace: NS },
      spec: { audiences: [ISSUER], expirationSeconds: 3600, boundObjectRef: null },
    });
    const token = r.body.status.token;
    const c = claimsOf(token);
    expect(Object.keys(c)).toEqual(['aud', 'exp', 'iat', 'iss', 'jti', 'kubernetes.io', 'nbf', 'sub']);
    expect(c).toMatchObject({ iss: ISSUER, sub: `system:serviceaccount:${NS}:builder`, aud: [ISSUER], 'kubernetes.io': { namespace: NS, serviceaccount: { name: 'builder', uid: sa.metadata.uid } } });
    expect(c.exp - c.iat).toBe(3600);
    expect(Date.parse(r.body.status.expirationTimestamp) / 1000).toBeCloseTo(c.exp, -1);
    expect(headerOf(token)).toMatchObject({ alg: 'ES256' });
    const me = await whoami(bearer(token)).expect(201);
    expect(me.body.status.userInfo).toEqual({
      username: `system:serviceaccount:${NS}:builder`,
      uid: sa.metadata.uid,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${c.jti}`] },
    });
  });
  it('a token bound to a pod carries the pod (and its node) and dies with the pod', async () => {
    await api().post('/api/v1/nodes').set(bearer(ADMIN)).send({ metadata: { name: 'n1' } }).expect(201);
    const pod = (await api().post(`/api/v1/namespaces/${NS}/pods`).set(bearer(ADMIN)).send({ metadata: { name: 'p1' }, spec: { serviceAccountName: 'builder', nodeName: 'n1', containers: [{ name: 'c', image: 'x' }] } }).expect(201)).body;
    const r = await createToken('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p1' } }).expect(201);
    const c = claimsOf(r.body.status.token);
    expect(c['kubernetes.io'].pod).toEqual({ name: 'p1', uid: pod.metadata.uid });
    expect(c['kubernetes.io'].node.name).toBe('n1');
    const me = await whoami(bearer(r.body.status.token)).expect(201);
    expect(me.body.status.userInfo.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': ['p1'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid], 'authentication.kubernetes.io/node-name': ['n1'] });
    await api().delete(`/api/v1/namespaces/${NS}/pods/p1?gracePeriodSeconds=0`).set(bearer(ADMIN)).expect(200);
    await whoami(bearer(r.body.status.token)).expect(401);
  });
  it('a token bound to a node carries the node and dies with it', async () => {
    const node = (await api().post('/api/v1/nodes').set(bearer(ADMIN)).send({ metadata: { name: 'n2' } }).expect(201)).body;
    const r = await createToken('builder', { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n2' } }).expect(201);
    expect(claimsOf(r.body.status.token)['kubernetes.io'].node).toEqual({ name: 'n2', uid: node.metadata.uid });
    const me = await whoami(bearer(r.body.status.token)).expect(201);
    expect(me.body.status.userInfo.extra).toMatchObject({ 'authentication.kubernetes.io/node-name': ['n2'], 'authentication.kubernetes.io/node-uid': [node.metadata.uid] });
    await api().delete('/api/v1/nodes/n2').set(bearer(ADMIN)).expect(200);
    await whoami(bearer(r.body.status.token)).expect(401);
  });
  it('audiences and expiration as asked; the defaults and bounds of validation', async () => {
    const r = await createToken('builder', { audiences: ['vault'], expirationSeconds: 7200 }).expect(201);
    const c = claimsOf(r.body.status.token);
    expect(c.aud).toEqual(['vault']);
    expect(c.exp - c.iat).toBe(7200);
    // not for the API server
    await whoami(bearer(r.body.status.token)).expect(401);
    const short = await createToken('builder', { expirationSeconds: 60 }).expect(422);
    expect(short.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const long = await createToken('builder', { expirationSeconds: 2 ** 32 + 1 }).expect(422);
    expect(long.body.message).toBe('TokenRequest.authentication.k8s.io "" is invalid: spec.expirationSeconds: Invalid value: 4294967297: may not specify a duration larger than 2^32 seconds');
  });
  it('errors worded as upstream', async () => {
    expect((await createToken('ghost').expect(404)).body.message).toBe('serviceaccounts "ghost" not found');
    await api().post(`/api/v1/namespaces/${NS}/pods`).set(bearer(ADMIN)).send({ metadata: { name: 'other' }, spec: { containers: [{ name: 'c', image: 'x' }] } }).expect(201);
    expect((await createToken('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'other' } }).expect(400)).body.message).toBe(
      'cannot bind token for serviceaccount "builder" to pod running with different serviceaccount name.',
    );
    expect((await createToken('builder', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } }).expect(400)).body.message).toBe('cannot bind token to object of type apps/v1, Kind=Deployment');
    expect((await createToken('builder', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'missing' } }).expect(404)).body.message).toBe('pods "missing" not found');
    await api().post(`/api/v1/namespaces/${NS}/secrets`).set(bearer(ADMIN)).send({ metadata: { name: 's1' } }).expect(201);
    expect((await createToken('builder', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's1', uid: 'wrong' } }).expect(409)).body.message).toBe(
      'Operation cannot be fulfilled on Secret "s1": the UID in the bound object reference (wrong) does not match the UID in record. The object might have been deleted and then recreated',
    );
    const named = await api().post(`/api/v1/namespaces/${NS}/serviceaccounts/builder/token`).set(bearer(ADMIN)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'x' }, spec: {} }).expect(422);
    expect(named.body.message).toBe('TokenRequest.authentication.k8s.io "builder" is invalid: metadata.name: Invalid value: "x": must match the service account name if specified');
  });
  it('a token bound to a secret dies with the secret; one of a deleted account is refused', async () => {
    const s = (await api().get(`/api/v1/namespaces/${NS}/secrets/s1`).set(bearer(ADMIN)).expect(200)).body;
    const r = await createToken('builder', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's1', uid: s.metadata.uid } }).expect(201);
    await whoami(bearer(r.body.status.token)).expect(201);
    await api().delete(`/api/v1/namespaces/${NS}/secrets/s1`).set(bearer(ADMIN)).expect(200);
    await whoami(bearer(r.body.status.token)).expect(401);
    await api().post(`/api/v1/namespaces/${NS}/serviceaccounts`).set(bearer(ADMIN)).send({ metadata: { name: 'short-lived' } }).expect(201);
    const t = (await createToken('short-lived').expect(201)).body.status.token;
    await whoami(bearer(t)).expect(201);
    await api().delete(`/api/v1/namespaces/${NS}/serviceaccounts/short-lived`).set(bearer(ADMIN)).expect(200);
    await whoami(bearer(t)).expect(401);
  });
});

describe('TokenReview', () => {
  const review = (token: string, audiences?: string[]) =>
    api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(bearer(ADMIN)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token, ...(audiences ? { audiences } : {}) } });
  it('a valid token: authenticated, the user and the audiences', async () => {
    const t = (await createToken('builder').expect(201)).body.status.token;
    const r = await review(t).expect(201);
    expect(r.body).toMatchObject({ kind: 'TokenReview', apiVersion: 'authentication.k8s.io/v1', metadata: { creationTimestamp: null }, spec: { token: t } });
    expect(r.body.status).toMatchObject({ authenticated: true, audiences: [ISSUER], user: { username: `system:serviceaccount:${NS}:builder`, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'] } });
    const file = await review('alice-token').expect(201);
    expect(file.body.status).toEqual({ authenticated: true, audiences: [ISSUER], user: { username: 'alice', uid: 'alice-uid', groups: ['dev', 'qa', 'system:authenticated'] } });
  });
  it('an invalid token: not authenticated, with the reason', async () => {
    expect((await review('garbage').expect(201)).body.status).toEqual({ user: {}, error: 'invalid bearer token' });
    const vault = (await createToken('builder', { audiences: ['vault'] }).expect(201)).body.status.token;
    expect((await review(vault).expect(201)).body.status).toEqual({ user: {}, error: `token audiences ["vault"] is invalid for the target audiences ["${ISSUER}"]` });
    expect((await review(vault, ['vault']).expect(201)).body.status).toMatchObject({ authenticated: true, audiences: ['vault'] });
    // a signature from another key
    const t = (await createToken('builder').expect(201)).body.status.token;
    const [h, p] = t.split('.');
    const forged = `${h}.${p}.${Buffer.alloc(64, 1).toString('base64url')}`;
    expect((await review(forged).expect(201)).body.status).toEqual({ user: {}, error: 'go-jose/go-jose: error in cryptographic primitive' });
  });
  it('a TokenReview without a token is 400', async () => {
    const r = await api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(bearer(ADMIN)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: {} }).expect(400);
    expect(r.body.message).toBe('token is required for TokenReview in authentication');
  });
});

describe('impersonation', () => {
  it('acts as the user and groups asked for, in system:authenticated', async () => {
    const r = await whoami({ ...bearer(ADMIN), 'Impersonate-User': 'bob', 'Impersonate-Group': 'g1' });
    expect(r.status).toBe(201);
    expect(r.body.status.userInfo).toEqual({ username: 'bob', groups: ['g1', 'system:authenticated'] });
  });
  it('a service account gets its groups; extra and uid are passed on', async () => {
    const r = await whoami({ ...bearer(ADMIN), 'Impersonate-User': `system:serviceaccount:${NS}:builder`, 'Impersonate-Uid': 'u-1', 'Impersonate-Extra-Scopes': 'view' }).expect(201);
    expect(r.body.status.userInfo).toEqual({
      username: `system:serviceaccount:${NS}:builder`,
      uid: 'u-1',
      groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'],
      extra: { scopes: ['view'] },
    });
  });
  it('groups without a user are a 500 worded as upstream', async () => {
    const r = await whoami({ ...bearer(ADMIN), 'Impersonate-Group': 'g1' }).expect(500);
    expect(r.body.message).toBe('Internal error occurred: requested [{Group  g1    }] without impersonating a user');
  });
});

describe('service-account issuer discovery', () => {
  it('serves the OpenID configuration and the key set', async () => {
    const c = await api().get('/.well-known/openid-configuration').set(bearer(ADMIN)).expect(200);
    expect(c.headers['content-type']).toBe('application/json');
    expect(c.headers['cache-control']).toBe('public, max-age=3600');
    const addr = emu.app.server.address() as { address: string; port: number };
    expect(JSON.parse(c.text)).toEqual({
      issuer: ISSUER,
      jwks_uri: `http://${addr.address}:${addr.port}/openid/v1/jwks`,
      response_types_supported: ['id_token'],
      subject_types_supported: ['public'],
      id_token_signing_alg_values_supported: ['ES256'],
    });
    const k = await api().get('/openid/v1/jwks').set(bearer(ADMIN)).expect(200);
    expect(k.headers['content-type']).toBe('application/jwk-set+json');
    const keys = JSON.parse(k.text).keys;
    expect(keys).toHaveLength(1);
    expect(Object.keys(keys[0])).toEqual(['use', 'kty', 'kid', 'crv', 'alg', 'x', 'y']);
    const t = (await createToken('builder').expect(201)).body.status.token;
    expect(headerOf(t).kid).toBe(keys[0].kid);
  });
});

describe('legacy token secrets', () => {
  it('the token controller fills a service-account-token secret; its token authenticates', async () => {
    await api()
      .post(`/api/v1/namespaces/${NS}/secrets`)
      .set(bearer(ADMIN))
      .send({ metadata: { name: 'builder-token', annotations: { 'kubernetes.io/service-account.name': 'builder' } }, type: 'kubernetes.io/service-account-token' })
      .expect(201);
    let s: any;
    for (let i = 0; i < 100; i++) {
      s = (await api().get(`/api/v1/namespaces/${NS}/secrets/builder-token`).set(bearer(ADMIN)).expect(200)).body;
      if (s.data?.token) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    const sa = (await api().get(`/api/v1/namespaces/${NS}/serviceaccounts/builder`).set(bearer(ADMIN)).expect(200)).body;
    expect(s.metadata.annotations['kubernetes.io/service-account.uid']).toBe(sa.metadata.uid);
    expect(Buffer.from(s.data.namespace, 'base64').toString()).toBe(NS);
    // ca.crt is the cluster CA once the server has one (the TLS part), else left out
    const ca = (emu as { ca?: string }).ca;
    if (ca) expect(Buffer.from(s.data['ca.crt'], 'base64').toString()).toBe(ca);
    else expect(s.data['ca.crt']).toBeUndefined();
    const token = Buffer.from(s.data.token, 'base64').toString();
    expect(claimsOf(token)).toEqual({
      iss: 'kubernetes/serviceaccount',
      'kubernetes.io/serviceaccount/namespace': NS,
      'kubernetes.io/serviceaccount/secret.name': 'builder-token',
      'kubernetes.io/serviceaccount/service-account.name': 'builder',
      'kubernetes.io/serviceaccount/service-account.uid': sa.metadata.uid,
      sub: `system:serviceaccount:${NS}:builder`,
    });
    const me = await whoami(bearer(token)).expect(201);
    expect(me.body.status.userInfo).toEqual({ username: `system:serviceaccount:${NS}:builder`, uid: sa.metadata.uid, groups: ['system:serviceaccounts', `system:serviceaccounts:${NS}`, 'system:authenticated'] });
    // its use is dated on the secret (legacy token tracking)
    const used = (await api().get(`/api/v1/namespaces/${NS}/secrets/builder-token`).set(bearer(ADMIN)).expect(200)).body;
    expect(used.metadata.labels['kubernetes.io/legacy-token-last-used']).toBe(new Date().toISOString().slice(0, 10));
    // a token marked invalid is refused with upstream's reason
    await api().patch(`/api/v1/namespaces/${NS}/secrets/builder-token`).set(bearer(ADMIN)).set('Content-Type', 'application/merge-patch+json').send({ metadata: { labels: { 'kubernetes.io/legacy-token-invalid-since': '2026-01-01' } } }).expect(200);
    await whoami(bearer(token)).expect(401);
    const rev = await api().post('/apis/authentication.k8s.io/v1/tokenreviews').set(bearer(ADMIN)).send({ apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } }).expect(201);
    expect(rev.body.status.error).toBe(
      `the token in secret ${NS}/builder-token for service account ${NS}/builder has been marked invalid. Use tokens from the TokenRequest API or manually created secret-based tokens, or remove the 'kubernetes.io/legacy-token-invalid-since' label from the secret to temporarily allow use of this token`,
    );
    // deleting the secret invalidates the token
    await api().delete(`/api/v1/namespaces/${NS}/secrets/builder-token`).set(bearer(ADMIN)).expect(200);
    await whoami(bearer(token)).expect(401);
  });
  it('a secret naming a missing account is deleted', async () => {
    await api()
      .post(`/api/v1/namespaces/${NS}/secrets`)
      .set(bearer(ADMIN))
      .send({ metadata: { name: 'orphan-token', annotations: { 'kubernetes.io/service-account.name': 'nobody' } }, type: 'kubernetes.io/service-account-token' })
      .expect(201);
    let code = 200;
    for (let i = 0; i < 100 && code === 200; i++) {
      code = (await api().get(`/api/v1/namespaces/${NS}/secrets/orphan-token`).set(bearer(ADMIN))).status;
      if (code === 200) await new Promise((r) => setTimeout(r, 20));
    }
    expect(code).toBe(404);
  });
});

describe('SelfSubjectReview versions', () => {
  it('1.27 serves v1beta1 only; 1.28 on serve v1', async () => {
    const old = await startServer({ emulatedVersion: 'v1.27.0', security: { insecureHTTP: true, authorizationMode: 'AlwaysAllow' } });
    try {
      const r = await request(old.app.server).post('/apis/authentication.k8s.io/v1beta1/selfsubjectreviews').send({ apiVersion: 'authentication.k8s.io/v1beta1', kind: 'SelfSubjectReview' }).expect(201);
      expect(r.body).toMatchObject({ apiVersion: 'authentication.k8s.io/v1beta1', kind: 'SelfSubjectReview', status: { userInfo: { username: 'system:anonymous' } } });
      await request(old.app.server).post('/apis/authentication.k8s.io/v1/selfsubjectreviews').send({}).expect(404);
    } finally {
      await old.close();
    }
    await api().post('/apis/authentication.k8s.io/v1beta1/selfsubjectreviews').set(bearer(ADMIN)).send({}).expect(404);
  });
});
