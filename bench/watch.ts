// Watch fan-out: W watchers on pods, writes at a fixed rate; delivery latency from the write's
// send time to receipt (an upper bound of commit-to-receipt: both ends live in this process, so
// one clock), lost or reordered events, and a stalled watcher that must not hurt the others.
import http from 'node:http';
import net from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { percentile, request, rssMB, spawnServer } from './lib.js';

interface Watcher {
  received: number;
  lastRV: number;
  reordered: number;
  lat: number[];
}

export async function watchFanout(quick: boolean): Promise<[string, string][]> {
  const W = quick ? 200 : 1000;
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
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const watchers: Watcher[] = [];
  const reqs: http.ClientRequest[] = [];
  await Promise.all(
    Array.from({ length: W }, () => {
      const w: Watcher = { received: 0, lastRV: 0, reordered: 0, lat: [] };
      watchers.push(w);
      return new Promise<void>((resolve) => {
        const req = http.get({ host: u.hostname, port: u.port, path: `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${fromRV}`, agent }, (res) => {
          resolve();
          let buf = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            const now = performance.timeOrigin + performance.now();
            buf += chunk;
            let nl: number;
            while ((nl = buf.indexOf('\n')) >= 0) {
              const line = buf.slice(0, nl);
              buf = buf.slice(nl + 1);
              // no JSON.parse per event: 1M events/s would measure the load generator, not the server
              const rvAt = line.indexOf('"resourceVersion":"');
              const rv = Number(line.slice(rvAt + 19, line.indexOf('"', rvAt + 19)));
              const tAt = line.indexOf('"bench/t":"');
              if (tAt >= 0) w.lat.push(now - Number(line.slice(tAt + 11, line.indexOf('"', tAt + 11))));
              if (rv <= w.lastRV) w.reordered++;
              w.lastRV = rv;
              w.received++;
            }
          });
        });
        reqs.push(req);
      });
    }),
  );
  // one stalled watcher: sends the request and never reads
  const stalled = net.connect(Number(u.port), u.hostname, () => {
    stalled.write(`GET /api/v1/namespaces/w/pods?watch=true&resourceVersion=${fromRV} HTTP/1.1\r\nHost: x\r\n\r\n`);
    stalled.pause();
  });
  const rssBefore = rssMB(s.proc.pid!);
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
  while (watchers.some((w) => w.received < total) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  const rssAfter = rssMB(s.proc.pid!);
  const all = watchers.flatMap((w) => w.lat);
  const missing = watchers.reduce((a, w) => a + Math.max(0, total - w.received), 0);
  const reordered = watchers.reduce((a, w) => a + w.reordered, 0);
  for (const r of reqs) r.destroy();
  stalled.destroy();
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
  return [
    [`watch: ${W} watchers × ${RATE} writes/s (${SECONDS}s; achieved ${(total / elapsed).toFixed(0)} writes/s, ${writeErrors} write errors)`, `${total} events each`],
    ['watch delivery latency p50 / p99 (ms, send-to-receipt)', `${percentile(all, 50).toFixed(1)} / ${percentile(all, 99).toFixed(1)}`],
    ['watch events lost / reordered (all watchers)', `${missing} / ${reordered}`],
    ['RSS before / after the fan-out, one watcher stalled (MB)', `${rssBefore.toFixed(0)} / ${rssAfter.toFixed(0)}`],
  ];
}
