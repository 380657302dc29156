// Custom resources: creates beside pod creates and the bare store ceiling (same JSON, same run),
// CRD create-to-Established latency, and start-up with CRDs stored (the kinds served before
// /readyz answers).
import http from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, load, percentile, podManifest, request, spawnCeiling, spawnServer, spread, type Spawned } from './lib.js';

export type Row = [string, string, string, string, string];

const GROUP = 'bench.example.com';

function crdManifest(plural: string, kind: string): string {
  return JSON.stringify({
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${GROUP}` },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { plural, singular: plural.slice(0, -1), kind, listKind: `${kind}List` },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
          subresources: { status: {} },
        },
      ],
    },
  });
}

/** A custom resource about the size of the pod manifest (podManifest). */
function widgetManifest(ns: string, name: string): string {
  return JSON.stringify({
    apiVersion: `${GROUP}/v1`,
    kind: 'Widget',
    metadata: { name, namespace: ns, labels: { app: 'bench' } },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] },
  });
}

const ns = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

/** Follows CRD watch events and resolves, per name, when Established is True. */
function establishedWatcher(url: string): Promise<{ wait(name: string): Promise<number>; close(): void }> {
  const waiters = new Map<string, (t: number) => void>();
  const seen = new Map<string, number>();
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/apis/apiextensions.k8s.io/v1/customresourcedefinitions?watch=true`, { agent: false }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (!line.trim()) continue;
          const ev = JSON.parse(line);
          const o = ev.object;
          const ok = (o?.status?.conditions ?? []).some((c: any) => c.type === 'Established' && c.status === 'True');
          if (!ok || seen.has(o.metadata.name)) continue;
          const t = performance.now();
          seen.set(o.metadata.name, t);
          waiters.get(o.metadata.name)?.(t);
        }
      });
      resolve({
        wait: (name) => new Promise<number>((r) => (seen.has(name) ? r(seen.get(name)!) : waiters.set(name, r))),
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
  });
}

/** Requests/s and the server's CPU time (user+sys) per 1,000 requests: the CPU figure is steadier on a shared machine. */
interface Measured {
  rps: number;
  cpuPer1k: number;
  errors: number;
}

async function measured(pid: number, n: number, run: () => Promise<{ rps: number; errors: number }>): Promise<Measured> {
  const c0 = cpuMs(pid);
  const r = await run();
  return { rps: r.rps, errors: r.errors, cpuPer1k: ((cpuMs(pid) - c0) * 1000) / n };
}

