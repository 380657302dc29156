// Completion indexes of Indexed Jobs (upstream pkg/controller/job/indexed_job_utils.go): the
// compressed interval lists of status.completedIndexes / failedIndexes, the completion index
// annotation and label, the JOB_COMPLETION_INDEX variable and per-index failure counts.
import type { KObject } from '../../resources/types.js';

export const COMPLETION_INDEX_ANNOTATION = 'batch.kubernetes.io/job-completion-index';
export const INDEX_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-failure-count';
export const INDEX_IGNORED_FAILURE_COUNT_ANNOTATION = 'batch.kubernetes.io/job-index-ignored-failure-count';
export const COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
export const UNKNOWN_INDEX = -1;
/** names.MaxGeneratedNameLength */
const MAX_GENERATED_NAME_LENGTH = 58;
const MAX_INT32 = 2147483647;

export interface Interval {
  first: number;
  last: number;
}

/** orderedIntervals: sorted, non-overlapping, non-adjacent intervals. */
export class OrderedIntervals {
  constructor(readonly list: Interval[] = []) {}

  /** withOrderedIndexes: merged with indexes given in increasing order. */
  withOrderedIndexes(indexes: number[]): OrderedIntervals {
    return this.merge(new OrderedIntervals(indexes.map((i) => ({ first: i, last: i }))));
  }

  merge(other: OrderedIntervals): OrderedIntervals {
    const out: Interval[] = [];
    const push = (iv: Interval) => {
      const last = out[out.length - 1];
      if (!last || iv.first > last.last + 1) out.push({ ...iv });
      else if (last.last < iv.last) last.last = iv.last;
    };
    let i = 0;
    let j = 0;
    const a = this.list;
    const b = other.list;
    while (i < a.length && j < b.length) {
      if (a[i].first < b[j].first) push(a[i++]);
      else push(b[j++]);
    }
    while (i < a.length) push(a[i++]);
    while (j < b.length) push(b[j++]);
    return new OrderedIntervals(out);
  }

  total(): number {
    let n = 0;
    for (const iv of this.list) n += iv.last - iv.first + 1;
    return n;
  }

  /** "1,3-5,7": two adjacent indexes are written "1,2" as upstream does. */
  toString(): string {
    return this.list.map((v) => (v.last > v.first ? `${v.first}${v.last === v.first + 1 ? ',' : '-'}${v.last}` : `${v.first}`)).join(',');
  }

  has(ix: number): boolean {
    let lo = 0;
    let hi = this.list.length;
    while (hi > lo) {
      const mid = lo + ((hi - lo) >> 1);
      if (this.list[mid].last >= ix) hi = mid;
      else lo = mid + 1;
    }
    return hi < this.list.length && this.list[hi].first <= ix;
  }

  get length(): number {
    return this.list.length;
  }
}

/** parseIndexesFromString: corrupted intervals are skipped, indexes past completions dropped. */
export function parseIndexes(s: string | undefined | null, completions: number): OrderedIntervals {
  if (!s) return new OrderedIntervals();
  const out: Interval[] = [];
  for (const part of s.split(',')) {
    const limits = part.split('-');
    const first = atoi(limits[0]);
    if (first === undefined) continue;
    if (first >= completions) break;
    let last = first;
    if (limits.length > 1) {
      const l = atoi(limits[1]);
      if (l === undefined) continue;
      last = l >= completions ? completions - 1 : l;
    }
    const prev = out[out.length - 1];
    if (prev && prev.last === first - 1) prev.last = last;
    else out.push({ first, last });
  }
  return new OrderedIntervals(out);
}

function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? parseInt(s, 10) : undefined;
}

/** getCompletionIndex: the annotation as a non-negative integer, else -1. */
export function completionIndex(pod: KObject): number {
  const v = pod.metadata?.annotations?.[COMPLETION_INDEX_ANNOTATION];
  if (typeof v !== 'string') return UNKNOWN_INDEX;
  const i = atoi(v);
  return i === undefined || i < 0 ? UNKNOWN_INDEX : i;
}

function parseInt32(v: unknown): number {
  if (typeof v !== 'string') return 0;
  const i = atoi(v);
  return i === undefined || i < 0 || i > MAX_INT32 ? 0 : i;
}

export function indexFailureCount(pod: KObject): number {
  return parseInt32(pod.metadata?.annotations?.[INDEX_FAILURE_COUNT_ANNOTATION]);
}

export function indexIgnoredFailureCount(pod: KObject): number {
  return parseInt32(pod.metadata?.annotations?.[INDEX_IGNORED_FAILURE_COUNT_ANNOTATION]);
}

export function indexAbsoluteFailureCount(pod: KObject): number {
  return indexFailureCount(pod) + indexIgnoredFailureCount(pod);
}

/** addCompletionIndexEnvVariables: JOB_COMPLETION_INDEX from the label (PodIndexLabel, 1.28+) or the annotation. */
export function addCompletionIndexEnv(template: KObject, fromLabel: boolean): void {
  const fieldPath = fromLabel ? `metadata.labels['${COMPLETION_INDEX_ANNOTATION}']` : `metadata.annotations['${COMPLETION_INDEX_ANNOTATION}']`;
  const spec = template.spec ?? {};
  for (const list of [spec.initContainers, spec.containers]) {
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!c || typeof c !== 'object') continue;
      const env: KObject[] = Array.isArray(c.env) ? c.env : [];
      if (env.some((e) => e?.name === COMPLETION_INDEX_ENV)) continue;
      c.env = [...env, { name: COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath } } }];
    }
  }
}

/** podGenerateNameWithIndex: `<job>-<index>-`, the job name cut so the prefix fits. */
export function generateNameWithIndex(jobName: string, index: number): string {
  const suffix = `-${index}-`;
  let prefix = jobName + suffix;
  if (prefix.length > MAX_GENERATED_NAME_LENGTH) prefix = prefix.slice(0, MAX_GENERATED_NAME_LENGTH - suffix.length) + suffix;
  return prefix;
}

/** Sorts pods by completion index (byCompletionIndex), stable. */
export function sortByCompletionIndex(pods: KObject[]): KObject[] {
  return pods
    .map((p, i) => [p, i] as const)
    .sort((a, b) => completionIndex(a[0]) - completionIndex(b[0]) || a[1] - b[1])
    .map(([p]) => p);
}

/** The completion indexes of the pods (getIndexes). */
export function indexesOf(pods: KObject[]): Set<number> {
  const s = new Set<number>();
  for (const p of pods) {
    const ix = completionIndex(p);
    if (ix !== UNKNOWN_INDEX) s.add(ix);
  }
  return s;
}

export const sortedList = (s: Set<number>): number[] => [...s].sort((a, b) => a - b);
