// Watch fan-out: W watchers on pods, writes at a fixed rate; delivery latency from the write's
// send time to receipt (an upper bound of commit-to-receipt, on one machine clock), lost or
// reordered events, and a stalled watcher that must not hurt the others.
// The watchers live in a worker thread, apart from the writer: a load generator that reads a
// million events a second on the same event loop as it sends writes measures itself. Every
// watcher counts its events (newlines, no decoding); one in SAMPLE_EVERY also decodes each
// event's resourceVersion (order) and send time (latency).
import net from 'node:net';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuMs, percentile, request, rssMB, spawnServer } from './lib.js';

const SAMPLE_EVERY = 10;

const WATCHERS = `
const http = require('node:http');
const { parentPort, workerData } = require('node:worker_threads');
const { host, port, path, n, sampleEvery } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
const watchers = [];
const reqs = [];
let ready = 0;
for (let i = 0; i < n; i++) {
  const w = { received: 0, lastRV: 0, reordered: 0, lat: [], sampled: i % sampleEvery === 0, rest: '' };
  watchers.push(w);
  const req = http.get({ host, port, path, agent }, (res) => {
    if (++ready === n) parentPort.postMessage({ ready: true });
    res.on('data', (chunk) => {
      if (!w.sampled) {
        for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) w.received++;
        return;
      }
      const now = performance.timeOrigin + performance.now();
      let buf = w.rest + chunk.toString('utf8');
      let nl;
      while ((nl = buf.indexOf('\\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        const rvAt = line.indexOf('"resourceVersion":"');
        const rv = Number(line.slice(rvAt + 19, line.indexOf('"', rvAt + 19)));
        const tAt = line.indexOf('"bench/t":"');
        if (tAt >= 0) w.lat.push(now - Number(line.slice(tAt + 11, line.indexOf('"', tAt + 11))));
        if (rv <= w.lastRV) w.reordered++;
        w.lastRV = rv;
        w.received++;
      }
      w.rest = buf;
    });
  });
  reqs.push(req);
}
parentPort.on('message', (m) => {
  if (m === 'progress') parentPort.postMessage({ min: Math.min(...watchers.map((w) => w.received)) });
  if (m === 'report') {
    parentPort.postMessage({
      received: watchers.map((w) => w.received),
      reordered: watchers.reduce((a, w) => a + w.reordered, 0),
      lat: watchers.flatMap((w) => w.lat),
      cpu: process.cpuUsage(),
    });
    for (const r of reqs) r.destroy();
    parentPort.close();
  }
});
`;

function ask<T>(w: Worker, msg: string): Promise<T> {
  return new Promise((resolve) => {
    w.once('message', resolve);
    w.postMessage(msg);
  });
}

export async function watchFanout(quick: boolean): Promise<[string, string, string?][]> {
  const W = Number(process.env.BENCH_WATCHERS ?? (quick ? 200 : 1000));
  const RATE = 1000;
  const SECONDS = quick ? 2 : 5;
  process.stderr.write(`watch fan-out: ${W} watchers, ${RATE} writes/s for ${SECONDS}s\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
  await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } }));
  const PODS = 100;
  for (let i = 0; i < PODS; i++)
    await request(s.url, 'POST', '/api/v1/namespaces/w/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
  const list = JSON.parse((await request(s.url, 'GET', '/api/v1/namespaces/w/pods?limit=1')).body);
  const fromRV = list.metadata.resourceVersion;
  const u = new URL(s.url);
  const path = `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${fromRV}`;
  const worker = new Worker(WATCHERS, { eval: true, workerData: { host: u.hostname, port: Number(u.port), path, n: W, sampleEvery: SAMPLE_EVERY } });
  await new Promise((resolve) => worker.once('message', resolve));
  // one stalled watcher: sends the request and never reads
  const stalled = net.connect(Number(u.port), u.hostname, () => {
    stalled.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    stalled.pause();
  });
  const rssBefore = rssMB(s.proc.pid!);
  const serverCpu0 = cpuMs(s.proc.pid!);
  const clientCpu0 = process.cpuUsage();
  const total = RATE * SECONDS;
  const t0 = performance.now();
  let sent = 0;
  let writeErrors = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      const batch: Promise<void>[] = [];
      while (sent < due) {
        const i = sent++;
        const t = performance.timeOrigin + performance.now();
        batch.push(
          request(s.url, 'PATCH', `/api/v1/namespaces/w/pods/p-${i % PODS}`, JSON.stringify({ metadata: { annotations: { 'bench/t': String(t) } } }), {
            'content-type': 'application/merge-patch+json',
          }).then((r) => {
            if (r.status !== 200) writeErrors++;
          }),
        );
      }
      if (sent >= total) void Promise.all(batch).then(() => resolve());
      else setTimeout(tick, 1);
    };
    tick();
  });
  const elapsed = (performance.now() - t0) / 1000;
  const deadline = Date.now() + 20_000;
  while ((await ask<{ min: number }>(worker, 'progress')).min < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const wall = (performance.now() - t0) / 1000;
  const rssAfter = rssMB(s.proc.pid!);
  const serverCpu = cpuMs(s.proc.pid!) - serverCpu0;
  const cc = process.cpuUsage(clientCpu0);
  const rep = await ask<{ received: number[]; reordered: number; lat: number[]; cpu: NodeJS.CpuUsage }>(worker, 'report');
  const writerCpu = (cc.user + cc.system) / 1e6;
  const missing = rep.received.reduce((a, n) => a + Math.max(0, total - n), 0);
  stalled.destroy();
  await worker.terminate();
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
  return [
    [`watch: ${W} watchers × ${RATE} writes/s (${SECONDS}s; achieved ${(total / elapsed).toFixed(0)} writes/s, ${writeErrors} write errors)`, `${total} events each`],
    [`watch delivery latency p50 / p99 (ms, send-to-receipt, every ${SAMPLE_EVERY}th watcher)`, `${percentile(rep.lat, 50).toFixed(1)} / ${percentile(rep.lat, 99).toFixed(1)}`, quick ? '' : 'p99 < 50'],
    ['watch events lost / reordered (all watchers)', `${missing} / ${rep.reordered}`, '0 / 0'],
    ['RSS before / after the fan-out, one watcher stalled (MB)', `${rssBefore.toFixed(0)} / ${rssAfter.toFixed(0)}`],
    ['watch: CPU of the server / the writer (cores, write phase + delivery)', `${(serverCpu / 1000 / wall).toFixed(2)} / ${(writerCpu / wall).toFixed(2)}`],
  ];
}
