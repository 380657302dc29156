// Shared set-up for the persistent volume controller tests: a server with no built-in controllers,
// the storage admission installed, and the storage controllers run by a manager of our own
// (so the tests do not depend on src/controllers/index.ts).
import { SEED } from '../helpers/paths.js';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { storageControllers } from '../../src/controllers/persistentvolume/index.js';
import type { KObject } from '../../src/resources/types.js';

export interface StorageEnv {
  emu: KubeEmulator;
  mgr: ControllerManager;
  volumesDir: string;
  pv(name: string): KObject | undefined;
  pvc(ns: string, name: string): KObject | undefined;
  createPV(obj: KObject): KObject;
  createPVC(ns: string, obj: KObject): KObject;
  events(name: string): KObject[];
  until(cond: () => boolean, what?: string): Promise<void>;
  close(): Promise<void>;
}

export async function storageEnv(opts: { defaultStorageClass?: boolean; controllers?: string[] } = {}): Promise<StorageEnv> {
  const emu = await startServer({ controllers: [] });
  const volumesDir = mkdtempSync(join(tmpdir(), 'kube-emu-pv-'));
  const mgr = new ControllerManager(
    emu.registry,
    emu.logger,
    testControllerOptions({ defaultStorageClass: !!opts.defaultStorageClass, volumesDir }),
    storageControllers(),
  );
  mgr.start(opts.controllers ?? ['*']);
  const r = emu.registry;
  const pvDef = r.mustDef('', 'persistentvolumes');
  const pvcDef = r.mustDef('', 'persistentvolumeclaims');
  const evDef = r.mustDef('', 'events');
  const env: StorageEnv = {
    emu,
    mgr,
    volumesDir,
    pv: (name) => r.tryGet(pvDef, '', name),
    pvc: (ns, name) => r.tryGet(pvcDef, ns, name),
    createPV: (obj) => r.create(pvDef, '', obj).object,
    createPVC: (ns, obj) => r.create(pvcDef, ns, obj).object,
    events: (name) => (r.list(evDef, undefined).items as KObject[]).filter((e) => e.involvedObject?.name === name),
    async until(cond, what = 'condition') {
      const deadline = Date.now() + 5000;
      for (;;) {
        await mgr.settled();
        if (cond()) return;
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await new Promise((res) => setTimeout(res, 10));
      }
    },
    async close() {
      mgr.stop();
      await emu.close();
      rmSync(volumesDir, { recursive: true, force: true });
    },
  };
  return env;
}

export function seedObjects(): KObject[] {
  const text = readFileSync(join(SEED, 'pv.yaml'), 'utf8');
  return parseAllDocuments(text)
    .map((d) => d.toJSON())
    .filter(Boolean);
}

export function pvObj(name: string, opts: { size?: string; modes?: string[]; cls?: string; labels?: Record<string, string>; policy?: string; claimRef?: KObject; hostPath?: string } = {}): KObject {
  const spec: KObject = {
    accessModes: opts.modes ?? ['ReadWriteOnce'],
    capacity: { storage: opts.size ?? '5G' },
  };
  if (opts.hostPath) spec.hostPath = { path: opts.hostPath };
  else spec.nfs = { server: '10.0.0.1', path: `/exports/${name}` };
  if (opts.cls !== undefined) spec.storageClassName = opts.cls;
  if (opts.policy) spec.persistentVolumeReclaimPolicy = opts.policy;
  if (opts.claimRef) spec.claimRef = opts.claimRef;
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, labels: opts.labels }, spec };
}

export function pvcObj(name: string, opts: { size?: string; modes?: string[]; cls?: string | null; selector?: KObject; volumeName?: string; annotations?: Record<string, string> } = {}): KObject {
  const spec: KObject = { accessModes: opts.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: opts.size ?? '2G' } } };
  if (opts.cls !== undefined && opts.cls !== null) spec.storageClassName = opts.cls;
  if (opts.selector) spec.selector = opts.selector;
  if (opts.volumeName) spec.volumeName = opts.volumeName;
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, annotations: opts.annotations }, spec };
}
