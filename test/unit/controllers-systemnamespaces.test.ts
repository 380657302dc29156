// The system namespaces come back after being deleted (kube-apiserver's systemnamespaces controller).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { namespaceController } from '../../src/controllers/namespace.js';
import { systemNamespacesController } from '../../src/controllers/systemnamespaces.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions(), [namespaceController(), systemNamespacesController({ intervalMs: 30 })]);
  mgr.start(['*']);
});
afterAll(async () => {
  mgr.stop();
  await emu.close();
});

describe('systemnamespaces controller', () => {
  it('re-creates kube-node-lease once it is gone; a user namespace stays deleted', async () => {
    const nsDef = emu.registry.mustDef('', 'namespaces');
    emu.registry.create(nsDef, '', { metadata: { name: 'mine' } });
    const old = emu.registry.get(nsDef, '', 'kube-node-lease');
    emu.registry.delete(nsDef, '', 'kube-node-lease');
    emu.registry.delete(nsDef, '', 'mine');
    const back = await untilSettled(mgr, () => {
      const n = emu.registry.tryGet(nsDef, '', 'kube-node-lease');
      return n && n.metadata.uid !== old.metadata.uid ? n : undefined;
    });
    expect(back.status.phase).toBe('Active');
    expect(back.metadata.labels['kubernetes.io/metadata.name']).toBe('kube-node-lease');
    expect(emu.registry.tryGet(nsDef, '', 'mine')).toBeUndefined();
  });
});
