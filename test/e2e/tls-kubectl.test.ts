// E2E of the secure default with the BUILT CLI and real kubectl: the kubeconfig the CLI writes
// (cluster CA, kubernetes-admin's client certificate) works over HTTPS, every namespace has the
// ConfigMap kube-root-ca.crt with the cluster CA, the PKI in the data dir survives a restart, and
// a request without credentials is refused when anonymous requests are off.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCLI, type Running } from '../helpers/cli.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';

const dir = mkdtempSync(join(tmpdir(), 'tls-e2e-'));
const kubeconfig = join(dir, 'kubeconfig');
const running: Running[] = [];
afterAll(() => {
  for (const r of running) r.proc.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function run(bin: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) =>
    execFile(bin, args, { timeout: 30_000, env: { ...process.env, KUBECONFIG: kubeconfig } }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof (err as any).code === 'number' ? (err as any).code : 1) : 0, stdout: String(stdout), stderr: String(stderr) }),
    ),
  );
}

async function until(f: () => Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await f())) {
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const kubectls = availableKubectls([33]);

describe.skipIf(!kubectls.length)('HTTPS with the written kubeconfig (kubectl)', () => {
  const kubectl = kubectls[0]?.bin ?? 'kubectl';
  const cache = join(dir, 'cache');
  const k = (args: string[]) => run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', cache, ...args]);
  const dataDir = join(dir, 'data');
  let srv: Running;

  it('starts on https:// and writes a kubeconfig with the CA and the admin credentials', async () => {
    srv = await startCLI(dataDir, ['--anonymous-auth', 'false', '--kubeconfig', kubeconfig]);
    running.push(srv);
    expect(srv.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    // written just after the "serving" line
    await until(async () => existsSync(kubeconfig) && statSync(kubeconfig).size > 0, 'kubeconfig written');
    const text = readFileSync(kubeconfig, 'utf8');
    expect(text).toContain(`server: ${srv.url}`);
    expect(text).toContain(`certificate-authority-data: ${readFileSync(join(dataDir, 'pki', 'ca.crt')).toString('base64')}`);
    expect(text).toMatch(/client-certificate-data: \S+/);
    expect(text).toMatch(/client-key-data: \S+/);
    expect(statSync(kubeconfig).mode & 0o777).toBe(0o600);
  });

  it('kubectl get ns', async () => {
    const r = await k(['get', 'ns', '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')).toEqual(expect.arrayContaining(['namespace/default', 'namespace/kube-system', 'namespace/kube-public', 'namespace/kube-node-lease']));
  });

  it('kubectl get configmap kube-root-ca.crt -n default: the cluster CA', async () => {
    await until(async () => (await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'default'])).code === 0, 'kube-root-ca.crt published');
    const r = await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'default']);
    expect(r.stdout).toMatch(/^NAME\s+DATA\s+AGE\nkube-root-ca.crt\s+1\s+\d+s\n$/);
    const ca = await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'default', '-o', 'jsonpath={.data.ca\\.crt}']);
    expect(ca.stdout).toBe(readFileSync(join(dataDir, 'pki', 'ca.crt'), 'utf8'));
    const ann = await k(['get', 'configmap', 'kube-root-ca.crt', '-n', 'default', '-o', "jsonpath={.metadata.annotations['kubernetes\\.io/description']}"]);
    expect(ann.stdout).toMatch(/^Contains a CA bundle that can be used to verify the kube-apiserver/);
  });

  it('a new namespace gets kube-root-ca.crt; deleted, it comes back', async () => {
    expect((await k(['create', 'ns', 'tls-e2e'])).stdout).toBe('namespace/tls-e2e created\n');
    await until(async () => (await k(['get', 'cm', 'kube-root-ca.crt', '-n', 'tls-e2e'])).code === 0, 'published in the new namespace');
    const uid = (await k(['get', 'cm', 'kube-root-ca.crt', '-n', 'tls-e2e', '-o', 'jsonpath={.metadata.uid}'])).stdout;
    expect((await k(['delete', 'cm', 'kube-root-ca.crt', '-n', 'tls-e2e'])).stdout).toBe('configmap "kube-root-ca.crt" deleted\n');
    await until(async () => {
      const r = await k(['get', 'cm', 'kube-root-ca.crt', '-n', 'tls-e2e', '-o', 'jsonpath={.metadata.uid}']);
      return r.code === 0 && r.stdout !== uid;
    }, 'recreated');
  });

  it('curl without credentials: 401 (anonymous requests off); with the CA it verifies the server', async () => {
    const ca = join(dataDir, 'pki', 'ca.crt');
    const r = await run('curl', ['-sS', '--cacert', ca, '-w', '\\n%{http_code}', `${srv.url}/api`]);
    expect(r.stderr).toBe('');
    const cut = r.stdout.lastIndexOf('\n');
    const [body, code] = [r.stdout.slice(0, cut), r.stdout.slice(cut + 1)];
    expect(code).toBe('401');
    expect(JSON.parse(body)).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    // the admin pair from the data dir is accepted
    const ok = await run('curl', ['-sS', '--cacert', ca, '--cert', join(dataDir, 'pki', 'admin.crt'), '--key', join(dataDir, 'pki', 'admin.key'), '-o', '/dev/null', '-w', '%{http_code}', `${srv.url}/api`]);
    expect(ok.stdout).toBe('200');
  });

  it('after a restart the same CA and admin credentials still work', async () => {
    const before = readFileSync(kubeconfig, 'utf8');
    srv.proc.kill('SIGTERM');
    await srv.exited.catch(() => {});
    rmSync(kubeconfig);
    srv = await startCLI(dataDir, ['--anonymous-auth', 'false', '--kubeconfig', kubeconfig]);
    running.push(srv);
    await until(async () => existsSync(kubeconfig) && statSync(kubeconfig).size > 0, 'kubeconfig written');
    const after = readFileSync(kubeconfig, 'utf8');
    // only the port changed
    expect(after.replace(/127\.0\.0\.1:\d+/g, 'ADDR')).toBe(before.replace(/127\.0\.0\.1:\d+/g, 'ADDR'));
    const r = await k(['get', 'ns', 'tls-e2e', '-o', 'name']);
    expect(r.stdout).toBe('namespace/tls-e2e\n');
  });
});

