import { spawnServer, load, request, podManifest } from './lib.js';
const s = await spawnServer(['--in-memory', '--controllers', ''], {}, ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']);
await request(s.url, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bench' } }));
const r = await load(5000, 32, (i) => request(s.url, 'POST', '/api/v1/namespaces/bench/pods', podManifest('bench', `p-${i}`)));
console.log(r);
await s.stop();
