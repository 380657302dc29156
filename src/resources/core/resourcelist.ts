// corev1.ResourceList arithmetic as quota and LimitRanger use it (pkg/quota/v1/resources.go,
// resource.Quantity Add/Sub/Cmp): sums keep the format of a non-zero left operand, as Go's
// Quantity.Add does (a zero takes the other operand's format).
import { addQuantities, compareQuantity, parseQuantity } from '../quantity.js';

export type ResourceList = Record<string, string>;

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A resource list from an API field: only well-formed quantities, as strings. */
export function resourceList(v: unknown): ResourceList {
  const out: ResourceList = {};
  if (!isObj(v)) return out;
  for (const [k, q] of Object.entries(v)) {
    if ((typeof q === 'string' || typeof q === 'number') && parseQuantity(q)) out[k] = String(q);
  }
  return out;
}

export const isZeroQ = (q: string): boolean => compareQuantity(q, 0) === 0;

export function negateQ(q: string): string {
  const s = String(q).trim();
  if (s.startsWith('-')) return s.slice(1);
  if (s.startsWith('+')) return '-' + s.slice(1);
  return '-' + s;
}

/** a + b with Go's format rule. */
export function addQ(a: string, b: string): string {
  if (isZeroQ(a)) return addQuantities([b]);
  return addQuantities([a, b]);
}

/** a - b with Go's format rule. */
export function subQ(a: string, b: string): string {
  if (isZeroQ(a)) return addQuantities([negateQ(b)]);
  return addQuantities([a, negateQ(b)]);
}

/** quota.Add: every key of a and b, summed. */
export function addLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? addQ(out[k], v) : addQuantities([v]);
  return out;
}

/** quota.Subtract: every key of a and b, a - b (may be negative). */
export function subtractLists(a: ResourceList, b: ResourceList): ResourceList {
  const out: ResourceList = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = k in out ? subQ(out[k], v) : addQuantities([negateQ(v)]);
  return out;
}

/** quota.SubtractWithNonNegativeResult. */
export function subtractNonNegative(a: ResourceList, b: ResourceList): ResourceList {
  const out = subtractLists(a, b);
  for (const [k, v] of Object.entries(out)) if (compareQuantity(v, 0) < 0) out[k] = '0';
  return out;
}

/** quota.Mask: only the given names. */
export function maskList(a: ResourceList, names: Iterable<string>): ResourceList {
  const out: ResourceList = {};
  for (const n of names) if (n in a) out[n] = a[n];
  return out;
}

export function removeZeros(a: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const [k, v] of Object.entries(a)) if (!isZeroQ(v)) out[k] = v;
  return out;
}

export function negativeNames(a: ResourceList): string[] {
  return Object.keys(a).filter((k) => compareQuantity(a[k], 0) < 0).sort();
}

/** quota.LessThanOrEqual: whether every key of a that b has is <= b's; the names exceeded. */
export function lessThanOrEqual(a: ResourceList, b: ResourceList): { ok: boolean; exceeded: string[] } {
  const exceeded: string[] = [];
  for (const [k, v] of Object.entries(a)) if (k in b && compareQuantity(v, b[k]) > 0) exceeded.push(k);
  return { ok: exceeded.length === 0, exceeded };
}

/** quota.Equals: the same keys with equal quantities. */
export function equalLists(a: ResourceList, b: ResourceList): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => k in b && compareQuantity(a[k], b[k]) === 0);
}

/** addResourceList (resourcehelper): adds b into a in place. */
export function addInto(a: ResourceList, b: ResourceList): void {
  for (const [k, v] of Object.entries(b)) a[k] = k in a ? addQ(a[k], v) : addQuantities([v]);
}

/** maxResourceList (resourcehelper): a[k] = max(a[k], b[k]) in place. */
export function maxInto(a: ResourceList, b: ResourceList): void {
  for (const [k, v] of Object.entries(b)) if (!(k in a) || compareQuantity(v, a[k]) > 0) a[k] = addQuantities([v]);
}

/** prettyPrint (resourcequota admission): `name=quantity` sorted by name, comma-joined. */
export function prettyPrint(a: ResourceList): string {
  return Object.keys(a)
    .sort()
    .map((k) => `${k}=${addQuantities([a[k]])}`)
    .join(',');
}

/** The milli-value of a quantity, rounded up (Quantity.MilliValue). */
export function milliValue(q: string): number {
  const p = parseQuantity(q);
  if (!p) return 0;
  return Math.ceil(p.value * 1000 - 1e-9);
}

/** The value of a quantity, rounded up (Quantity.Value). */
export function intValue(q: string): number {
  const p = parseQuantity(q);
  if (!p) return 0;
  return Math.ceil(p.value - 1e-9);
}

/** The list with its keys in order, as Go serializes a map. */
export function sortedList(a: ResourceList): ResourceList {
  const out: ResourceList = {};
  for (const k of Object.keys(a).sort()) out[k] = a[k];
  return out;
}

/** The sum of many lists (quota.Add over all of them), each quantity parsed once; a key's sum takes its first non-zero value's format. */
export function sumLists(lists: Iterable<ResourceList>, base: ResourceList = {}): ResourceList {
  const values = new Map<string, string[]>();
  const put = (k: string, v: string) => {
    let xs = values.get(k);
    if (!xs) values.set(k, (xs = []));
    if (!isZeroQ(v)) xs.push(v);
  };
  for (const [k, v] of Object.entries(base)) put(k, v);
  for (const l of lists) for (const [k, v] of Object.entries(l)) put(k, v);
  const out: ResourceList = {};
  for (const [k, xs] of values) out[k] = xs.length ? addQuantities(xs) : '0';
  return out;
}
