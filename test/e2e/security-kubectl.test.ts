// E2E of issue 13's "Proof": the BUILT server (node dist/src/main.js) over HTTPS, driven by real
// kubectl 1.29 and 1.33 with the kubeconfig the server writes (the cluster CA and an admin client
// certificate), and by node:https as `curl` would be: unauthenticated and wrongly authenticated
// requests refused with upstream's bodies, a ServiceAccount's token limited to its Role, can-i and
// whoami, admission webhooks (a local HTTPS webhook server here) and a ValidatingAdmissionPolicy,
// and the security cases a trusted server passes (expired / wrongly signed / wrong-audience tokens,
// RBAC escalation prevention, no API endpoint open without authentication).
// Upstream: staging/src/k8s.io/apiserver/pkg/endpoints/filters/authentication.go (401 body),
// pkg/endpoints/handlers/responsewriters/errors.go (403 wording),
// plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go (system:public-info-viewer, system:discovery),
// pkg/registry/rbac/validation/rule.go (ConfirmNoEscalation wording),
// staging/src/k8s.io/apiserver/pkg/admission/plugin/webhook/errors/statuserror.go (webhook denial),
// staging/src/k8s.io/apiserver/pkg/admission/plugin/policy/validating/dispatcher.go (VAP denial).
import { execFileSync } from 'node:child_process';
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as jose from 'jose';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startCLI, type Running } from '../helpers/cli.js';

const KUBECTLS = availableKubectls([33, 29]);
const HAS_OPENSSL = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    console.warn('\n!!! openssl is not installed: the certificate cases of security-kubectl are SKIPPED !!!\n');
    return false;
  }
})();

/** kubectl's wording for a 401 (1.29: the Status message; later client-go: its own sentence for 401) */
const LOGGED_IN = /^error: You must be logged in to the server \((Unauthorized|the server has asked for the client to provide credentials)\)$/m;

/** apiserver filters/authentication.go: the one body every authentication failure gets */
const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

interface Creds {
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}
interface Resp {
  status: number;
  body: any;
  text: string;
}

/** An HTTPS request as `curl --cacert ca [--cert --key] [-H Authorization]` makes it. */
function call(base: string, path: string, creds: Creds, method = 'GET', body?: unknown): Promise<Resp> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        ca: creds.ca,
        cert: creds.cert,
        key: creds.key,
        agent: false,
        headers: { accept: 'application/json', 'content-type': 'application/json', ...(creds.token ? { authorization: `Bearer ${creds.token}` } : {}) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c) => (text += c));
        res.on('end', () => {
          let parsed: any;
          try {
            parsed = JSON.parse(text);
          } catch {
            parsed = undefined;
          }
          resolve({ status: res.statusCode ?? 0, body: parsed, text });
        });
      },
    );
    // a watch that is (wrongly) accepted would never end: give up after a while and report it
    req.setTimeout(5000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s (an open watch?)`)));
    req.on('error', reject);
    if (body !== undefined) req.write(JSON.stringify(body));
    req.end();
  });
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');

// ---- certificates (openssl) --------------------------------------------------------------------
interface Pair {
  cert: string;
  key: string;
}
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
}
function makeCA(dir: string, name: string): Pair & { certFile: string; keyFile: string } {
  openssl(dir, ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.crt`, '-subj', `/CN=${name}`, '-days', '1']);
  return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8'), certFile: `${name}.crt`, keyFile: `${name}.key` };
}
function signCert(dir: string, ca: { certFile: string; keyFile: string }, name: string, subj: string, ext: string): Pair {
  openssl(dir, ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj]);
  writeFileSync(join(dir, `${name}.ext`), ext);
  openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', ca.certFile, '-CAkey', ca.keyFile, '-CAcreateserial', '-out', `${name}.crt`, '-days', '1', '-extfile', `${name}.ext`]);
  return { cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') };
}

// ---- the server --------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'kube-emu-sec-'));
const dataDir = join(work, 'data');
const kubeconfigFile = join(work, 'kubeconfig');
let srv: Running | undefined;
let url = '';
let kc: any;
let admin: Creds;
let startError: unknown;

