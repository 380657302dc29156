// In-process profile target: a 1,000-replica Deployment to all Available, then its rolling update to a new
// image (maxSurge 25%), fast pod stages, 12 nodes. `npx tsx bench/prof-rollout.mts`; add --cpu-prof via node --import tsx.
import { createServer } from '../src/server/app.js';
const emu = await createServer({ security: { open: true }, inMemory: true, port: 0, logLevel: 'silent', controllers: ['*'], podStages: 'fast', nodes: Number(process.env.NODES ?? 12) });
const reg = emu.registry;
const N = Number(process.env.N ?? 1000);
const def = reg.mustDef('apps', 'deployments');
const tpl = (image: string) => ({ metadata: { labels: { app: 'b' } }, spec: { containers: [{ name: 'c', image }] } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let t0 = Date.now();
reg.create(def, 'default', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: { replicas: N, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } }, selector: { matchLabels: { app: 'b' } }, template: tpl('nginx:1') } });
const done = () => { const o = reg.get(def, 'default', 'b'); const s = o.status ?? {}; return s.observedGeneration === o.metadata.generation && s.updatedReplicas === N && s.availableReplicas === N && s.replicas === N; };
while (!done()) await sleep(20);
const create = Date.now() - t0;
t0 = Date.now();
reg.modify(def, 'default', 'b', (o) => { o.spec.template = tpl('nginx:2'); });
await sleep(50);
while (!done()) await sleep(20);
const u = process.cpuUsage();
console.log('create', create, 'roll', Date.now() - t0, 'cpu', Math.round((u.user + u.system) / 1000));
await emu.close();
process.exit(0);
