// The event recorder's Events carry the managedFields a plain create of the same object records:
// the FieldsV1 the registry reuses per shape (WriteOptions.fieldsShape) is the one computed for it.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { EventRecorder, shapeKey } from '../../src/controllers/events.js';
import type { KObject } from '../../src/resources/types.js';

let emu: KubeEmulator;
beforeAll(async () => {
  emu = await startServer();
});
afterAll(async () => {
  await emu.close();
});

const strip = (o: KObject): KObject => {
  const { managedFields, name, uid, resourceVersion, creationTimestamp, ...rest } = o.metadata;
  return { mf: managedFields.map((e: KObject) => ({ ...e, time: undefined })), rest };
};

describe('event recorder managedFields', () => {
  it('match a plain create of the same Event, for every shape, also when the shape repeats', () => {
    const r = emu.registry;
    const evDef = r.mustDef('', 'events');
    const rec = new EventRecorder(r);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', uid: 'u-1', resourceVersion: '7' } };
    const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', uid: 'u-2' } };
    const cases: [KObject, { component: string; host?: string }, string | undefined][] = [
      [pod, { component: 'kubelet', host: 'n1' }, 'spec.containers{c}'],
      [pod, { component: 'kubelet', host: 'n1' }, undefined],
      [pod, { component: 'default-scheduler' }, undefined],
      [{ ...pod, metadata: { ...pod.metadata, resourceVersion: undefined } }, { component: 'x' }, undefined],
      [node, { component: 'kubelet', host: '' }, undefined],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [i, [obj, src, fp]] of cases.entries()) {
        const before = new Set(r.list(evDef, undefined).items.map((e: KObject) => e.metadata.name));
        rec.record(src, obj, 'Normal', 'R', `m${round}-${i}`, fp);
        const made = r.list(evDef, undefined).items.find((e: KObject) => !before.has(e.metadata.name))!;
        expect(made).toBeDefined();
        // the same object created plainly (no shape memo, full field validation)
        const plain = JSON.parse(JSON.stringify(made));
        plain.metadata = { name: `${made.metadata.name}-plain`, namespace: made.metadata.namespace };
        const created = r.create(evDef, made.metadata.namespace, plain).object;
        expect(strip(made).mf).toEqual(strip(created).mf);
        expect(made.metadata.managedFields[0].time).toBe(made.metadata.creationTimestamp);
      }
    }
  });

  it('shape keys tell apart what a create records', () => {
    expect(shapeKey({ a: '' })).not.toBe(shapeKey({ a: 'x' }));
    expect(shapeKey({ a: 1 })).not.toBe(shapeKey({ a: 0 }));
    expect(shapeKey({ a: 'x' })).toBe(shapeKey({ a: 'y' }));
    expect(shapeKey({ a: 'x', b: 'y' })).not.toBe(shapeKey({ b: 'y', a: 'x' }));
    expect(shapeKey({ a: undefined })).not.toBe(shapeKey({ a: null }));
  });
});