async function createThroughput(n: number, conns: number, kind: 'pod' | 'widget'): Promise<Measured> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-crd-'));
  const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
  try {
    await request(s.url, 'POST', '/api/v1/namespaces', ns('bench'));
    let path = '/api/v1/namespaces/bench/pods';
    let body = (i: number) => podManifest('bench', `p-${i}`);
    if (kind === 'widget') {
      const w = await establishedWatcher(s.url);
      await request(s.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdManifest('widgets', 'Widget'));
      await w.wait(`widgets.${GROUP}`);
      w.close();
      path = `/apis/${GROUP}/v1/namespaces/bench/widgets`;
      body = (i) => widgetManifest('bench', `w-${i}`);
    }
    return await measured(s.proc.pid!, n, () => load(n, conns, (i) => request(s.url, 'POST', path, body(i))));
  } finally {
    await s.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function ceilingThroughput(n: number, conns: number, body: (i: number) => string): Promise<Measured> {
  const c = await spawnCeiling();
  try {
    return await measured(c.proc.pid!, n, () => load(n, conns, (i) => request(c.url, 'POST', '/api/v1/namespaces/bench/pods', body(i))));
  } finally {
    await c.stop();
  }
}

/** 50 CRDs created one after another on a data dir: each one's create-to-Established time. Leaves the server running. */
async function establishLatency(dir: string, count: number): Promise<{ s: Spawned; ms: number[]; servedMs: number[] }> {
  const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
  await request(s.url, 'POST', '/api/v1/namespaces', ns('bench'));
  const w = await establishedWatcher(s.url);
  const ms: number[] = [];
  const servedMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const plural = `kind${i}s`;
    const t0 = performance.now();
    const r = await request(s.url, 'POST', '/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdManifest(plural, `Kind${i}`));
    if (r.status !== 201) throw new Error(`CRD create: ${r.status} ${r.body.slice(0, 200)}`);
    ms.push((await w.wait(`${plural}.${GROUP}`)) - t0);
    // and until the first custom resource is stored
    const c = await request(s.url, 'POST', `/apis/${GROUP}/v1/namespaces/bench/${plural}`, JSON.stringify({ apiVersion: `${GROUP}/v1`, kind: `Kind${i}`, metadata: { name: 'first' } }));
    if (c.status !== 201) throw new Error(`CR create after Established: ${c.status} ${c.body.slice(0, 200)}`);
    servedMs.push(performance.now() - t0);
  }
  w.close();
  return { s, ms, servedMs };
}

export async function crdScenarios(runs: number, quick: boolean): Promise<Row[]> {
  process.stderr.write('custom resources\n');
  const n = quick ? 4_000 : 20_000;
  const conns = 32;
  const pods: number[] = [];
  const widgets: number[] = [];
  const ceilPod: number[] = [];
  const ceilWidget: number[] = [];
  const cpu = { pods: [] as number[], widgets: [] as number[], ceilPod: [] as number[], ceilWidget: [] as number[] };
  let errors = 0;
  for (let r = 0; r < runs; r++) {
    const cp = await ceilingThroughput(n, conns, (i) => podManifest('bench', `p-${i}`));
    const cw = await ceilingThroughput(n, conns, (i) => widgetManifest('bench', `w-${i}`));
    const p = await createThroughput(n, conns, 'pod');
    const w = await createThroughput(n, conns, 'widget');
    ceilPod.push(cp.rps);
    ceilWidget.push(cw.rps);
    pods.push(p.rps);
    widgets.push(w.rps);
    cpu.pods.push(p.cpuPer1k);
    cpu.widgets.push(w.cpuPer1k);
    cpu.ceilPod.push(cp.cpuPer1k);
    cpu.ceilWidget.push(cw.cpuPer1k);
    errors += p.errors + w.errors;
  }
  const ratio = (a: number[], b: number[]) => {
    const rs = a.map((x, i) => x / b[i]);
    return rs.length > 1 ? spread(rs, 2) : rs[0].toFixed(2);
  };
  const rows: Row[] = [
    [`custom resource creates/s (${n}, ${conns} conns; ceiling: the same JSON)${errors ? ` (${errors} errors)` : ''}`, spread(widgets), spread(ceilWidget), ratio(widgets, ceilWidget), 'ratio >= 0.5'],
    [`pod creates/s, same runs (${n}, ${conns} conns)`, spread(pods), spread(ceilPod), ratio(pods, ceilPod), ''],
    ['custom resource creates / pod creates, same runs', ratio(widgets, pods), '', '', ''],
    // the ratio column: ceiling CPU / ours, what the throughput ratio would be with a core to itself
    ['server CPU per 1,000 custom resource creates (ms)', spread(cpu.widgets), spread(cpu.ceilWidget), ratio(cpu.ceilWidget, cpu.widgets), ''],
    ['server CPU per 1,000 pod creates (ms)', spread(cpu.pods), spread(cpu.ceilPod), ratio(cpu.ceilPod, cpu.pods), ''],
  ];

  const COUNT = 50;
  const dir = mkdtempSync(join(tmpdir(), 'bench-crds-'));
  try {
    const est: number[] = [];
    const served: number[] = [];
    // one data dir written by the first run: 50 CRDs, one custom resource each
    const first = await establishLatency(dir, COUNT);
    est.push(...first.ms);
    served.push(...first.servedMs);
    await first.s.stop();
    const q = (xs: number[]) => `${percentile(xs, 50).toFixed(1)} / ${percentile(xs, 95).toFixed(1)}`;
    rows.push([`CRD create to Established, median / p95 over ${COUNT} CRDs (ms)`, q(est), '', '', 'median < 50']);
    rows.push([`CRD create to its first custom resource stored, median / p95 (ms)`, q(served), '', '', '']);
    const start: number[] = [];
    const startCpu: number[] = [];
    const startDefault: number[] = [];
    let missing = 0;
    for (let r = 0; r < runs; r++) {
      const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
      start.push(s.startupMs);
      startCpu.push(s.startupCpuMs);
      // served at once: the last CRD's custom resource answers right after /readyz
      const got = await request(s.url, 'GET', `/apis/${GROUP}/v1/namespaces/bench/kind${COUNT - 1}s/first`);
      if (got.status !== 200) missing++;
      await s.stop();
      const d = await spawnServer(['--data-dir', dir]);
      startDefault.push(d.startupMs);
      await d.stop();
    }
    const empty: number[] = [];
    const emptyCpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const e = mkdtempSync(join(tmpdir(), 'bench-empty-'));
      const s = await spawnServer(['--data-dir', e, '--controllers', '']);
      empty.push(s.startupMs);
      emptyCpu.push(s.startupCpuMs);
      await s.stop();
      rmSync(e, { recursive: true, force: true });
    }
    rows.push([`start-up to /readyz with ${COUNT} CRDs stored, no controllers (ms)${missing ? ` (${missing} runs did not serve at once)` : ''}`, spread(start), '', '', '< 400']);
    rows.push([`start-up CPU time until ready with ${COUNT} CRDs stored, no controllers (ms)`, spread(startCpu), '', '', '']);
    rows.push([`start-up to /readyz, empty data dir, no controllers, same runs (ms)`, spread(empty), '', '', '']);
    rows.push([`start-up CPU time until ready, empty data dir, no controllers, same runs (ms)`, spread(emptyCpu), '', '', '']);
    rows.push([`start-up to /readyz with ${COUNT} CRDs stored, default configuration (ms)`, spread(startDefault), '', '', '']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
