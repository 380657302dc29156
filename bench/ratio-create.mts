// Quick check of the create ratio alone: alternating runs of the bare ceiling and our server,
// 20,000 pod creates over 32 connections each (as the throughput scenario), medians printed.
// `npx tsx bench/ratio-create.mts [runs] [n]`
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, median, podManifest, request, spawnCeiling, spawnServer } from './lib.js';
const RUNS = Number(process.argv[2] ?? 3);
const N = Number(process.argv[3] ?? 20_000);
const CONNS = Number(process.argv[4] ?? 32);
const ours: number[] = [];
const bare: number[] = [];
for (let r = 0; r < RUNS; r++) {
  const c = await spawnCeiling();
  bare.push((await load(N, CONNS, (i) => request(c.url, 'POST', '/api/v1/namespaces/bench/pods', podManifest('bench', `p-${i}`)))).rps);
  await c.stop();
  const dir = mkdtempSync(join(tmpdir(), 'bench-'));
  const s = await spawnServer(['--data-dir', dir, '--controllers', '']);
  await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
  const res = await load(N, CONNS, (i) => request(s.url, 'POST', '/api/v1/namespaces/bench/pods', podManifest('bench', `p-${i}`, { shard: String(i % 100) })));
  ours.push(res.rps);
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
  process.stderr.write(`run ${r}: ours ${ours[r].toFixed(0)}/s, bare ${bare[r].toFixed(0)}/s\n`);
}
process.stdout.write(`creates/s ours ${median(ours).toFixed(0)}, bare ${median(bare).toFixed(0)}, ratio ${(median(ours) / median(bare)).toFixed(2)}\n`);
