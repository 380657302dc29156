// Events: core/v1 and events.k8s.io/v1 share one printer upstream (both are converted to the
// internal core Event; pkg/apis/events/v1 conversion). printEvent in
// pkg/printers/internalversion/printers.go; the wide cell order equals the column order.
import type { KObject, TablePrinter } from '../resources/types.js';
import { NAME_COLUMN, col, humanDuration, parseTime } from './format.js';

/** The fields the printer reads, named as in core/v1. */
interface EventView {
  name: string;
  type: string;
  reason: string;
  message: string;
  involvedObject: KObject;
  source: KObject;
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp?: string;
  lastTimestamp?: string;
  eventTime?: string;
  count?: number;
  series?: KObject;
}

function fromCore(e: KObject): EventView {
  return {
    name: e.metadata?.name ?? '',
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.message ?? '',
    involvedObject: e.involvedObject ?? {},
    source: e.source ?? {},
    reportingComponent: e.reportingComponent ?? '',
    reportingInstance: e.reportingInstance ?? '',
    firstTimestamp: e.firstTimestamp,
    lastTimestamp: e.lastTimestamp,
    eventTime: e.eventTime,
    count: e.count,
    series: e.series,
  };
}

/** events.k8s.io/v1 -> the core view: note, regarding, deprecated* fields. */
function fromEventsV1(e: KObject): EventView {
  return {
    name: e.metadata?.name ?? '',
    type: e.type ?? '',
    reason: e.reason ?? '',
    message: e.note ?? '',
    involvedObject: e.regarding ?? {},
    source: e.deprecatedSource ?? {},
    reportingComponent: e.reportingController ?? '',
    reportingInstance: e.reportingInstance ?? '',
    firstTimestamp: e.deprecatedFirstTimestamp,
    lastTimestamp: e.deprecatedLastTimestamp,
    eventTime: e.eventTime,
    count: e.deprecatedCount,
    series: e.series,
  };
}

const since = (ts: unknown, now: number): string => {
  const t = parseTime(ts);
  return t === undefined ? '<unknown>' : humanDuration(now - t);
};

function eventRow(e: EventView, now: number): unknown[] {
  let firstSeen = since(e.firstTimestamp, now);
  if (parseTime(e.firstTimestamp) === undefined) firstSeen = since(e.eventTime, now);
  let lastSeen = since(e.lastTimestamp, now);
  if (parseTime(e.lastTimestamp) === undefined) lastSeen = firstSeen;
  let count = e.count ?? 0;
  if (e.series) {
    lastSeen = since(e.series.lastObservedTime, now);
    count = e.series.count ?? 0;
  } else if (count === 0) {
    count = 1; // singleton events of the new API carry no count
  }
  const kind = String(e.involvedObject.kind ?? '').toLowerCase();
  const target = e.involvedObject.name ? `${kind}/${e.involvedObject.name}` : kind;
  const component = e.source.component || e.reportingComponent;
  const instance = e.source.host || e.reportingInstance;
  const source = instance ? `${component}, ${instance}` : component;
  return [lastSeen, e.type, e.reason, target, e.involvedObject.fieldPath ?? '', source, e.message.trim(), firstSeen, count, e.name];
}

const eventColumns = [
  col('Last Seen', 'Time since the event was last observed.'),
  col('Type', 'Normal or Warning.'),
  col('Reason', 'A short machine-readable reason for the event.'),
  col('Object', 'The object the event is about, as kind/name.'),
  col('Subobject', 'The part of the object concerned, e.g. a container.', { priority: 1 }),
  col('Source', 'The component (and host) that reported the event.', { priority: 1 }),
  col('Message', 'A human-readable description of what happened.'),
  col('First Seen', 'Time since the event was first observed.', { priority: 1 }),
  col('Count', 'How many times the event has occurred.', { priority: 1 }),
  { ...NAME_COLUMN, priority: 1 },
];

export const eventPrinter: TablePrinter = {
  columns: eventColumns,
  row(e, now) {
    return eventRow(fromCore(e), now);
  },
};

export const eventsV1Printer: TablePrinter = {
  columns: eventColumns,
  row(e, now) {
    return eventRow(fromEventsV1(e), now);
  },
};