describe.skipIf(!kubectls.length)('--insecure (kubectl)', () => {
  it('plain HTTP, and a kubeconfig without credentials that kubectl uses', async () => {
    const kc = join(dir, 'insecure-kubeconfig');
    const srv = await startCLI(join(dir, 'insecure-data'), ['--insecure', '--kubeconfig', kc]);
    running.push(srv);
    expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await until(async () => existsSync(kc) && statSync(kc).size > 0, 'kubeconfig written');
    const text = readFileSync(kc, 'utf8');
    expect(text).toContain(`server: ${srv.url}`);
    expect(text).not.toMatch(/certificate-authority-data|client-key-data|token/);
    const r = await run(kubectls[0].bin, ['--kubeconfig', kc, '--cache-dir', join(dir, 'cache2'), 'get', 'ns', 'default', '-o', 'name']);
    expect(r.stdout).toBe('namespace/default\n');
  });
});

describe.skipIf(!kubectls.length)('an in-process HTTPS server with emu.kubeconfig() (kubectl)', () => {
  it('kubectl get ns', async () => {
    const emu = await startServer({ security: { anonymousAuth: false } });
    try {
      const k = new Kubectl(kubectls[0].bin, emu.url, emu.kubeconfig());
      expect(await k.ok(['get', 'ns', 'default', '-o', 'name'])).toBe('namespace/default\n');
      // the helper's default kubeconfig (an unknown token) is refused, as by a real cluster
      const plain = new Kubectl(kubectls[0].bin, emu.url);
      expect((await plain.run(['get', 'ns', '--insecure-skip-tls-verify'])).stderr).toMatch(/error: You must be logged in to the server \(the server has asked for the client to provide credentials\)/);
    } finally {
      await emu.close();
    }
  });
});
