// events.k8s.io/v1 Event: pkg/registry/core/event/strategy.go (shared with core events upstream;
// stored separately here), pkg/apis/events/v1/conversion.go (field labels) and
// pkg/apis/core/validation/events.go (ValidateEventCreate / ValidateEventUpdate, strict for events.k8s.io/v1).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { deepEqual, invalid, isDNS1123Subdomain, isQualifiedName, required } from '../../registry/validation.js';
import { eventsV1Printer } from '../../printers/events.js';

const REPORTING_INSTANCE_LIMIT = 128;
const ACTION_LIMIT = 128;
const REASON_LIMIT = 128;
const NOTE_LIMIT = 1024;

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const set = (v: unknown): boolean => v !== undefined && v !== null && v !== '';

/** legacyValidateEvent for an event with eventTime, plus the strict events.k8s.io/v1 checks. */
export function validateEventsV1Create(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  const ns = str(obj.metadata?.namespace);
  const regarding: KObject = isMap(obj.regarding) ? obj.regarding : {};
  const regNs = str(regarding.namespace);
  if (regNs === '') {
    if (ns !== '' && ns !== 'default' && ns !== 'kube-system') causes.push(invalid('involvedObject.namespace', regNs, 'does not match event.namespace'));
  } else if (ns !== regNs) causes.push(invalid('involvedObject.namespace', regNs, 'does not match event.namespace'));
  const rc = str(obj.reportingController);
  if (rc === '') causes.push(required('reportingController'));
  for (const m of isQualifiedName(rc)) causes.push(invalid('reportingController', rc, m));
  const ri = str(obj.reportingInstance);
  if (ri === '') causes.push(required('reportingInstance'));
  if (ri.length > REPORTING_INSTANCE_LIMIT) causes.push(invalid('reportingInstance', '', `can have at most ${REPORTING_INSTANCE_LIMIT} characters`));
  const action = str(obj.action);
  if (action === '') causes.push(required('action'));
  if (action.length > ACTION_LIMIT) causes.push(invalid('action', '', `can have at most ${ACTION_LIMIT} characters`));
  const reason = str(obj.reason);
  if (reason === '') causes.push(required('reason'));
  if (reason.length > REASON_LIMIT) causes.push(invalid('reason', '', `can have at most ${REASON_LIMIT} characters`));
  if (str(obj.note).length > NOTE_LIMIT) causes.push(invalid('message', '', `can have at most ${NOTE_LIMIT} characters`));
  for (const m of isDNS1123Subdomain(ns)) causes.push(invalid('namespace', ns, m));

  causes.push(...validateSeries(obj));
  if (!set(obj.eventTime)) causes.push(required('eventTime'));
  const type = str(obj.type);
  if (type !== 'Normal' && type !== 'Warning') causes.push(invalid('type', '', `has invalid value: ${type}`));
  if (set(obj.deprecatedFirstTimestamp)) causes.push(invalid('deprecatedFirstTimestamp', '', 'needs to be unset'));
  if (set(obj.deprecatedLastTimestamp)) causes.push(invalid('deprecatedLastTimestamp', '', 'needs to be unset'));
  if (typeof obj.deprecatedCount === 'number' && obj.deprecatedCount !== 0) causes.push(invalid('deprecatedCount', '', 'needs to be unset'));
  if (isMap(obj.deprecatedSource) && (set(obj.deprecatedSource.component) || set(obj.deprecatedSource.host)))
    causes.push(invalid('deprecatedSource', '', 'needs to be unset'));
  return causes;
}

function validateSeries(obj: KObject): Cause[] {
  const causes: Cause[] = [];
  if (!isMap(obj.series)) return causes;
  if (typeof obj.series.count !== 'number' || obj.series.count < 2) causes.push(invalid('series.count', '', 'should be at least 2'));
  if (!set(obj.series.lastObservedTime)) causes.push(required('series.lastObservedTime'));
  return causes;
}

