// RuntimeClass (node.k8s.io/v1, cluster-scoped): pkg/apis/node/validation/validation.go and
// pkg/registry/node/runtimeclass/strategy.go (create on update allowed, updates name their revision).
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { invalid, isDNS1123Label, validateImmutable, validateLabels } from '../../registry/validation.js';
import { validateTolerations } from '../podspec-validation.js';
import { validateContainerResources } from '../resourcelist-validation.js';
import { canonicalizeResourceList } from '../quantity.js';
import { AGE_COLUMN, NAME_COLUMN, age, col } from '../../printers/format.js';
import { installRuntimeClassAdmission } from './admission.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** Go's %#v of an internal core.Toleration, as field.Duplicate renders it (a set pointer prints as an address). */
function goToleration(t: KObject): string {
  const q = (v: unknown) => JSON.stringify(String(v ?? ''));
  const secs = typeof t.tolerationSeconds === 'number' ? '(*int64)(0xc000000000)' : '(*int64)(nil)';
  return `core.Toleration{Key:${q(t.key)}, Operator:${q(t.operator)}, Value:${q(t.value)}, Effect:${q(t.effect)}, TolerationSeconds:${secs}}`;
}

/** ValidateRuntimeClass (metadata is the registry's). */
export function validateRuntimeClass(rc: KObject): Cause[] {
  const causes: Cause[] = [];
  const handler = typeof rc.handler === 'string' ? rc.handler : '';
  for (const m of isDNS1123Label(handler)) causes.push(invalid('handler', handler, m));
  // validateOverhead: podFixed is checked as container limits are
  if (isObj(rc.overhead)) causes.push(...validateContainerResources({ limits: rc.overhead.podFixed }, 'overhead'));
  if (isObj(rc.scheduling)) {
    const s = rc.scheduling;
    causes.push(...validateLabels(s.nodeSelector, 'scheduling.nodeSelector'));
    causes.push(...validateTolerations(s.tolerations, 'scheduling.tolerations'));
    // the list keys (key, operator, value, effect) are unique
    const seen = new Set<string>();
    arr(s.tolerations).forEach((t, i) => {
      if (!isObj(t)) return;
      const key = JSON.stringify([t.key ?? '', t.operator ?? '', t.value ?? '', t.effect ?? '']);
      if (seen.has(key)) causes.push({ reason: 'FieldValueDuplicate', field: `scheduling.tolerations[${i}]`, message: `Duplicate value: ${goToleration(t)}` });
      else seen.add(key);
    });
  }
  return causes;
}

/** ValidateRuntimeClassUpdate: the handler is fixed. */
export function validateRuntimeClassUpdate(rc: KObject, old: KObject): Cause[] {
  return validateImmutable(rc.handler, old.handler, 'handler');
}

// printers.go printRuntimeClass
export const runtimeClassPrinter: TablePrinter = {
  columns: [NAME_COLUMN, col('Handler', 'The container runtime configuration (CRI handler) pods of this class run with.'), AGE_COLUMN],
  row(rc, now) {
    return [rc.metadata?.name ?? '', rc.handler ?? '', age(rc, now)];
  },
};

export const runtimeClassDef: ResourceDef = {
  // RuntimeClass admission on pods
  install: (registry) => installRuntimeClassAdmission(registry),
  group: 'node.k8s.io',
  version: 'v1',
  kind: 'RuntimeClass',
  listKind: 'RuntimeClassList',
  plural: 'runtimeclasses',
  singular: 'runtimeclass',
  namespaced: false,
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.node.v1.RuntimeClass',

  // quantities are stored in canonical form, as Go's resource.Quantity writes them
  defaults(rc) {
    if (isObj(rc.overhead)) canonicalizeResourceList(rc.overhead.podFixed);
  },
  validate: validateRuntimeClass,
  validateUpdate: validateRuntimeClassUpdate,
  allowCreateOnUpdate: true,
  allowUnconditionalUpdate: false,
  table: runtimeClassPrinter,
};
