// A reconcile that throws on one key is logged with the key, retried with growing back-off (never
// hot), and never stops the queue from handling the other keys (client-go util/workqueue).
import { describe, expect, it } from 'vitest';
import pino from 'pino';
import { WorkQueue } from '../../src/controllers/workqueue.js';
import { InformerFactory } from '../../src/controllers/informer.js';
import { Registry } from '../../src/registry/registry.js';
import { ObjectStore } from '../../src/storage/store.js';
import { allResources } from '../../src/resources/index.js';

describe('WorkQueue', () => {
  it('retries a failing key with back-off while the others are handled', async () => {
    const logs: any[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => logs.push(JSON.parse(l)) });
    const attempts: number[] = [];
    const done: string[] = [];
    const q = new WorkQueue({ name: 't', baseDelayMs: 10, logger }, (key) => {
      if (key === 'bad') {
        attempts.push(Date.now());
        throw new TypeError("Cannot read properties of null (reading 'nodePort')");
      }
      done.push(key);
    });
    q.add('bad');
    q.add('a');
    q.add('b');
    const end = Date.now() + 5000;
    while (attempts.length < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    q.stop();
    expect(done).toEqual(['a', 'b']);
    expect(attempts.length).toBe(4);
    // 10, 20, 40 ms apart at least: exponential, not hot
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    expect(gaps[0]).toBeGreaterThanOrEqual(9);
    expect(gaps[1]).toBeGreaterThanOrEqual(19);
    expect(gaps[2]).toBeGreaterThanOrEqual(39);
    // the first failure and each doubling are warnings naming the key
    const warned = logs.filter((l) => l.level === 40);
    expect(warned.length).toBeGreaterThanOrEqual(2);
    expect(warned[0]).toMatchObject({ key: 'bad', retries: 1, err: "Cannot read properties of null (reading 'nodePort')", msg: 'reconcile failed; retrying' });
  });

  it('a failing key is retried until it succeeds', async () => {
    let fail = 2;
    const runs: number[] = [];
    const q = new WorkQueue({ name: 't', baseDelayMs: 5 }, () => {
      runs.push(Date.now());
      if (fail-- > 0) throw new Error('not yet');
    });
    q.add('k');
    const end = Date.now() + 2000;
    while (runs.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
    await q.idle();
    expect(runs.length).toBe(3);
    q.stop();
  });
});

describe('informer event handlers', () => {
  it('one that throws is logged with the key; the write and the other handlers go on', () => {
    const logs: any[] = [];
    const logger = pino({ level: 'warn' }, { write: (l: string) => logs.push(JSON.parse(l)) });
    const defs = allResources(33);
    const registry = new Registry(new ObjectStore({ attrs: Registry.attrsFor(defs), compactIntervalMs: 0 }), defs, { logger });
    const nsDef = registry.mustDef('', 'namespaces');
    registry.create(nsDef, '', { metadata: { name: 'default' } });
    const seen: string[] = [];
    const inf = new InformerFactory(registry).for('', 'configmaps');
    inf.addHandler({ add: (o) => { if (o.metadata.name === 'bad') throw new TypeError('boom'); } });
    inf.addHandler({ add: (o) => seen.push(o.metadata.name) });
    const cmDef = registry.mustDef('', 'configmaps');
    registry.create(cmDef, 'default', { metadata: { name: 'bad' } });
    registry.create(cmDef, 'default', { metadata: { name: 'good' } });
    expect(seen).toEqual(['bad', 'good']);
    expect(registry.get(cmDef, 'default', 'bad').metadata.name).toBe('bad');
    expect(logs).toEqual([expect.objectContaining({ level: 50, resource: 'core/configmaps', key: 'default/bad', event: 'add', err: 'boom', msg: 'informer event handler failed' })]);
    registry.store.close();
  });
});
