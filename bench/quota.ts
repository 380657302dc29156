// ResourceQuota and LimitRanger admission: pod creates into a namespace with a ResourceQuota
// (pods, compute, object counts) and a LimitRange defaulting every container, beside pod creates
// into a namespace without either, in the same server and run (the ratio is the cost of the
// plugins: each admitted pod is measured, checked and charged to the quota's status).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load, podManifest, request, spawnServer, spread } from './lib.js';
import { compareQuantity } from '../src/resources/quantity.js';

export type Row = [string, string, string, string, string];

const ns = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

export async function quotaScenarios(runs: number, quick: boolean): Promise<Row[]> {
  process.stderr.write('resource quota\n');
  const n = quick ? 2_000 : 10_000;
  const conns = 32;
  const free: number[] = [];
  const limited: number[] = [];
  let errors = 0;
  for (let r = 0; r < runs; r++) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-quota-'));
    const s = await spawnServer(['--data-dir', dir, '--controllers', 'resourcequota']);
    try {
      await request(s.url, 'POST', '/api/v1/namespaces', ns('free'));
      await request(s.url, 'POST', '/api/v1/namespaces', ns('limited'));
      await request(s.url, 'POST', '/api/v1/namespaces/limited/limitranges', JSON.stringify({
        apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'defaults' },
        spec: { limits: [{ type: 'Container', default: { cpu: '100m', memory: '64Mi' }, defaultRequest: { cpu: '10m', memory: '32Mi' } }] },
      }));
      await request(s.url, 'POST', '/api/v1/namespaces/limited/resourcequotas', JSON.stringify({
        apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' },
        spec: { hard: { pods: String(n * 2), 'requests.cpu': '1000', 'limits.memory': '10Ti', 'count/configmaps': '10' } },
      }));
      // the controller fills the status before the load
      for (let i = 0; i < 200; i++) {
        const q = JSON.parse((await request(s.url, 'GET', '/api/v1/namespaces/limited/resourcequotas/q')).body);
        if (q.status?.used) break;
        await new Promise((res) => setTimeout(res, 25));
      }
      const f = await load(n, conns, (i) => request(s.url, 'POST', '/api/v1/namespaces/free/pods', podManifest('free', `p-${i}`)));
      const l = await load(n, conns, (i) => request(s.url, 'POST', '/api/v1/namespaces/limited/pods', podManifest('limited', `p-${i}`)));
      const q = JSON.parse((await request(s.url, 'GET', '/api/v1/namespaces/limited/resourcequotas/q')).body);
      // every admitted pod charged (quantities are canonical: 2000 is "2k")
      if (compareQuantity(q.status?.used?.pods ?? '0', n) !== 0) errors++;
      free.push(f.rps);
      limited.push(l.rps);
      errors += f.errors + l.errors;
    } finally {
      await s.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const ratios = limited.map((x, i) => x / free[i]);
  return [
    [
      `pod creates/s under a ResourceQuota + LimitRange (${n}, ${conns} conns; ceiling: pod creates in a namespace without, same run)${errors ? ` (${errors} errors)` : ''}`,
      spread(limited),
      spread(free),
      ratios.length > 1 ? spread(ratios, 2) : ratios[0].toFixed(2),
      'ratio >= 0.6',
    ],
  ];
}
