// Test helpers for the node, scheduler and node agent controllers: a server plus our own manager.
import pino from 'pino';
import { startServer } from '../helpers/server.js';
import { ControllerManager, type Controller } from '../../src/controllers/manager.js';
import type { KubeEmulator } from '../../src/server/app.js';
import type { KObject } from '../../src/resources/types.js';

export interface Cluster {
  emu: KubeEmulator;
  mgr: ControllerManager;
  close(): Promise<void>;
}

export async function startCluster(controllers: Controller[], opts: { nodes?: number; podStages?: 'default' | 'fast'; minor?: number } = {}): Promise<Cluster> {
  // the ServiceAccount admission plugin needs the controller that makes `default` accounts
  const withAccounts = controllers.some((c) => c.name === 'serviceaccount');
  const emu = await startServer({ controllers: [], disableAdmissionPlugins: withAccounts ? [] : ['ServiceAccount'] });
  const mgr = new ControllerManager(
    emu.registry,
    pino({ level: 'silent' }),
    {
      nodes: opts.nodes ?? 1,
      podStages: opts.podStages ?? 'fast',
      emulatedMinor: opts.minor ?? 33,
      kubeletVersion: `v1.${opts.minor ?? 33}.0`,
      defaultStorageClass: false,
      volumesDir: '/tmp/unused',
    },
    controllers,
  );
  mgr.start(['*']);
  return {
    emu,
    mgr,
    async close() {
      mgr.stop();
      await emu.close();
    },
  };
}

export async function until<T>(fn: () => T | undefined | false, timeoutMs = 5000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    let v: T | undefined | false;
    try {
      v = fn();
    } catch {
      v = undefined;
    }
    if (v) return v;
    if (Date.now() > end) throw new Error(`condition not met in ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function podManifest(name: string, extra: { spec?: KObject; annotations?: Record<string, string>; labels?: Record<string, string> } = {}): KObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, annotations: extra.annotations, labels: extra.labels },
    spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...(extra.spec ?? {}) },
  };
}

export function eventsFor(emu: KubeEmulator, name: string): KObject[] {
  const def = emu.registry.mustDef('', 'events');
  return emu.registry.list(def, undefined).items.filter((e: KObject) => e.involvedObject?.name === name);
}
