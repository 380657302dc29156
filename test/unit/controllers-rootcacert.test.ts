// The root CA publisher: kube-root-ca.crt with the cluster CA in every namespace, put back when
// deleted or changed (upstream pkg/controller/certificates/rootcacertpublisher).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { DESCRIPTION, ROOT_CA_CONFIGMAP } from '../../src/controllers/rootcacertpublisher.js';
import { startServer, untilSettled } from '../helpers/server.js';

describe('root CA publisher', () => {
  let emu: KubeEmulator;
  const cmDef = () => emu.registry.mustDef('', 'configmaps');
  const nsDef = () => emu.registry.mustDef('', 'namespaces');
  const find = (ns: string) => {
    try {
      return emu.registry.get(cmDef(), ns, ROOT_CA_CONFIGMAP);
    } catch {
      return undefined;
    }
  };
  beforeAll(async () => {
    emu = await startServer({ controllers: ['root-ca-cert-publisher'] });
  });
  afterAll(() => emu?.close());

  it('publishes the CA in the namespaces that exist at start', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
      const cm = await untilSettled(emu.controllers, () => find(ns));
      expect(cm.data).toEqual({ 'ca.crt': emu.ca });
      expect(cm.metadata.annotations).toEqual({ 'kubernetes.io/description': DESCRIPTION });
      expect(cm.metadata.managedFields?.[0]?.manager).toBe('kube-controller-manager');
    }
  });

  it('and in a new namespace; deleted, it is made again', async () => {
    emu.registry.create(nsDef(), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'rca' } });
    const first = await untilSettled(emu.controllers, () => find('rca'));
    emu.registry.delete(cmDef(), 'rca', ROOT_CA_CONFIGMAP);
    const again = await untilSettled(emu.controllers, () => {
      const c = find('rca');
      return c && c.metadata.uid !== first.metadata.uid ? c : undefined;
    });
    expect(again.data).toEqual({ 'ca.crt': emu.ca });
  });

  it('changed data or a removed annotation are put back; other annotations and binaryData are kept', async () => {
    const cm = find('default')!;
    emu.registry.update(cmDef(), 'default', ROOT_CA_CONFIGMAP, { ...cm, metadata: { ...cm.metadata, annotations: { mine: 'x' } }, data: { 'ca.crt': 'forged', extra: 'y' }, binaryData: { b: 'aGk=' } });
    const fixed = await untilSettled(emu.controllers, () => {
      const c = find('default');
      return c?.data?.['ca.crt'] === emu.ca ? c : undefined;
    });
    expect(fixed.data).toEqual({ 'ca.crt': emu.ca });
    expect(fixed.metadata.annotations).toEqual({ mine: 'x', 'kubernetes.io/description': DESCRIPTION });
    expect(fixed.binaryData).toEqual({ b: 'aGk=' });
  });
});
