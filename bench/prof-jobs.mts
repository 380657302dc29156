// In-process profile target: 200 Jobs of 5 completions to Complete, fast pod stages, 10 nodes.
// `npx tsx bench/prof-jobs.mts` (J=<jobs>); add --cpu-prof via node --import tsx.
import { createServer } from '../src/server/app.js';
const emu = await createServer({ security: { open: true }, inMemory: true, port: 0, logLevel: 'silent', controllers: ['*'], podStages: 'fast', nodes: Number(process.env.NODES ?? 10) });
const reg = emu.registry;
const J = Number(process.env.J ?? 200);
const def = reg.mustDef('batch', 'jobs');
const t0 = Date.now();
for (let i = 0; i < J; i++) reg.create(def, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `j-${i}` }, spec: { completions: 5, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] } } } });
for (;;) {
  const l = reg.list(def, 'default');
  if (l.items.filter((j: any) => j.status?.conditions?.some((c: any) => c.type === 'Complete' && c.status === 'True')).length === J) break;
  await new Promise((r) => setTimeout(r, 100));
}
const u = process.cpuUsage();
console.log('jobs', J, 'ms', Date.now() - t0, 'cpu', Math.round((u.user + u.system) / 1000));
await emu.close();
process.exit(0);
