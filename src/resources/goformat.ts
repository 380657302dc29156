// How field.Invalid renders Go values in the workload kinds' validation messages (Go's %#v of a
// map[string]string and of a metav1.LabelSelector, as pkg/apis/apps/validation passes them).
import type { Cause, KObject } from './types.js';

const isMap = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Go's %#v of a map[string]string (keys sorted), as field.Invalid renders template labels. */
export function goStringMap(m: unknown): string {
  if (!isMap(m)) return 'map[string]string(nil)';
  const body = Object.keys(m)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(String(m[k]))}`)
    .join(', ');
  return `map[string]string{${body}}`;
}

/** Go's %#v of a v1.LabelSelector. */
export function goLabelSelector(sel: unknown): string {
  const s: KObject = isMap(sel) ? sel : {};
  const exprs = Array.isArray(s.matchExpressions)
    ? `[]v1.LabelSelectorRequirement{${s.matchExpressions
        .map(
          (e: any) =>
            `v1.LabelSelectorRequirement{Key:${JSON.stringify(String(e?.key ?? ''))}, Operator:${JSON.stringify(String(e?.operator ?? ''))}, Values:${
              Array.isArray(e?.values) ? `[]string{${e.values.map((v: any) => JSON.stringify(String(v))).join(', ')}}` : '[]string(nil)'
            }}`,
        )
        .join(', ')}}`
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMap(s.matchLabels)}, MatchExpressions:${exprs}}`;
}

/** A field.Invalid cause whose value is already rendered the Go way. */
export function invalidRendered(field: string, rendered: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}${detail ? ': ' + detail : ''}`, field };
}
