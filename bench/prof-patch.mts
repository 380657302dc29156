// Profiling helper: merge patches of 100 pods (the watch scenario's writes) without watchers.
// `npx tsx bench/prof-patch.mts [n]`; profiles in /tmp/prof.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, load, request } from './lib.js';
const N = Number(process.argv[2] ?? 20000);
const dir = mkdtempSync(join(tmpdir(), 'prof-patch-'));
const s = await spawnServer(['--data-dir', dir, '--controllers', ''], {}, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']);
await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'w' } }));
for (let i = 0; i < 100; i++)
  await request(s.url, 'POST', '/api/v1/namespaces/w/pods', JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${i}` }, spec: { containers: [{ name: 'c', image: 'x' }] } }));
const r = await load(N, 32, (i) =>
  request(s.url, 'PATCH', `/api/v1/namespaces/w/pods/p-${i % 100}`, JSON.stringify({ metadata: { annotations: { 'bench/t': String(Date.now()) } } }), { 'content-type': 'application/merge-patch+json' }),
);
console.log(r);
await s.stop();
rmSync(dir, { recursive: true, force: true });
