// The create fast path (src/fieldmanager/createfast.ts) must give exactly the managedFields of the
// general field-manager path: every object of the corpus below, raw and after its kind's
// defaults, is created both ways.
import { describe, it, expect, afterEach } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { updateManagedFields } from '../../src/fieldmanager/index.js';
import { createFast } from '../../src/fieldmanager/fieldmanager.js';
import { allResources } from '../../src/resources/index.js';
import { SEED } from '../helpers/paths.js';
import { registerDefinitions, unregisterDefinitions } from '../../src/schema/model.js';

const defs = allResources(33);
const defFor = (o: any) => defs.find((d) => d.kind === o.kind && (d.group ? `${d.group}/${d.version}` : d.version) === o.apiVersion);

function seedObjects(): any[] {
  const out: any[] = [];
  for (const f of ['sts.yaml', 'sts-canary.yaml', 'pv.yaml'])
    for (const doc of parseAllDocuments(readFileSync(join(SEED, f), 'utf8'))) {
      const o = doc.toJS();
      if (o) out.push(o);
    }
  return out;
}

const pod = (spec: any, meta: any = {}, extra: any = {}) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default', ...meta }, spec, ...extra });

const CORPUS: any[] = [
  ...seedObjects(),
  pod({ containers: [{ name: 'c', image: 'x' }] }),
  pod({ containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }, { containerPort: 80, protocol: 'UDP' }, { containerPort: 443, name: 'https' }] }] }, { labels: { app: 'a', tier: 'b' }, annotations: { x: 'y' } }),
  // duplicate list-map keys (the first wins), an empty list, an empty map, nulls
  pod({ containers: [{ name: 'c', image: 'a' }, { name: 'c', image: 'b' }], volumes: [], nodeSelector: {}, hostname: null }),
  pod({ containers: [{ name: 'c', image: 'x', env: [{ name: 'A', value: '1' }, { name: 'B', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }], resources: { limits: { cpu: '1' } } }], tolerations: [{ key: 'k', operator: 'Exists' }] }),
  // status is a reset field; unknown fields are kept and owned
  pod({ containers: [{ name: 'c', image: 'x' }] }, { finalizers: ['a/b', 'c/d'], ownerReferences: [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'u' }] }, { status: { phase: 'Running' }, extraField: { a: 1 } }),
  pod({ containers: [{ name: 'c', image: 'x', args: ['a', 'b'], command: [] }], securityContext: {} }, { generateName: 'p-', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z', resourceVersion: '5', generation: 3 }),
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'n', labels: { a: 'b' } }, spec: { finalizers: ['kubernetes'] } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { selector: { app: 'a' }, ports: [{ port: 80, targetPort: 8080 }, { port: 53, protocol: 'UDP', name: 'dns' }], clusterIP: 'None' } },
  { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce', 'ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'default' }, spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x' }] } } } },
  { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', namespace: 'default' }, spec: {} },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b', c: '' }, binaryData: {} },
  { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e', namespace: 'default' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'R', count: 1 },
  { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }, { key: 'k', effect: 'NoExecute' }] } },
  // a value of the wrong JSON kind where the schema wants a struct or a list
  pod('not-a-spec', {}, { status: 'x' }),
  pod({ containers: { name: 'c' } }),
];

function managed(o: any, fast: boolean): unknown {
  createFast.disabled = !fast;
  const def = defFor(o);
  expect(def, `${o.apiVersion} ${o.kind}`).toBeDefined();
  return updateManagedFields({ definition: def!.definition, apiVersion: o.apiVersion, live: undefined, next: o, manager: 'kubectl-create', operation: 'Update', now: '2024-01-01T00:00:00Z' });
}

describe('create fast path for managedFields', () => {
  afterEach(() => {
    createFast.disabled = false;
  });

  it.each(CORPUS.map((o, i) => [i, o.kind, o] as const))('object %i (%s) gets the general path\'s managedFields, raw and defaulted', (_i, _k, o) => {
    const raw = structuredClone(o);
    expect(managed(structuredClone(raw), true)).toEqual(managed(structuredClone(raw), false));
    const def = defFor(o)!;
    const defaulted = structuredClone(raw);
    try {
      def.defaults?.(defaulted);
    } catch {
      return; // objects the defaults cannot take (wrong JSON kinds) are covered raw
    }
    const fast = managed(structuredClone(defaulted), true);
    expect(fast).toEqual(managed(structuredClone(defaulted), false));
    expect(JSON.stringify(fast)).toBe(JSON.stringify(managed(structuredClone(defaulted), false))); // key order too
  });

  it('a kind whose root is not a struct (a custom resource preserving unknown fields at the root): metadata is stripped as on the general path', () => {
    registerDefinitions({ 'test:createfast:any-root': { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { metadata: { $ref: 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' } } } as any });
    try {
      const o = { apiVersion: 'acme.io/v1', kind: 'Widget', metadata: { name: 'w', uid: 'u', creationTimestamp: '2024-01-01T00:00:00Z', generation: 1, labels: { a: 'b' } }, spec: { size: 1 } };
      const run = (fast: boolean) => {
        createFast.disabled = !fast;
        return updateManagedFields({ definition: 'test:createfast:any-root', apiVersion: o.apiVersion, live: undefined, next: structuredClone(o), manager: 'm', operation: 'Update', now: '2024-01-01T00:00:00Z' });
      };
      const fast = run(true) as any[];
      expect(fast[0].fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { '.': {}, 'f:a': {} } }, 'f:spec': { '.': {}, 'f:size': {} } });
      expect(JSON.stringify(fast)).toBe(JSON.stringify(run(false)));
    } finally {
      unregisterDefinitions(['test:createfast:any-root']);
    }
  });

  it('a create that sends managedFields, or a subresource write, takes the general path', () => {
    const o = pod({ containers: [{ name: 'c', image: 'x' }] }, { managedFields: [{ manager: 'm', operation: 'Update', apiVersion: 'v1', fieldsType: 'FieldsV1', fieldsV1: { 'f:metadata': { 'f:labels': {} } } }] });
    const out = managed(o, true) as any[];
    expect(out.map((e) => e.manager).sort()).toEqual(['kubectl-create', 'm']);
  });
});
