// In-process profile target: a 1,000-replica Deployment from create to all Available on an in-memory
// server (fast pod stages, 12 nodes), reporting the CPU milliseconds the process spent from the create
// to Available (wall-clock time means little on a loaded machine).
// `node --import tsx bench/prof-deployment.mts`; add --cpu-prof --cpu-prof-dir=DIR for a profile,
// DIST=1 to run the built dist/ (line numbers in the profile then are dist's), SRC=<path to another
// checkout's src/server/app.ts> to compare against it in alternating runs.
const { createServer }: typeof import('../src/server/app.js') = await import(process.env.DIST ? '../dist/src/server/app.js' : process.env.SRC ?? '../src/server/app.js');
const emu = await createServer({ security: { open: true }, inMemory: true, port: 0, logLevel: 'silent', controllers: ['*'], podStages: 'fast', nodes: Number(process.env.NODES ?? 12) });
const reg = emu.registry;
const N = Number(process.env.N ?? 1000);
const def = reg.mustDef('apps', 'deployments');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(200); // let start-up work (node registration, default objects) finish
const c0 = process.cpuUsage();
const t0 = Date.now();
reg.create(def, 'default', {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'b' },
  spec: { replicas: N, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, selector: { matchLabels: { app: 'b' } }, template: { metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1' }] } } },
});
const done = () => {
  const o = reg.get(def, 'default', 'b');
  const s = o.status ?? {};
  return s.observedGeneration === o.metadata.generation && s.updatedReplicas === N && s.availableReplicas === N && s.replicas === N && s.conditions?.some((c: any) => c.type === 'Available' && c.status === 'True');
};
while (!done()) await sleep(5);
const u = process.cpuUsage(c0);
console.log(JSON.stringify({ wallMs: Date.now() - t0, cpuMs: Math.round((u.user + u.system) / 1000), userMs: Math.round(u.user / 1000), sysMs: Math.round(u.system / 1000) }));
await emu.close();
process.exit(0);
