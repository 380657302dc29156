// Security (issue 13): start-up with TLS on an existing data dir (the cluster CA, the serving and
// admin certificates and the service-account key are read, not made), and ConfigMap create
// throughput over HTTPS beside a bare HTTPS ceiling measured in the same run: a plain node:https
// server (same ECDSA P-256 key type, the client certificate requested) answering each POST with
// the same JSON, parsed, given a resourceVersion and serialised. Our side is measured with the
// admin client certificate (system:masters), and with a non-admin user (a static token) whose
// RBAC Role allows creating configmaps, with RBAC and with `--authorization-mode AlwaysAllow`.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import https from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { ROOT, cpuMs, load, spread, type Resp } from './lib.js';

export type Row = [string, string, string, string, string];

interface TLSClient {
  ca: string;
  cert?: string;
  key?: string;
  token?: string;
}

const agents = new Map<string, https.Agent>();
function agentFor(c: TLSClient, conns: number): https.Agent {
  const id = `${conns}:${c.cert ?? ''}:${c.ca}`;
  let a = agents.get(id);
  if (!a) agents.set(id, (a = new https.Agent({ keepAlive: true, maxSockets: conns, ca: c.ca, cert: c.cert, key: c.key })));
  return a;
}

export function tlsRequest(base: string, c: TLSClient, method: string, path: string, body?: string, conns = 64): Promise<Resp> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: u.hostname,
        port: u.port,
        path: u.pathname + u.search,
        method,
        agent: agentFor(c, conns),
        headers: { 'content-type': 'application/json', accept: 'application/json', ...(c.token ? { authorization: `Bearer ${c.token}` } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (d) => chunks.push(d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

interface Secure {
  proc: ChildProcess;
  url: string;
  startupMs: number;
  startupCpuMs: number;
  admin: TLSClient;
  stop(): Promise<void>;
}

/** Starts the built server (HTTPS, the default) and waits for an anonymous 200 from /readyz. */
async function spawnSecure(dir: string, extra: string[] = []): Promise<Secure> {
  const kubeconfig = join(dir, 'kubeconfig');
  const t0 = performance.now();
  const proc = spawn(process.execPath, [join(ROOT, 'bin/kube-emulator.mjs'), '--port', '0', '--dns-port', '0', '--data-dir', join(dir, 'data'), '--kubeconfig', kubeconfig, '--controllers', '', '--log-level', 'info', ...extra], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stderr!.on('data', (d) => process.stderr.write(d));
  let kubeconfigWritten!: () => void;
  const written = new Promise<void>((r) => (kubeconfigWritten = r));
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          const o = JSON.parse(line);
          if (o.url && o.msg === 'kube-emulator is serving') resolve(o.url);
          if (/kubeconfig written/.test(o.msg ?? '')) kubeconfigWritten();
        } catch {
          /* not JSON */
        }
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  if (!url.startsWith('https://')) throw new Error(`the server is not serving HTTPS: ${url}`);
  // the kubeconfig (written right after the "serving" line) gives the admin certificate: /readyz is
  // probed with it, as anonymous /readyz depends on the bootstrap policy
  await written;
  const kc = YAML.parse(readFileSync(kubeconfig, 'utf8'));
  const unb64 = (s: string) => Buffer.from(s, 'base64').toString('utf8');
  const admin: TLSClient = {
    ca: unb64(kc.clusters[0].cluster['certificate-authority-data']),
    cert: unb64(kc.users[0].user['client-certificate-data']),
    key: unb64(kc.users[0].user['client-key-data']),
  };
  const end = Date.now() + 30_000;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const u = new URL('/readyz', url);
      const req = https.get({ host: u.hostname, port: u.port, path: u.pathname, ca: admin.ca, cert: admin.cert, key: admin.key, agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode === 200);
      });
      req.on('error', () => resolve(false));
    });
    if (ok) break;
    if (Date.now() > end) throw new Error('server not ready');
    await new Promise((r) => setTimeout(r, 2));
  }
  const startupMs = performance.now() - t0;
  const startupCpuMs = cpuMs(proc.pid!);
  return {
    proc,
    url,
    startupMs,
    startupCpuMs,
    admin,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * The bare HTTPS ceiling, in its own process: node:https with the server's own serving key and
 * certificate, the client certificate requested and checked against the cluster CA as ours does,
 * every POST answered 201 with the posted JSON (parsed, given a resourceVersion, serialised).
 */
async function spawnCeiling(tls: { key: string; cert: string; ca: string }): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-tls-ceiling-'));
  writeFileSync(join(dir, 'tls.json'), JSON.stringify(tls));
  const src = `
const https = require('node:https');
const tls = JSON.parse(require('node:fs').readFileSync(${JSON.stringify(join(dir, 'tls.json'))}, 'utf8'));
let rv = 0;
const srv = https.createServer({ key: tls.key, cert: tls.cert, ca: tls.ca, requestCert: true, rejectUnauthorized: false, keepAliveTimeout: 60000 }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (req.method !== 'POST') { res.writeHead(200, { 'content-type': 'text/plain' }); return res.end('ok'); }
    const obj = JSON.parse(Buffer.concat(chunks).toString());
    obj.metadata.resourceVersion = String(++rv);
    obj.metadata.uid = require('node:crypto').randomUUID();
    obj.metadata.creationTimestamp = new Date().toISOString();
    const json = JSON.stringify(obj);
    res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) });
    res.end(json);
  });
});
srv.listen(0, '127.0.0.1', () => process.stdout.write('https://127.0.0.1:' + srv.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;
  const proc = spawn(process.execPath, ['-e', src], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve(String(d).trim()));
    proc.on('exit', (code) => reject(new Error(`ceiling exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
        proc.kill('SIGTERM');
      }),
  };
}