/** ValidateEventUpdate for events.k8s.io/v1: everything but series and metadata is immutable (internal field names). */
export function validateEventsV1Update(newObj: KObject, oldObj: KObject): Cause[] {
  const causes: Cause[] = [];
  if (!deepEqual(newObj.series, oldObj.series)) causes.push(...validateSeries(newObj));
  const fields: Array<[string, string]> = [
    ['regarding', 'involvedObject'],
    ['reason', 'reason'],
    ['note', 'message'],
    ['deprecatedSource', 'source'],
    ['deprecatedFirstTimestamp', 'firstTimestamp'],
    ['deprecatedLastTimestamp', 'lastTimestamp'],
    ['deprecatedCount', 'count'],
    ['type', 'type'],
    ['eventTime', 'eventTime'],
    ['action', 'action'],
    ['related', 'related'],
    ['reportingController', 'reportingController'],
    ['reportingInstance', 'reportingInstance'],
  ];
  for (const [k, internal] of fields) {
    if (!deepEqual(newObj[k] ?? null, oldObj[k] ?? null)) causes.push(invalid(internal, newObj[k] ?? null, 'field is immutable'));
  }
  return causes;
}

const regardingField = (k: string) => (o: KObject) => (isMap(o.regarding) && o.regarding[k] !== undefined ? String(o.regarding[k]) : '');

export const eventsV1EventDef: ResourceDef = {
  group: 'events.k8s.io',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.events.v1.Event',
  table: eventsV1Printer,

  validate: validateEventsV1Create,
  validateUpdate: validateEventsV1Update,
  // pkg/apis/events/v1/conversion.go AddFieldLabelConversionsForEvent
  fieldSelectors: {
    reason: (o) => str(o.reason),
    'regarding.kind': regardingField('kind'),
    'regarding.namespace': regardingField('namespace'),
    'regarding.name': regardingField('name'),
    'regarding.uid': regardingField('uid'),
    'regarding.apiVersion': regardingField('apiVersion'),
    'regarding.resourceVersion': regardingField('resourceVersion'),
    'regarding.fieldPath': regardingField('fieldPath'),
    reportingController: (o) => str(o.reportingController),
    type: (o) => str(o.type),
  },
  allowCreateOnUpdate: true,
  storage: {
    group: '',
    plural: 'events',
    fromStorage: coreToEventsV1,
    toStorage: eventsV1ToCore,
    fieldLabel: (l) => (l.startsWith('regarding.') ? 'involvedObject.' + l.slice('regarding.'.length) : l === 'reportingController' ? 'reportingComponent' : l),
  },
};

// events.k8s.io/v1 <-> core/v1 Event: one stored object (pkg/apis/events/v1/conversion.go)
const CORE_TO_V1: [string, string][] = [
  ['involvedObject', 'regarding'],
  ['related', 'related'],
  ['reason', 'reason'],
  ['message', 'note'],
  ['type', 'type'],
  ['source', 'deprecatedSource'],
  ['firstTimestamp', 'deprecatedFirstTimestamp'],
  ['lastTimestamp', 'deprecatedLastTimestamp'],
  ['count', 'deprecatedCount'],
  ['eventTime', 'eventTime'],
  ['series', 'series'],
  ['action', 'action'],
  ['reportingComponent', 'reportingController'],
  ['reportingInstance', 'reportingInstance'],
];

export function coreToEventsV1(core: KObject): KObject {
  const out: KObject = { apiVersion: 'events.k8s.io/v1', kind: 'Event', metadata: core.metadata };
  for (const [c, v] of CORE_TO_V1) {
    const val = core[c];
    if (val === undefined || val === '' || (c === 'count' && val === 0)) continue;
    if (c === 'source' && (typeof val !== 'object' || !val || Object.keys(val).length === 0)) continue;
    out[v] = c === 'series' && val ? { count: val.count, lastObservedTime: val.lastObservedTime } : val;
  }
  if (out.eventTime === undefined) out.eventTime = null;
  return out;
}

export function eventsV1ToCore(v1: KObject): KObject {
  const out: KObject = { apiVersion: 'v1', kind: 'Event', metadata: v1.metadata };
  for (const [c, v] of CORE_TO_V1) {
    const val = v1[v];
    if (val === undefined) continue;
    out[c] = val;
  }
  // core Events always carry involvedObject and source (non-pointer structs)
  out.involvedObject ??= {};
  out.source ??= {};
  if (out.eventTime === undefined) out.eventTime = null;
  if (out.firstTimestamp === undefined) out.firstTimestamp = null;
  if (out.lastTimestamp === undefined) out.lastTimestamp = null;
  return out;
}
