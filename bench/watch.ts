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
import { cpuMs, percentile, request, rssMB, spawnCeiling, spawnServer } from './lib.js';

const SAMPLE_EVERY = 10;

const WATCHERS = `
// Raw sockets, not node:http: the load generator's own parsing must cost as little as it can, or
// it measures itself. A watcher sends the GET, waits for the header block, then reads the chunked
// body: most only count events (each ends with "}\\n"; the chunk framing uses "\\r\\n"); sampled
// ones de-chunk it and decode every event's resourceVersion and send time.
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');
const { host, port, path, n, sampleEvery } = workerData;
const END = Buffer.from('}\\n');
const watchers = [];
const socks = [];
let ready = 0;
for (let i = 0; i < n; i++) {
  const w = { received: 0, lastRV: 0, reordered: 0, lat: [], sampled: i % sampleEvery === 0, head: true, pending: Buffer.alloc(0), need: -1, text: '', lastByte: 0 };
  watchers.push(w);
  const sock = net.connect(port, host, () => sock.write('GET ' + path + ' HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n'));
  sock.on('data', (chunk) => {
    if (w.head) {
      const buf = Buffer.concat([w.pending, chunk]);
      const at = buf.indexOf('\\r\\n\\r\\n');
      if (at < 0) { w.pending = buf; return; }
      w.head = false;
      w.pending = Buffer.alloc(0);
      if (++ready === n) parentPort.postMessage({ ready: true });
      chunk = buf.subarray(at + 4);
      if (!chunk.length) return;
    }
    if (!w.sampled) {
      if (w.lastByte === 125 && chunk[0] === 10) w.received++;
      for (let at = chunk.indexOf(END); at >= 0; at = chunk.indexOf(END, at + 2)) w.received++;
      w.lastByte = chunk[chunk.length - 1];
      return;
    }
    const now = performance.timeOrigin + performance.now();
    // de-chunk: need < 0 means a size line is expected
    let buf = w.pending.length ? Buffer.concat([w.pending, chunk]) : chunk;
    let body = '';
    for (;;) {
      if (w.need < 0) {
        const nl = buf.indexOf('\\r\\n');
        if (nl < 0) break;
        w.need = parseInt(buf.toString('latin1', 0, nl), 16) + 2;
        buf = buf.subarray(nl + 2);
      }
      if (buf.length < w.need) break;
      body += buf.toString('utf8', 0, w.need - 2);
      buf = buf.subarray(w.need);
      w.need = -1;
    }
    w.pending = buf;
    let text = w.text + body;
    let nl;
    while ((nl = text.indexOf('\\n')) >= 0) {
      const line = text.slice(0, nl);
      text = text.slice(nl + 1);
      const rvAt = line.indexOf('"resourceVersion":"');
      const rv = Number(line.slice(rvAt + 19, line.indexOf('"', rvAt + 19)));
      const tAt = line.indexOf('"bench/t":"');
      if (tAt >= 0) w.lat.push(now - Number(line.slice(tAt + 11, line.indexOf('"', tAt + 11))));
      if (rv <= w.lastRV) w.reordered++;
      w.lastRV = rv;
      w.received++;
    }
    w.text = text;
  });
  socks.push(sock);
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
    for (const s of socks) s.destroy();
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

interface FanoutResult {
  achieved: number;
  writeErrors: number;
  lat: number[];
  missing: number;
  reordered: number;
  rssBefore: number;
  rssAfter: number;
  serverCores: number;
  loadCores: number;
}

/**
 * One fan-out run against `url` (our server or the bare ceiling): PODS objects, W watchers from
 * the current revision plus one stalled one, RATE merge patches a second for SECONDS.
 * `pod(i)` is the object created for pod i.
 */
async function fanout(url: string, pid: number, W: number, RATE: number, SECONDS: number, pod: (i: number) => string): Promise<FanoutResult> {
  const PODS = 100;
  for (let i = 0; i < PODS; i++) await request(url, 'POST', '/api/v1/namespaces/w/pods', pod(i));
  const list = JSON.parse((await request(url, 'GET', '/api/v1/namespaces/w/pods?limit=1')).body);
  const fromRV = list.metadata.resourceVersion;
  const u = new URL(url);
  const path = `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${fromRV}`;
  const worker = new Worker(WATCHERS, { eval: true, workerData: { host: u.hostname, port: Number(u.port), path, n: W, sampleEvery: SAMPLE_EVERY } });
  await new Promise((resolve) => worker.once('message', resolve));
  // one stalled watcher: sends the request and never reads
  const stalled = net.connect(Number(u.port), u.hostname, () => {
    stalled.write(`GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`);
    stalled.pause();
  });
  const rssBefore = rssMB(pid);
  const serverCpu0 = cpuMs(pid);
  const clientCpu0 = process.cpuUsage();
  // one second of the same writes first, not timed: JIT warm-up of the write and fan-out paths
  // (the events count for loss and order, they carry no send time)
  const warm = RATE;
  const total = warm + RATE * SECONDS;
  const t0 = performance.now();
  let sent = 0;
  let writeErrors = 0;
  let tMeasured = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * RATE));
      const batch: Promise<void>[] = [];
      while (sent < due) {
        const i = sent++;
        if (i === warm) tMeasured = performance.now();
        const t = performance.timeOrigin + performance.now();
        const annotations = i < warm ? { 'bench/w': String(i) } : { 'bench/t': String(t) };
        batch.push(
          request(url, 'PATCH', `/api/v1/namespaces/w/pods/p-${i % PODS}`, JSON.stringify({ metadata: { annotations } }), {
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
  const elapsed = (performance.now() - tMeasured) / 1000;
  const deadline = Date.now() + 20_000;
  while ((await ask<{ min: number }>(worker, 'progress')).min < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const wall = (performance.now() - t0) / 1000;
  const rssAfter = rssMB(pid);
  const serverCpu = cpuMs(pid) - serverCpu0;
  const cc = process.cpuUsage(clientCpu0);
  const rep = await ask<{ received: number[]; reordered: number; lat: number[] }>(worker, 'report');
  stalled.destroy();
  await worker.terminate();
  return {
    achieved: (total - warm) / elapsed,
    writeErrors,
    lat: rep.lat,
    missing: rep.received.reduce((a, n) => a + Math.max(0, total - n), 0),
    reordered: rep.reordered,
    rssBefore,
    rssAfter,
    serverCores: serverCpu / 1000 / wall,
    loadCores: (cc.user + cc.system) / 1e6 / wall,
  };
}

/** Our server and then the bare ceiling under the same fan-out load. */
async function pair(W: number, RATE: number, SECONDS: number): Promise<{ ours: FanoutResult; bare: FanoutResult; kb: number }> {
  process.stderr.write(`watch fan-out: ${W} watchers, ${RATE} writes/s for ${SECONDS}s\n`);
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
  await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } }));
  const ours = await fanout(s.url, s.proc.pid!, W, RATE, SECONDS, (i) =>
    JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'x' }] } }),
  );
  // the ceiling stores and sends the very objects our server made of those pods (same event size)
  const stored = JSON.parse((await request(s.url, 'GET', '/api/v1/namespaces/w/pods/p-0')).body);
  delete stored.metadata.annotations; // (our run's send times)
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
  const c = await spawnCeiling();
  const bare = await fanout(c.url, c.proc.pid!, W, RATE, SECONDS, (i) => {
    stored.metadata.name = `p-${i}`;
    return JSON.stringify(stored);
  });
  await c.stop();
  return { ours, bare, kb: JSON.stringify(stored).length / 1024 };
}

const lat = (r: FanoutResult) => `${percentile(r.lat, 50).toFixed(1)} / ${percentile(r.lat, 99).toFixed(1)}`;

export async function watchFanout(quick: boolean): Promise<[string, string, string?][]> {
  const W = Number(process.env.BENCH_WATCHERS ?? (quick ? 200 : 1000));
  const RATE = Number(process.env.BENCH_WATCH_RATE ?? 1000);
  const SECONDS = quick ? 2 : 5;
  const { ours, bare, kb } = await pair(W, RATE, SECONDS);
  const rows: [string, string, string?][] = [
    [`watch: ${W} watchers × ${RATE} writes/s for ${SECONDS}s, ~${kb.toFixed(1)} KB objects: writes/s achieved, ours / bare ceiling`, `${ours.achieved.toFixed(0)} / ${bare.achieved.toFixed(0)} (${ours.writeErrors + bare.writeErrors} write errors)`],
    [`watch delivery latency p50 / p99 (ms, send-to-receipt, every ${SAMPLE_EVERY}th watcher), ours`, lat(ours), quick ? '' : 'p99 < 50'],
    [`watch delivery latency p50 / p99, bare fan-out ceiling (same machine, same load)`, lat(bare)],
    ['watch events lost / reordered (all watchers), ours', `${ours.missing} / ${ours.reordered}`, '0 / 0'],
    ['RSS before / after the fan-out, one watcher stalled (MB)', `${ours.rssBefore.toFixed(0)} / ${ours.rssAfter.toFixed(0)}`],
    ['watch: CPU of the server / the load generator (cores), ours; bare ceiling', `${ours.serverCores.toFixed(2)} / ${ours.loadCores.toFixed(2)}; ${bare.serverCores.toFixed(2)} / ${bare.loadCores.toFixed(2)}`],
  ];
  // lighter loads, where the machine is not saturated by the bytes alone: what the server adds
  if (!quick && !process.env.BENCH_WATCHERS && !process.env.BENCH_WATCH_RATE) {
    for (const [w, rate] of [
      [1000, 200],
      [200, 1000],
    ]) {
      const r = await pair(w, rate, SECONDS);
      rows.push([
        `watch ${w} watchers × ${rate} writes/s: p50 / p99 ms, ours; bare ceiling (lost / reordered, ours)`,
        `${lat(r.ours)}; ${lat(r.bare)} (${r.ours.missing} / ${r.ours.reordered})`,
      ]);
    }
  }
  return rows;
}
