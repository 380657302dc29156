// The fuzz run's server side: a file-backed server with every controller on and its log captured,
// object snapshots by kind, and the sentinel objects the fuzzer never targets.
import pino from 'pino';
import { createServer, type KubeEmulator } from '../../../src/server/app.js';
import { servedKinds } from '../../../src/schema/index.js';
import { allResources } from '../../../src/resources/index.js';
import { LogCapture } from './check.js';
import { collectionPath, FUZZ_KINDS } from './seeds.js';

export const SENTINEL_NS = 'sentinel';

export interface Running {
  srv: KubeEmulator;
  logs: LogCapture;
}

export async function start(dataDir: string, controllers: string[]): Promise<Running> {
  const logs = new LogCapture();
  // warnings and errors: a reconcile that keeps failing is logged at warn from its fourth retry
  // (src/controllers/workqueue.ts), and debug would cost a fifth of the run in request logs
  const logger = pino({ level: 'warn', base: undefined }, logs);
  const srv = await createServer({ dataDir, inMemory: false, port: 0, logger, controllers, podStages: 'fast' , security: { open: true } });
  return { srv, logs };
}

export async function call(base: string, method: string, path: string, body?: string, contentType = 'application/json'): Promise<{ status: number; text: string }> {
  const res = await fetch(base + path, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': contentType },
    body,
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, text: await res.text() };
}

/** The kinds that can be listed (everything the default emulated version serves but the reviews). */
const AT_33 = new Set(allResources(33).map((d) => `${d.group}/${d.version}/${d.plural}`));
export const LISTABLE = servedKinds().filter((k) => !k.plural.endsWith('reviews') && AT_33.has(`${k.group}/${k.version}/${k.plural}`));

/** Every object of every listable kind: `group/plural/ns/name` -> the object. Fails on a LIST that fails. */
export async function listAll(base: string): Promise<Map<string, any>> {
  const out = new Map<string, any>();
  for (const k of LISTABLE) {
    const r = await call(base, 'GET', collectionPath({ ...k, namespaced: false }, ''));
    if (r.status !== 200) throw new Error(`LIST ${k.group}/${k.plural}: ${r.status} ${r.text.slice(0, 300)}`);
    for (const o of JSON.parse(r.text).items) out.set(`${k.group}/${k.plural}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o);
  }
  return out;
}

/** The objects no fuzzed request may change: everything in the sentinel namespace, and the cluster-scoped sentinels. */
export function sentinels(all: Map<string, any>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, o] of all) {
    const [, , ns, name] = key.split('/');
    if (ns === SENTINEL_NS || (!ns && (name === SENTINEL_NS || name.startsWith('sentinel-')))) out.set(key, JSON.stringify(o));
  }
  return out;
}

/** The sentinel copy of a seed: workloads that run to completion, so that nothing in the namespace keeps changing. */
export function sentinelObject(i: number): any {
  const o = FUZZ_KINDS[i].make(`sentinel-${i}`, SENTINEL_NS);
  if (o.kind === 'StatefulSet') {
    // no volume claims: the Pods run (a Pending Pod is retried by the scheduler, with new events,
    // whenever a fuzzed Node or PVC changes)
    delete o.spec.volumeClaimTemplates;
    delete o.spec.template.spec.containers[0].volumeMounts;
    o.spec.replicas = 1;
    delete o.spec.updateStrategy;
  }
  // a DaemonSet follows the nodes the fuzzer creates and changes: pin it to the first node
  if (o.kind === 'DaemonSet') o.spec.template.spec.nodeName = 'kube-emulator-node';
  return o;
}

/** Where two JSON texts of one object differ first (a path), for the report. */
export function firstDifference(a: unknown, b: unknown, path = ''): string | undefined {
  if (JSON.stringify(a) === JSON.stringify(b)) return undefined;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
      const d = firstDifference((a as any)[k], (b as any)[k], `${path}.${k}`);
      if (d) return d;
    }
  }
  return `${path || '<root>'}: ${JSON.stringify(a)?.slice(0, 120)} -> ${JSON.stringify(b)?.slice(0, 120)}`;
}
