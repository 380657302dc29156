// Shared cell formatting for the server-side Table printers.
// Behaviour follows pkg/printers/internalversion/printers.go and
// staging/src/k8s.io/apimachinery/pkg/util/duration/duration.go (our own code).
import type { ColumnDefinition, KObject } from '../resources/types.js';

export { formatQuantity } from './quantity.js';

/** Build one column definition (priority 0 unless given). */
export function col(
  name: string,
  description: string,
  opts: { type?: ColumnDefinition['type']; format?: string; priority?: number } = {},
): ColumnDefinition {
  return { name, type: opts.type ?? 'string', format: opts.format ?? '', description, priority: opts.priority ?? 0 };
}

/** The Name column every printer starts with (format "name", as upstream). */
export const NAME_COLUMN: ColumnDefinition = col('Name', 'The object name, unique within its namespace (or the cluster).', { format: 'name' });
/** The Age column: how long ago the object was created. */
export const AGE_COLUMN: ColumnDefinition = col('Age', 'Time elapsed since the object was created.');

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Go's int(x) conversion of a float: truncation toward zero. */
function trunc(x: number): number {
  return Math.trunc(x);
}

/**
 * duration.HumanDuration: ~2-3 significant figures.
 * <-1s "<invalid>", (-1s,0) "0s", <2m "Ns", <10m "MmSs"/"Mm", <3h "Mm", <8h "HhMm"/"Hh",
 * <48h "Hh", <8d "DdHh"/"Dd", <2y "Dd", <8y "YyDd"/"Yy", else "Yy".
 */
export function humanDuration(ms: number): string {
  const seconds = trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 120) return `${seconds}s`;
  const minutes = trunc(ms / MINUTE);
  if (minutes < 10) {
    const s = trunc(ms / SECOND) % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = trunc(ms / HOUR);
  if (hours < 8) {
    const m = trunc(ms / MINUTE) % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${trunc(hours / 24)}d` : `${trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = trunc(hours / 24) % 365;
    const y = trunc(trunc(hours / 24) / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${trunc(trunc(hours / 24) / 365)}y`;
}

/** duration.ShortHumanDuration: one unit only. */
export function shortHumanDuration(ms: number): string {
  const seconds = trunc(ms / SECOND);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60) return `${seconds}s`;
  const minutes = trunc(ms / MINUTE);
  if (minutes < 60) return `${minutes}m`;
  const hours = trunc(ms / HOUR);
  if (hours < 24) return `${hours}h`;
  if (hours < 24 * 365) return `${trunc(hours / 24)}d`;
  return `${trunc(ms / HOUR / 24 / 365)}y`;
}

/**
 * Parse an RFC 3339 timestamp (metav1.Time or MicroTime) to ms since the epoch.
 * Missing, empty or Go's zero time ("0001-01-01T00:00:00Z") give undefined.
 */
export function parseTime(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '' || ts.startsWith('0001-01-01T00:00:00')) return undefined;
  // Keep at most millisecond precision so every engine parses it the same way.
  const norm = ts.replace(/(\.\d{3})\d+/, '$1');
  const t = Date.parse(norm);
  if (Number.isNaN(t)) return undefined;
  return t;
}

/** translateTimestampSince: "<unknown>" for a missing timestamp, else HumanDuration(now - ts). */
export function translateTimestampSince(ts: string | undefined | null, now: number): string {
  const t = parseTime(ts);
  if (t === undefined) return '<unknown>';
  return humanDuration(now - t);
}

/** The Age cell of an object. */
export function age(obj: KObject, now: number): string {
  return translateTimestampSince(obj?.metadata?.creationTimestamp, now);
}

/** labels.FormatLabels: sorted `k=v` joined by `,`, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  if (!labels || typeof labels !== 'object') return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that fixed order, deduplicated. */
export function accessModesString(modes: unknown): string {
  if (!Array.isArray(modes)) return '';
  const has = (m: string) => modes.includes(m);
  const out: string[] = [];
  if (has('ReadWriteOnce')) out.push('RWO');
  if (has('ReadOnlyMany')) out.push('ROX');
  if (has('ReadWriteMany')) out.push('RWX');
  if (has('ReadWriteOncePod')) out.push('RWOP');
  return out.join(',');
}

/** net.JoinHostPort: brackets around IPv6 hosts. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** Names and images of containers, each joined by `,` (layoutContainerCells). */
export function layoutContainerCells(containers: unknown): [string, string] {
  if (!Array.isArray(containers)) return ['', ''];
  return [containers.map((c) => c?.name ?? '').join(','), containers.map((c) => c?.image ?? '').join(',')];
}

/** `a,b,c + N more...` with `<unset>` for an empty list (listWithMoreString). */
export function listWithMore(list: string[], more: boolean, count: number, max: number): string {
  const ret = list.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** A non-empty string or the fallback. */
export function orDefault(v: unknown, fallback: string): string {
  return typeof v === 'string' && v !== '' ? v : fallback;
}

/** Go's time.Format(time.RFC3339) of a UTC timestamp (no fractional seconds). */
export function rfc3339(ts: unknown): string {
  const t = parseTime(ts);
  if (t === undefined) return '0001-01-01T00:00:00Z';
  return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