const cmManifest = (ns: string, name: string) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns, labels: { app: 'bench' } }, data: { key: 'value', other: 'x'.repeat(200) } });

const TOKEN = 'bench-creator-token-0123456789';
const USER = 'bench-creator';

/** The namespace, and a Role + RoleBinding letting the non-admin user create configmaps there. */
async function setUp(s: Secure): Promise<boolean> {
  let served = true;
  const post = async (path: string, obj: unknown) => {
    const r = await tlsRequest(s.url, s.admin, 'POST', path, JSON.stringify(obj));
    if (r.status === 404 && path.includes('/rbac.authorization.k8s.io/')) served = false;
    else if (r.status !== 201 && r.status !== 409) throw new Error(`${path}: ${r.status} ${r.body.slice(0, 200)}`);
  };
  await post('/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/bench/roles', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'configmap-creator' },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'get', 'list'] }],
  });
  await post('/apis/rbac.authorization.k8s.io/v1/namespaces/bench/rolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'configmap-creator' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: USER }],
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'configmap-creator' },
  });
  return served;
}

/** A self-signed ECDSA P-256 serving certificate for 127.0.0.1 (the ceiling's; openssl). */
function servingPair(dir: string): { key: string; cert: string } {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', 'c.key', '-out', 'c.crt', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { cwd: dir, stdio: 'pipe' });
  return { key: readFileSync(join(dir, 'c.key'), 'utf8'), cert: readFileSync(join(dir, 'c.crt'), 'utf8') };
}

export async function securityScenarios(runs: number, quick: boolean): Promise<Row[]> {
  process.stderr.write('security\n');
  const n = quick ? 3_000 : 10_000;
  const conns = 32;
  const startup: number[] = [];
  const startupCpu: number[] = [];
  const ceil: number[] = [];
  const adminCert: number[] = [];
  const rbacToken: number[] = [];
  const allowToken: number[] = [];
  const notes: string[] = [];
  const ratio = (a: number[], b: number[]) => {
    const rs = a.map((x, i) => x / b[i]);
    return rs.length > 1 ? spread(rs, 2) : rs[0].toFixed(2);
  };
  const run = async (what: string, base: string, c: TLSClient, prefix: string): Promise<number> => {
    const res = await load(n, conns, (i) => tlsRequest(base, c, 'POST', '/api/v1/namespaces/bench/configmaps', cmManifest('bench', `${prefix}-${i}`), conns));
    if (res.errors) notes.push(`${what}: ${res.errors} errors of ${n}`);
    return res.rps;
  };
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sec-'));
    const tokenFile = join(dir, 'tokens.csv');
    writeFileSync(tokenFile, `${TOKEN},${USER},uid-bench-creator\n`);
    const args = ['--token-auth-file', tokenFile];
    try {
      // the first start makes the CA, the certificates and the keys; the next ones read them
      const first = await spawnSecure(dir, args);
      const rbacServed = await setUp(first);
      if (!rbacServed) notes.push(`run ${r}: the RBAC kinds are not served in this build: no RBAC Role can allow the non-admin user, so the RBAC row is not measured`);
      await first.stop();

      const s = await spawnSecure(dir, args);
      startup.push(s.startupMs);
      startupCpu.push(s.startupCpuMs);
      const pair = servingPair(dir);
      const c = await spawnCeiling({ ...pair, ca: s.admin.ca });
      // the ceiling: the same client (the admin certificate, a keep-alive agent), its own CA
      ceil.push(await run('ceiling', c.url, { ...s.admin, ca: pair.cert }, `c${r}`));
      await c.stop();
      adminCert.push(await run('admin client certificate', s.url, s.admin, `a${r}`));
      const user = { ca: s.admin.ca, token: TOKEN };
      if (rbacServed) rbacToken.push(await run('RBAC, non-admin token', s.url, user, `t${r}`));
      await s.stop();

      const open = await spawnSecure(dir, [...args, '--authorization-mode', 'AlwaysAllow']);
      allowToken.push(await run('AlwaysAllow, non-admin token', open.url, user, `o${r}`));
      await open.stop();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return [
    ['start-up to /readyz over HTTPS, existing data dir (CA, certificates and keys read), no controllers (ms)', spread(startup), '', '', '< 300'],
    ['start-up CPU time (user+sys) until ready, HTTPS, existing data dir (ms)', spread(startupCpu), '', '', ''],
    [`configmap creates/s over HTTPS, admin client certificate (system:masters) (${n}, ${conns} conns)`, spread(adminCert), spread(ceil), ratio(adminCert, ceil), 'ratio >= 0.5'],
    rbacToken.length === runs
      ? [`configmap creates/s over HTTPS, non-admin user (static token) allowed by an RBAC Role`, spread(rbacToken), spread(ceil), ratio(rbacToken, ceil), 'ratio >= 0.5']
      : ['configmap creates/s over HTTPS, non-admin user allowed by an RBAC Role', 'not measured (RBAC kinds not served)', spread(ceil), '', 'ratio >= 0.5'],
    [`configmap creates/s over HTTPS, the same user with --authorization-mode AlwaysAllow`, spread(allowToken), spread(ceil), ratio(allowToken, ceil), ''],
    ['RBAC / AlwaysAllow create throughput (same user, same run)', rbacToken.length === runs ? ratio(rbacToken, allowToken) : 'not measured', '', '', ''],
    ...notes.map((x): Row => [`note: ${x}`, '', '', '', '']),
  ];
}
