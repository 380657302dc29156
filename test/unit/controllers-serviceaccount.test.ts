// ServiceAccount controller: `default` in every Active namespace (existing at start and new),
// re-created when deleted, never in a terminating namespace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, testControllerOptions, untilSettled } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { serviceAccountController } from '../../src/controllers/serviceaccount.js';
import type { ResourceDef } from '../../src/resources/types.js';
import { SYSTEM_NAMESPACES } from '../../src/server/bootstrap.js';

let emu: KubeEmulator;
let mgr: ControllerManager;
let sa: ResourceDef, nsDef: ResourceDef, cm: ResourceDef;

beforeAll(async () => {
  emu = await startServer({ controllers: [] });
  [sa, nsDef, cm] = [emu.registry.mustDef('', 'serviceaccounts'), emu.registry.mustDef('', 'namespaces'), emu.registry.mustDef('', 'configmaps')];
  // a namespace that exists before the controller starts
  emu.registry.create(nsDef, '', { metadata: { name: 'before' } });
  expect(emu.registry.tryGet(sa, 'before', 'default')).toBeUndefined();
  mgr = new ControllerManager(emu.registry, emu.logger, testControllerOptions(), [serviceAccountController()]);
  mgr.start(['serviceaccount']);
});

afterAll(async () => {
  mgr.stop();
  await emu.close();
});

const defaultSA = (ns: string) => emu.registry.tryGet(sa, ns, 'default');

describe('serviceaccount controller', () => {
  it('creates default in the namespaces that existed at start, the system ones included', async () => {
    for (const ns of ['before', ...SYSTEM_NAMESPACES]) {
      const got = await untilSettled(mgr, () => defaultSA(ns));
      expect(got).toMatchObject({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: ns } });
    }
  });

  it('creates default in a new namespace, and only that one account', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'fresh' } });
    await untilSettled(mgr, () => defaultSA('fresh'));
    expect(emu.registry.list(sa, 'fresh').items.map((i: any) => i.metadata.name)).toEqual(['default']);
  });

  it('re-creates default when it is deleted (a new uid)', async () => {
    const old = await untilSettled(mgr, () => defaultSA('fresh'));
    emu.registry.delete(sa, 'fresh', 'default');
    const again = await untilSettled(mgr, () => defaultSA('fresh'));
    expect(again.metadata.uid).not.toBe(old.metadata.uid);
  });

  it('keeps a user-made default as it is', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'mine' } });
    // race the controller: either it or we create first; ours wins if it is there first
    try {
      emu.registry.create(sa, 'mine', { metadata: { name: 'default', labels: { made: 'by-me' } } });
    } catch {
      /* the controller was first */
    }
    await mgr.settled();
    expect(emu.registry.list(sa, 'mine').items).toHaveLength(1);
  });

  it('leaves a terminating namespace alone', async () => {
    emu.registry.create(nsDef, '', { metadata: { name: 'dying' } });
    await untilSettled(mgr, () => defaultSA('dying'));
    // no namespace controller runs: the namespace stays Terminating (finalizer kubernetes)
    emu.registry.create(cm, 'dying', { metadata: { name: 'keep' } });
    emu.registry.delete(nsDef, '', 'dying');
    expect(emu.registry.get(nsDef, '', 'dying').status.phase).toBe('Terminating');
    emu.registry.delete(sa, 'dying', 'default');
    await mgr.settled();
    await new Promise((r) => setTimeout(r, 50));
    await mgr.settled();
    expect(defaultSA('dying')).toBeUndefined();
  });
});
