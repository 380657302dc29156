// Shared pieces of the benchmark suite: spawning servers, an HTTP load loop over keep-alive
// connections, statistics. A benchmark reports; it never fails CI.
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import https from 'node:https';
import { readFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface Spawned {
  proc: ChildProcess;
  url: string;
  port: number;
  startupMs: number;
  /** CPU time (user + system) the process used until ready: steadier than wall time on a busy machine */
  startupCpuMs: number;
  stop(): Promise<void>;
}

/**
 * Starts the built server (node bin/kube-emulator.mjs: the bundle) and waits for /readyz. The benchmarks measure
 * the API machinery over plain HTTP (`--insecure`, the open mode) unless `secure` (HTTPS with
 * authentication: the default configuration of the CLI).
 */
export async function spawnServer(args: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], secure = false): Promise<Spawned> {
  // without the ServiceAccount controller no namespace has a `default` account: the ServiceAccount
  // admission plugin is turned off then, or every pod create would be refused
  const ci = args.indexOf('--controllers');
  const controllers = ci >= 0 ? args[ci + 1].split(',').map((c) => c.trim()) : ['*'];
  const withAccounts = (controllers.includes('*') && !controllers.includes('-serviceaccount')) || controllers.includes('serviceaccount');
  if (!withAccounts && !args.includes('--disable-admission-plugins')) args = [...args, '--disable-admission-plugins', 'ServiceAccount'];
  const t0 = performance.now();
  if (!secure) args = ['--insecure', ...args];
  // BENCH_NODE_ARGS: extra node flags for every server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"
  const extra = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const proc = spawn(process.execPath, [...extra, ...nodeArgs, join(ROOT, 'bin/kube-emulator.mjs'), '--port', '0', '--kubeconfig', '', '--log-level', 'info', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  const url = await new Promise<string>((resolve, reject) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      for (const line of buf.split('\n')) {
        try {
          const o = JSON.parse(line);
          if (o.url && o.msg === 'kube-emulator is serving') {
            proc.stdout!.off('data', onData);
            return resolve(o.url);
          }
        } catch {
          /* partial line */
        }
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', (d) => process.stderr.write(d));
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  await waitReady(url);
  const startupMs = performance.now() - t0;
  const startupCpuMs = cpuMs(proc.pid!);
  proc.stdout!.resume();
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    startupMs,
    startupCpuMs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** Starts a bare-ceiling server (bench/ceiling.ts) in its own process. */
export async function spawnCeiling(): Promise<Spawned> {
  const t0 = performance.now();
  const proc = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/ceiling.ts')], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    proc.stdout!.once('data', (d) => resolve(String(d).trim()));
    proc.on('exit', (code) => reject(new Error(`ceiling exited with ${code}`)));
  });
  return {
    proc,
    url,
    port: Number(new URL(url).port),
    startupMs: performance.now() - t0,
    startupCpuMs: cpuMs(proc.pid!),
    stop: () =>
      new Promise<void>((resolve) => {
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

export async function waitReady(url: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = url.startsWith('https:') ? await probeTLS(url, '/readyz') : await request(url, 'GET', '/readyz');
      if (r.status === 200) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error('server not ready');
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat (Linux). */
export function cpuMs(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks (USER_HZ = 100)
  } catch {
    return NaN;
  }
}

export function rssMB(pid: number): number {
  const s = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+) kB/.exec(s);
  return m ? Number(m[1]) / 1024 : NaN;
}

/** One GET over HTTPS (the server's own CA is not checked: only the start-up is measured). */
function probeTLS(base: string, path: string): Promise<Resp> {
  return new Promise((resolve, reject) => {
    const req = https.get(new URL(path, base), { rejectUnauthorized: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

const agents = new Map<number, http.Agent>();
function agentFor(conns: number): http.Agent {
  let a = agents.get(conns);
  if (!a) agents.set(conns, (a = new http.Agent({ keepAlive: true, maxSockets: conns })));
  return a;
}

export interface Resp {
  status: number;
  body: string;
}

export function request(base: string, method: string, path: string, body?: string, headers: Record<string, string> = {}, conns = 64): Promise<Resp> {
  const u = new URL(path, base);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method, agent: agentFor(conns), headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

/** Runs `total` requests with `conns` in flight; returns requests/second and latencies. */
export async function load(total: number, conns: number, make: (i: number) => Promise<Resp>, expect = (r: Resp) => r.status < 300): Promise<{ rps: number; p50: number; p99: number; errors: number }> {
  let next = 0;
  let errors = 0;
  const lat: number[] = new Array(total);
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= total) return;
      const s = performance.now();
      const r = await make(i);
      lat[i] = performance.now() - s;
      if (!expect(r)) {
        errors++;
        if (errors <= 3) process.stderr.write(`bench: unexpected ${r.status}: ${r.body.slice(0, 200)}\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: conns }, worker));
  const secs = (performance.now() - t0) / 1000;
  return { rps: total / secs, p50: percentile(lat, 50), p99: percentile(lat, 99), errors };
}

export function percentile(xs: number[], p: number): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}

export function median(xs: number[]): number {
  return percentile(xs, 50);
}

/** "median (min-max)" */
export function spread(xs: number[], digits = 0): string {
  const s = [...xs].sort((a, b) => a - b);
  return `${median(s).toFixed(digits)} (${s[0].toFixed(digits)}-${s[s.length - 1].toFixed(digits)})`;
}

export function podManifest(ns: string, name: string, labels: Record<string, string> = {}): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: ns, labels: { app: 'bench', ...labels } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
  });
}