async function waitFor<T>(what: string, fn: () => T | undefined | Promise<T | undefined>, ms = 10_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  try {
    srv = await startCLI(dataDir, ['--authorization-mode', 'RBAC', '--kubeconfig', kubeconfigFile, '--pod-stages', 'fast']);
    url = srv.url;
    // the kubeconfig is written right after the "serving" line
    await waitFor('the kubeconfig', () => (existsSync(kubeconfigFile) && srv!.logs.some((l) => /kubeconfig written/.test(l.msg ?? '')) ? true : undefined));
    kc = YAML.parse(readFileSync(kubeconfigFile, 'utf8'));
    const cluster = kc.clusters[0].cluster;
    const user = kc.users[0].user;
    admin = {
      ca: cluster['certificate-authority-data'] ? unb64(cluster['certificate-authority-data']) : '',
      cert: user['client-certificate-data'] ? unb64(user['client-certificate-data']) : undefined,
      key: user['client-key-data'] ? unb64(user['client-key-data']) : undefined,
    };
  } catch (err) {
    startError = err;
  }
}, 30_000);
afterAll(() => {
  if (srv && srv.proc.exitCode === null) srv.proc.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

function requireServer(): void {
  if (startError) throw startError;
}

/** A kubeconfig for the same cluster (its CA) with only `user` as credentials. */
function kubeconfigWith(k: Kubectl, user: Record<string, string> | 'admin'): void {
  const copy = structuredClone(kc);
  if (user !== 'admin') copy.users[0].user = user;
  writeFileSync(k.kubeconfig, YAML.stringify(copy));
}

function newKubectl(bin: string, user: Record<string, string> | 'admin' = 'admin'): Kubectl {
  const k = new Kubectl(bin, url);
  kubeconfigWith(k, user);
  return k;
}

// ---- the cluster over HTTPS, without kubectl ---------------------------------------------------
describe('the built server over HTTPS, as curl sees it', () => {
  it('serves HTTPS with a certificate for 127.0.0.1 signed by the CA in the kubeconfig, which holds an admin client certificate', async () => {
    requireServer();
    expect(url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(kc.clusters[0].cluster.server).toBe(url);
    expect(admin.ca).toMatch(/-----BEGIN CERTIFICATE-----/);
    expect(admin.cert).toMatch(/-----BEGIN CERTIFICATE-----/);
    expect(admin.key).toMatch(/-----BEGIN (EC |RSA )?PRIVATE KEY-----/);
    // node verifies the serving certificate against the kubeconfig's CA (rejectUnauthorized)
    const r = await call(url, '/api/v1/namespaces', admin);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('NamespaceList');
    // the CA is the one kube-root-ca.crt publishes
    const cm = await call(url, '/api/v1/namespaces/default/configmaps/kube-root-ca.crt', admin);
    expect(cm.status).toBe(200);
    expect(cm.body.data['ca.crt'].trim()).toBe(admin.ca.trim());
  });

  it('a request without credentials is refused with upstream\'s body', async () => {
    requireServer();
    const r = await call(url, '/api/v1/namespaces', { ca: admin.ca });
    expectRefusedAnonymous(r, 'User "system:anonymous" cannot list resource "namespaces" in API group "" at the cluster scope');
  });

  it('a bearer token nobody issued gets 401 Unauthorized, with upstream\'s body, even on /healthz', async () => {
    requireServer();
    for (const path of ['/api/v1/namespaces', '/healthz', '/version']) {
      const r = await call(url, path, { ca: admin.ca, token: 'not-a-token-anyone-issued' });
      expect(r.status, path).toBe(401);
      expect(r.body, path).toEqual(UNAUTHORIZED);
    }
  });

  it.runIf(HAS_OPENSSL)('a client certificate from another CA gets 401 (even one claiming system:masters)', async () => {
    requireServer();
    const dir = mkdtempSync(join(work, 'rogue-'));
    const ca = makeCA(dir, 'rogue-ca');
    const c = signCert(dir, ca, 'rogue', '/O=system:masters/CN=kubernetes-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=digitalSignature\n');
    const r = await call(url, '/api/v1/namespaces', { ca: admin.ca, cert: c.cert, key: c.key });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(UNAUTHORIZED);
  });

  it('/healthz, /livez, /readyz and /version are readable anonymously (system:public-info-viewer)', async () => {
    requireServer();
    for (const path of ['/healthz', '/livez', '/readyz', '/version']) {
      const r = await call(url, path, { ca: admin.ca });
      expect(r.status, path).toBe(200);
    }
    const v = await call(url, '/version', { ca: admin.ca });
    expect(v.body.gitVersion).toMatch(/^v1\.\d+\.\d+/);
  });
});

/**
 * No credentials: upstream (anonymous auth on) makes the request system:anonymous, whom RBAC refuses
 * with 403 and responsewriters' wording; with anonymous auth off it is 401 with the Unauthorized
 * body. Either is upstream's answer; a 2xx, another code or another body fails.
 */
function expectRefusedAnonymous(r: Resp, forbiddenWording?: string): void {
  if (r.status === 401) {
    expect(r.body).toEqual(UNAUTHORIZED);
    return;
  }
  expect(r.status, r.text.slice(0, 300)).toBe(403);
  expect(r.body.kind).toBe('Status');
  expect(r.body.reason).toBe('Forbidden');
  expect(r.body.message).toContain('User "system:anonymous" cannot ');
  if (forbiddenWording) expect(r.body.message).toContain(forbiddenWording);
}

// ---- a walk over discovery: nothing answers without authentication -----------------------------
describe('no API endpoint answers without authentication (upstream defaults: only public-info-viewer paths)', () => {
  it('every list and watch, logs, exec, attach, port-forward and proxy, discovery and OpenAPI are refused without credentials and 401 with a bad token', async () => {
    requireServer();
    const targets: string[] = ['/api', '/apis', '/api/v1', '/openapi/v2', '/openapi/v3', '/metrics'];
    const groups = (await call(url, '/apis', admin)).body;
    const gvs: string[] = ['/api/v1'];
    for (const g of groups.groups) for (const v of g.versions) gvs.push(`/apis/${v.groupVersion}`);
    let resources = 0;
    for (const gv of gvs) {
      targets.push(gv);
      const list = (await call(url, gv, admin)).body;
      expect(list?.kind, gv).toBe('APIResourceList');
      for (const r of list.resources) {
        if (r.name.includes('/')) continue;
        const base = r.namespaced ? `${gv}/namespaces/default/${r.name}` : `${gv}/${r.name}`;
        if (r.verbs.includes('list')) targets.push(base);
        if (r.verbs.includes('watch')) targets.push(`${base}?watch=true`);
        if (r.verbs.includes('create')) targets.push(`${base}#POST`);
        if (r.verbs.includes('get')) targets.push(`${base}/some-name`);
        resources++;
      }
    }
    expect(resources).toBeGreaterThan(40);
    for (const sub of ['log', 'exec?command=ls&stdout=true', 'attach?stdout=true', 'portforward', 'proxy/', 'status'])
      targets.push(`/api/v1/namespaces/default/pods/some-pod/${sub}`);
    targets.push('/api/v1/namespaces/default/services/some-svc/proxy/', '/api/v1/nodes/some-node/proxy/', '/api/v1/namespaces/default/serviceaccounts/default/token#POST');
    targets.push('/.well-known/openid-configuration#BAD', '/openid/v1/jwks#BAD');
    const open: string[] = [];
    for (const t of targets) {
      const [path, how] = t.split('#');
      const method = how === 'POST' ? 'POST' : 'GET';
      const body = method === 'POST' ? { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' } } : undefined;
      // with a bad token: always 401 (OIDC discovery included: authentication comes first)
      const attempt = (c: Creds) => call(url, path, c, method, body).catch((err: Error): Resp => ({ status: 0, body: undefined, text: err.message }));
      const bad = await attempt({ ca: admin.ca, token: 'bad-token' });
      if (bad.status !== 401 || JSON.stringify(bad.body) !== JSON.stringify(UNAUTHORIZED)) open.push(`${method} ${path} with a bad token: ${bad.status} ${bad.text.slice(0, 120)}`);
      if (open.length >= 10) break; // enough to show it (an open watch costs its 5 s)
      if (how === 'BAD') continue; // upstream's system:service-account-issuer-discovery is bound to system:authenticated only: anonymous gets 403, checked below
      const anon = await attempt({ ca: admin.ca });
      if (anon.status !== 401 && anon.status !== 403) open.push(`${method} ${path} anonymous: ${anon.status} ${anon.text.slice(0, 120)}`);
      else if (anon.status === 401 && JSON.stringify(anon.body) !== JSON.stringify(UNAUTHORIZED)) open.push(`${method} ${path} anonymous: 401 with ${anon.text.slice(0, 120)}`);
      else if (anon.status === 403 && !String(anon.body?.message).includes('User "system:anonymous" cannot')) open.push(`${method} ${path} anonymous: 403 with ${anon.text.slice(0, 120)}`);
    }
    expect(open).toEqual([]);
  }, 120_000);
});

// ---- kubectl ------------------------------------------------------------------------------------
const rbacYAML = (ns: string) => `apiVersion: v1
kind: Namespace
metadata:
  name: ${ns}
---
apiVersion: v1
kind: ServiceAccount
metadata:
  name: reader
  namespace: ${ns}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: pod-reader
  namespace: ${ns}
rules:
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["get", "list"]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: reader-reads-pods
  namespace: ${ns}
subjects:
- kind: ServiceAccount
  name: reader
  namespace: ${ns}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: pod-reader
`;

describe.each(KUBECTLS)('kubectl 1.$minor over HTTPS with the written kubeconfig', ({ minor, bin }) => {
  const ns = `sec-${minor}`;
  const sa = `system:serviceaccount:${ns}:reader`;
  let k: Kubectl;
  beforeAll(() => {
    if (!startError) k = newKubectl(bin);
  });

  it('kubectl get ns works with the admin client certificate; auth whoami says who that is', async () => {
    requireServer();
    const out = await k.ok(['get', 'ns']);
    expect(out).toMatch(/^NAME\s+STATUS\s+AGE/);
    expect(out).toMatch(/^default\s+Active/m);
    expect(out).toMatch(/^kube-system\s+Active/m);
    const who = await k.ok(['auth', 'whoami', '-o', 'json']);
    const review = JSON.parse(who);
    expect(review.kind).toBe('SelfSubjectReview');
    expect(review.status.userInfo.groups).toContain('system:masters');
    expect(review.status.userInfo.groups).toContain('system:authenticated');
  });

  it('a ServiceAccount token from `kubectl create token` may get pods and is refused secrets with upstream\'s wording', async () => {
    requireServer();
    await k.ok(['apply', '-f', '-'], { input: rbacYAML(ns) });
    const token = (await k.ok(['create', 'token', 'reader', '-n', ns])).trim();
    expect(token.split('.')).toHaveLength(3);
    const claims = jose.decodeJwt(token);
    expect(claims.sub).toBe(sa);
    const t = newKubectl(bin, { token });
    const pods = await t.run(['get', 'pods', '-n', ns]);
    expect(pods.code, pods.stderr).toBe(0);
    expect(pods.stderr).toContain(`No resources found in ${ns} namespace.`);
    const secrets = await t.run(['get', 'secrets', '-n', ns]);
    expect(secrets.code).toBe(1);
    expect(secrets.stderr.trim()).toBe(
      `Error from server (Forbidden): secrets is forbidden: User "${sa}" cannot list resource "secrets" in API group "" in the namespace "${ns}"`,
    );
    // another namespace's pods are not the Role's
    const other = await t.run(['get', 'pods', '-n', 'default']);
    expect(other.stderr.trim()).toBe(`Error from server (Forbidden): pods is forbidden: User "${sa}" cannot list resource "pods" in API group "" in the namespace "default"`);

    // auth whoami with the token
    const who = await t.ok(['auth', 'whoami']);
    expect(who).toMatch(new RegExp(`^Username\\s+${sa.replace(/[.:]/g, '\\$&')}$`, 'm'));
    expect(who).toMatch(/^Groups\s+\[.*system:serviceaccounts .*system:serviceaccounts:sec-\d+ .*system:authenticated\]$/m);

    // auth can-i --list with the token: the Role's rules, and the basic-user / discovery rules everyone has
    const list = await t.ok(['auth', 'can-i', '--list', '-n', ns]);
    expect(list).toMatch(/^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs/);
    expect(list).toMatch(/^pods\s+\[\]\s+\[\]\s+\[get list\]$/m);
    expect(list).toMatch(/^selfsubjectaccessreviews\.authorization\.k8s\.io\s+\[\]\s+\[\]\s+\[create\]$/m);
    expect(list).not.toMatch(/^secrets/m);
  });

  it('auth can-i --as answers from RBAC (yes / no and the exit code)', async () => {
    requireServer();
    const yes = await k.run(['auth', 'can-i', 'list', 'pods', '-n', ns, '--as', sa]);
    expect([yes.code, yes.stdout.trim()]).toEqual([0, 'yes']);
    const no = await k.run(['auth', 'can-i', 'list', 'secrets', '-n', ns, '--as', sa]);
    expect([no.code, no.stdout.trim()]).toEqual([1, 'no']);
    const del = await k.run(['auth', 'can-i', 'delete', 'pods', '-n', ns, '--as', sa]);
    expect([del.code, del.stdout.trim()]).toEqual([1, 'no']);
    const adm = await k.run(['auth', 'can-i', '*', '*']);
    expect([adm.code, adm.stdout.trim()]).toEqual([0, 'yes']);
    // --as without the impersonate verb is refused: the SA may not impersonate
    const token = (await k.ok(['create', 'token', 'reader', '-n', ns])).trim();
    const t = newKubectl(bin, { token });
    // discovery first, as the SA itself: with an empty cache kubectl's discovery client reads a
    // refused discovery request's body as "unknown" (client-go rest Result.Raw), whatever the server
    await t.ok(['get', 'pods', '-n', ns]);
    const imp = await t.run(['get', 'pods', '-n', ns, '--as', 'someone-else']);
    expect(imp.code).toBe(1);
    expect(imp.stderr).toContain(`Error from server (Forbidden): users "someone-else" is forbidden: User "${sa}" cannot impersonate resource "users" in API group "" at the cluster scope`);
  });

  it('tokens refused: wrong audience, wrongly signed, expired (401: "You must be logged in to the server")', async () => {
    requireServer();
    const good = (await k.ok(['create', 'token', 'reader', '-n', ns])).trim();
    const header = jose.decodeProtectedHeader(good);
    const claims = jose.decodeJwt(good);
    const refused = async (token: string, what: string) => {
      const t = newKubectl(bin, { token });
      const r = await t.run(['get', 'pods', '-n', ns]);
      expect(r.code, what).toBe(1);
      expect(r.stderr, what).toMatch(LOGGED_IN);
      const raw = await call(url, `/api/v1/namespaces/${ns}/pods`, { ca: admin.ca, token });
      expect(raw.status, what).toBe(401);
      expect(raw.body, what).toEqual(UNAUTHORIZED);
    };
    // the token itself works
    expect((await call(url, `/api/v1/namespaces/${ns}/pods`, { ca: admin.ca, token: good })).status).toBe(200);
    // a real, correctly signed token for another audience
    await refused((await k.ok(['create', 'token', 'reader', '-n', ns, '--audience', 'https://not-this-cluster.example'])).trim(), 'wrong audience');
    // the same claims signed with another key under the same key id
    const alg = header.alg!;
    const { privateKey } = await jose.generateKeyPair(alg, { extractable: true });
    const forged = await new jose.SignJWT(claims as jose.JWTPayload).setProtectedHeader({ alg, kid: header.kid }).sign(privateKey);
    await refused(forged, 'wrongly signed');
    // unsigned (alg none) and tampered claims
    const [h, , s] = good.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:default' })).toString('base64url')}.${s}`;
    await refused(tampered, 'tampered claims');
    await refused(`${Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url')}.${good.split('.')[1]}.`, 'alg none');
  });

  it('an expired token signed with the cluster\'s own service-account key is refused', async () => {
    requireServer();
    const good = (await k.ok(['create', 'token', 'reader', '-n', ns])).trim();
    const header = jose.decodeProtectedHeader(good);
    const claims = jose.decodeJwt(good);
    const now = Math.floor(Date.now() / 1000);
    // the key in the data dir with which fresh claims are accepted is the signing key, so the refusal below is the expiry's
    let key: KeyObject | undefined;
    for (const candidate of privateKeysInDataDir()) {
      const fresh = await new jose.SignJWT({ ...claims, iat: now, nbf: now, exp: now + 600 }).setProtectedHeader({ alg: header.alg!, kid: header.kid }).sign(candidate).catch(() => undefined);
      if (fresh && (await call(url, `/api/v1/namespaces/${ns}/pods`, { ca: admin.ca, token: fresh })).status === 200) key = candidate;
    }
    expect(key, 'a private key in the data dir signing tokens the server accepts').toBeDefined();
    const sign = (c: jose.JWTPayload) => new jose.SignJWT(c).setProtectedHeader({ alg: header.alg!, kid: header.kid }).sign(key!);
    const expired = await sign({ ...claims, iat: now - 7200, nbf: now - 7200, exp: now - 3600 });
    const r = await call(url, `/api/v1/namespaces/${ns}/pods`, { ca: admin.ca, token: expired });
    expect(r.status).toBe(401);
    expect(r.body).toEqual(UNAUTHORIZED);
    const t = newKubectl(bin, { token: expired });
    const kr = await t.run(['get', 'pods', '-n', ns]);
    expect(kr.stderr).toMatch(LOGGED_IN);
  });

  it('a user who may create Roles and RoleBindings cannot grant more than they hold', async () => {
    requireServer();
    const esc = `esc-${minor}`;
    const alice = `alice-${minor}`;
    await k.ok(['create', 'namespace', esc]);
    await k.ok(['create', 'role', 'role-admin', '-n', esc, '--verb=create,get,list,update,delete', '--resource=roles.rbac.authorization.k8s.io,rolebindings.rbac.authorization.k8s.io']);
    await k.ok(['create', 'role', 'pods', '-n', esc, '--verb=get,list', '--resource=pods']);
    await k.ok(['create', 'rolebinding', 'alice-role-admin', '-n', esc, '--role=role-admin', `--user=${alice}`]);
    await k.ok(['create', 'rolebinding', 'alice-pods', '-n', esc, '--role=pods', `--user=${alice}`]);
    // a Role within what alice holds is allowed
    await k.ok(['create', 'role', 'pod-lister', '-n', esc, '--verb=list', '--resource=pods', '--as', alice]);
    // more than she holds is refused with ConfirmNoEscalation's wording
    const more = await k.run(['create', 'role', 'secret-reader', '-n', esc, '--verb=get', '--resource=secrets', '--as', alice]);
    expect(more.code).toBe(1);
    expect(more.stderr).toContain(
      `Error from server (Forbidden): roles.rbac.authorization.k8s.io "secret-reader" is forbidden: user "${alice}" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`,
    );
    expect(more.stderr).toContain('{APIGroups:[""], Resources:["secrets"], Verbs:["get"]}');
    // binding herself to cluster-admin (which she does not hold, and without the bind verb) is refused
    const bind = await k.run(['create', 'rolebinding', 'alice-admin', '-n', esc, '--clusterrole=cluster-admin', `--user=${alice}`, '--as', alice]);
    expect(bind.code).toBe(1);
    expect(bind.stderr).toContain(`rolebindings.rbac.authorization.k8s.io "alice-admin" is forbidden: user "${alice}" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:`);
    // and widening her own Role by update is refused too
    const role = JSON.parse(await k.ok(['get', 'role', 'pods', '-n', esc, '-o', 'json']));
    role.rules[0].verbs = ['get', 'list', 'delete'];
    const upd = await k.run(['replace', '-f', '-', '--as', alice], { input: JSON.stringify(role) });
    expect(upd.code).toBe(1);
    expect(upd.stderr).toContain('is attempting to grant RBAC permissions not currently held');
    // a binding to a ClusterRole she holds in full (view is wider than get/list pods: refused) / a Role she holds: allowed
    await k.ok(['create', 'rolebinding', 'bob-pods', '-n', esc, '--role=pods', '--user=bob', '--as', alice]);
    const view = await k.run(['create', 'rolebinding', 'bob-view', '-n', esc, '--clusterrole=view', '--user=bob', '--as', alice]);
    expect(view.code).toBe(1);
  });

  describe('admission', () => {
    let hook: https.Server | undefined;
    const seen: any[] = [];
    let hookCA = '';
    let hookURL = '';
    beforeAll(async () => {
      if (startError || !HAS_OPENSSL) return;
      const dir = mkdtempSync(join(work, 'hook-'));
      const ca = makeCA(dir, 'webhook-ca');
      const serving = signCert(dir, ca, 'webhook', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature\n');
      hookCA = ca.cert;
      hook = https.createServer({ cert: serving.cert, key: serving.key }, (req, res) => {
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () => {
          const review = JSON.parse(text);
          const path = (req.url ?? '').split('?')[0];
          seen.push({ path, query: (req.url ?? '').split('?')[1] ?? '', review });
          const obj = review.request.object;
          const response: any = { uid: review.request.uid, allowed: true };
          if (path === '/validate' && obj?.metadata?.labels?.deny === 'yes') {
            response.allowed = false;
            response.status = { code: 403, message: 'configmaps labelled deny=yes are refused' };
          }
          if (path === '/mutate') {
            const patch = obj?.metadata?.labels
              ? [{ op: 'add', path: '/metadata/labels/mutated', value: 'yes' }]
              : [{ op: 'add', path: '/metadata/labels', value: { mutated: 'yes' } }];
            response.patchType = 'JSONPatch';
            response.patch = b64(JSON.stringify(patch));
            response.warnings = ['mutated by the test webhook'];
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response }));
        });
      });
      await new Promise<void>((r) => hook!.listen(0, '127.0.0.1', () => r()));
      hookURL = `https://127.0.0.1:${(hook.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise((r) => (hook ? hook.close(r) : r(undefined)));
    });

    const webhookYAML = (whns: string) => `apiVersion: admissionregistration.k8s.io/v1
kind: MutatingWebhookConfiguration
metadata:
  name: label-${whns}
webhooks:
- name: label.${whns}.sec.test
  clientConfig:
    url: ${hookURL}/mutate
    caBundle: ${b64(hookCA)}
  rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE"]
    resources: ["configmaps"]
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: ${whns}
  sideEffects: None
  admissionReviewVersions: ["v1"]
  failurePolicy: Fail
  timeoutSeconds: 5
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingWebhookConfiguration
metadata:
  name: deny-${whns}
webhooks:
- name: deny.${whns}.sec.test
  clientConfig:
    url: ${hookURL}/validate
    caBundle: ${b64(hookCA)}
  rules:
  - apiGroups: [""]
    apiVersions: ["v1"]
    operations: ["CREATE", "UPDATE"]
    resources: ["configmaps"]
  namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: ${whns}
  sideEffects: None
  admissionReviewVersions: ["v1"]
  failurePolicy: Fail
  timeoutSeconds: 5
`;
    const cm = (name: string, whns: string, labels: Record<string, string>, data: Record<string, string> = { a: '1' }) =>
      JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: whns, labels }, data });

    it.runIf(HAS_OPENSSL)('a validating webhook refuses with its message; a mutating one patches (JSON patch), in that order', async () => {
      requireServer();
      const whns = `wh-${minor}`;
      await k.ok(['create', 'namespace', whns]);
      await k.ok(['apply', '-f', '-'], { input: webhookYAML(whns) });
      const denied = await k.run(['create', '-f', '-'], { input: cm('refused', whns, { deny: 'yes' }) });
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain(`error when creating "STDIN": admission webhook "deny.${whns}.sec.test" denied the request: configmaps labelled deny=yes are refused`);
      expect((await k.run(['get', 'cm', 'refused', '-n', whns])).code).toBe(1);
      const ok = await k.run(['create', '-f', '-'], { input: cm('patched', whns, { app: 'x' }) });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stderr).toContain('Warning: mutated by the test webhook');
      expect(await k.ok(['get', 'cm', 'patched', '-n', whns, '-o', 'jsonpath={.metadata.labels.mutated}'])).toBe('yes');
      // the validating webhook saw the mutated object, and both saw the admin as the user
      const v = seen.filter((s) => s.path === '/validate' && s.review.request.name === 'patched' && s.review.request.namespace === whns);
      expect(v.length).toBeGreaterThan(0);
      expect(v[0].review.request.object.metadata.labels.mutated).toBe('yes');
      expect(v[0].review.request.userInfo.groups).toContain('system:masters');
      expect(v[0].review.request.operation).toBe('CREATE');
      // upstream's create handler names the request from the object (create.go: "On create, get name from new object if unset")
      const m = seen.filter((s) => s.path === '/mutate' && s.review.request.namespace === whns && s.review.request.object?.metadata?.name === 'patched');
      expect(m.length).toBeGreaterThan(0);
      expect(m[0].review.request.name).toBe('patched');
      // the webhook client passes the timeout (webhook/client: ?timeout=5s)
      expect(m[0].query).toBe('timeout=5s');
      // outside the namespace selector: no webhook
      const before = seen.length;
      await k.ok(['create', '-f', '-'], { input: cm(`elsewhere-${minor}`, 'default', { deny: 'yes' }) });
      expect(seen.length).toBe(before);
      await k.ok(['delete', 'mutatingwebhookconfiguration', `label-${whns}`]);
      await k.ok(['delete', 'validatingwebhookconfiguration', `deny-${whns}`]);
    });

    it('a ValidatingAdmissionPolicy denies with its message', async () => {
      requireServer();
      const vns = `vap-${minor}`;
      await k.ok(['create', 'namespace', vns]);
      await k.ok(['apply', '-f', '-'], {
        input: `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: no-forbidden-key-${minor}
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: [""]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["configmaps"]
  validations:
  - expression: "!has(object.data) || !('forbidden' in object.data)"
    message: "the key forbidden is not allowed"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: no-forbidden-key-${minor}-binding
spec:
  policyName: no-forbidden-key-${minor}
  validationActions: ["Deny"]
  matchResources:
    namespaceSelector:
      matchLabels:
        kubernetes.io/metadata.name: ${vns}
`,
      });
      // a policy takes effect once its informer has it (upstream: within about a second)
      const denied = await waitFor('the policy to deny', async () => {
        const r = await k.run(['create', '-f', '-'], { input: cm('bad', vns, {}, { forbidden: 'x' }) });
        if (r.code === 0) {
          await k.run(['delete', 'cm', 'bad', '-n', vns]);
          return undefined;
        }
        return r;
      });
      expect(denied.stderr).toContain(`ValidatingAdmissionPolicy 'no-forbidden-key-${minor}' with binding 'no-forbidden-key-${minor}-binding' denied request: the key forbidden is not allowed`);
      expect(denied.stderr).toMatch(/configmaps "bad" is (forbidden|invalid)/);
      await k.ok(['create', '-f', '-'], { input: cm('good', vns, {}, { allowed: 'x' }) });
      // elsewhere the binding does not match
      await k.ok(['create', '-f', '-'], { input: cm(`free-${minor}`, 'default', {}, { forbidden: 'x' }) });
    });
  });
});

/** The private keys (PEM) the server keeps in its data dir: the service-account signing key among them. */
function privateKeysInDataDir(): KeyObject[] {
  const keys: KeyObject[] = [];
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.size < 20_000) {
        const pems = readFileSync(p, 'latin1').match(/-----BEGIN (?:EC |RSA )?PRIVATE KEY-----[\s\S]*?-----END (?:EC |RSA )?PRIVATE KEY-----/g) ?? [];
        for (const pem of pems) {
          try {
            keys.push(createPrivateKey(pem));
          } catch {
            /* not a key */
          }
        }
      }
    }
  };
  walk(dataDir);
  return keys;
}
