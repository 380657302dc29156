import { createServer } from '../src/server/app.js';
const k = await createServer({ inMemory: true, port: 0, logLevel: 'silent', controllers: ['*'], podStages: 'fast', nodes: 4 } as any);
const def = k.registry.mustDef('batch', 'jobs');
const t0 = performance.now();
for (let i = 0; i < 200; i++) k.registry.create(def, 'default', { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: `j-${i}` }, spec: { completions: 5, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36' }] } } } });
for (;;) {
  const n = k.registry.list(def, 'default').items.filter((j: any) => j.status?.conditions?.some((c: any) => c.type === 'Complete')).length;
  if (n === 200) break;
  await new Promise((r) => setTimeout(r, 200));
}
const cu = process.cpuUsage(); console.log('done ms', Math.round(performance.now() - t0), 'cpu ms', Math.round((cu.user + cu.system) / 1000));
await k.close();
process.exit(0);
