// core/v1 Event: pkg/registry/core/event/strategy.go and ValidateEventCreate / legacy event
// validation (pkg/apis/core/validation/events.go). TTL expiry is the store's job.
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required, tooLong, isQualifiedName } from '../../registry/validation.js';
import { eventPrinter } from '../../printers/events.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const NOTE_LENGTH_LIMIT = 1024;

/** legacyValidateEvent: the only validation core/v1 applies (pkg/apis/core/validation/events.go). */
function validateEvent(ev: KObject): Cause[] {
  const errs: Cause[] = [];
  const io = isObj(ev.involvedObject) ? ev.involvedObject : {};
  const ns = ev.metadata?.namespace ?? '';
  const ioNs = io.namespace ?? '';
  if (!ev.eventTime) {
    if (!ioNs) {
      if (ns !== '' && ns !== 'default') errs.push(invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    } else if (ns !== ioNs) errs.push(invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
  } else {
    if (!ioNs && ns !== 'default' && ns !== 'kube-system')
      errs.push(invalid('involvedObject.namespace', ioNs, 'does not match event.namespace'));
    if (!ev.reportingComponent) errs.push(required('reportingComponent'));
    else for (const m of isQualifiedName(ev.reportingComponent)) errs.push(invalid('reportingComponent', ev.reportingComponent, m));
    if (!ev.reportingInstance) errs.push(required('reportingInstance'));
    else if (ev.reportingInstance.length > 128) errs.push(invalid('reportingInstance', '', 'can have at most 128 characters'));
    if (!ev.action) errs.push(required('action'));
    else if (ev.action.length > 128) errs.push(invalid('action', '', 'can have at most 128 characters'));
    if (!ev.reason) errs.push(required('reason'));
    else if (ev.reason.length > 128) errs.push(invalid('reason', '', 'can have at most 128 characters'));
    if (typeof ev.message === 'string' && ev.message.length > NOTE_LENGTH_LIMIT) errs.push(tooLong('message', '', NOTE_LENGTH_LIMIT));
  }
  return errs;
}

export const eventDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'Event',
  listKind: 'EventList',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: ['ev'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.Event',
  valueFields: { 'io.k8s.api.core.v1.Event': { structs: ['involvedObject', 'source'] } },
  table: eventPrinter,
  validate: validateEvent,
  validateUpdate: (n) => validateEvent(n),
  generationChanged: () => false,
  // AddFieldLabelConversionsForEvent + pkg/registry/core/event/strategy.go ToSelectableFields
  fieldSelectors: {
    'involvedObject.kind': (o) => o.involvedObject?.kind ?? '',
    'involvedObject.namespace': (o) => o.involvedObject?.namespace ?? '',
    'involvedObject.name': (o) => o.involvedObject?.name ?? '',
    'involvedObject.uid': (o) => o.involvedObject?.uid ?? '',
    'involvedObject.apiVersion': (o) => o.involvedObject?.apiVersion ?? '',
    'involvedObject.resourceVersion': (o) => o.involvedObject?.resourceVersion ?? '',
    'involvedObject.fieldPath': (o) => o.involvedObject?.fieldPath ?? '',
    reason: (o) => o.reason ?? '',
    reportingComponent: (o) => o.reportingComponent ?? '',
    source: (o) => o.source?.component ?? '',
    type: (o) => o.type ?? '',
  },
};
