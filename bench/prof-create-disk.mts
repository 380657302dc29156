// Profiling helper: as prof-create.mts, with the server on a data directory (WAL) as the
// throughput benchmark runs it. `npx tsx bench/prof-create-disk.mts [n]`; profiles in /tmp/prof.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, load, request, podManifest } from './lib.js';
const N = Number(process.argv[2] ?? 5000);
const dir = mkdtempSync(join(tmpdir(), 'prof-disk-'));
const s = await spawnServer(['--data-dir', dir, '--controllers', ''], {}, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']);
await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
const r = await load(N, 32, (i) => request(s.url, 'POST', '/api/v1/namespaces/bench/pods', podManifest('bench', `p-${i}`)));
console.log(r);
await s.stop();
rmSync(dir, { recursive: true, force: true });
