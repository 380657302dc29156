// Garbage collector started on an existing store: pending work found at startup is done.
import { describe, it, expect } from 'vitest';
import { startServer, testControllerOptions } from '../helpers/server.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { garbageCollectorController } from '../../src/controllers/garbagecollector.js';
import type { KObject } from '../../src/resources/types.js';

const ref = (o: KObject, extra: KObject = {}) => ({ apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name, uid: o.metadata.uid, ...extra });

describe('garbage collector startup', () => {
  it('collects, orphans and finishes foreground deletions that were pending before it started', async () => {
    const emu = await startServer({ controllers: [] });
    const r = emu.registry;
    const cm = r.mustDef('', 'configmaps');
    r.create(r.mustDef('', 'namespaces'), '', { metadata: { name: 'st' } });
    const mk = (name: string, meta: KObject = {}) => r.create(cm, 'st', { metadata: { name, ...meta } }).object;
    // dependents are created before their owners' kinds are replayed: order must not matter
    const solid = mk('solid');
    mk('kept', { ownerReferences: [ref(solid)] });
    mk('orphaned-dep', { ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '11111111-2222-4333-8444-555555555555' }] });
    const orphanOwner = mk('orphan-owner');
    mk('orphan-child', { ownerReferences: [ref(orphanOwner, { blockOwnerDeletion: true })] });
    r.delete(cm, 'st', 'orphan-owner', { propagationPolicy: 'Orphan' });
    const fg = mk('fg-owner');
    mk('fg-child', { ownerReferences: [ref(fg, { blockOwnerDeletion: true })] });
    r.delete(cm, 'st', 'fg-owner', { propagationPolicy: 'Foreground' });
    const secret = r.create(r.mustDef('', 'secrets'), 'st', { metadata: { name: 'owner-secret' } }).object;
    mk('of-secret', { ownerReferences: [ref(secret)] });

    const opts = testControllerOptions();
    const mgr = new ControllerManager(r, emu.logger, opts, [garbageCollectorController()]);
    mgr.start(['garbagecollector']);
    try {
      const end = Date.now() + 5000;
      const done = () => !r.tryGet(cm, 'st', 'orphaned-dep') && !r.tryGet(cm, 'st', 'orphan-owner') && !r.tryGet(cm, 'st', 'fg-owner') && !r.tryGet(cm, 'st', 'fg-child');
      while (!done() && Date.now() < end) {
        await mgr.settled();
        await new Promise((res) => setTimeout(res, 10));
      }
      expect(done()).toBe(true);
      expect(r.tryGet(cm, 'st', 'kept')).toBeDefined();
      expect(r.tryGet(cm, 'st', 'of-secret')).toBeDefined();
      expect(r.tryGet(cm, 'st', 'orphan-child')!.metadata.ownerReferences).toBeUndefined();
    } finally {
      mgr.stop();
      await emu.close();
    }
  });
});
