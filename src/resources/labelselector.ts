// The metav1.LabelSelector helpers every kind with a selector shares: validation
// (apimachinery/pkg/apis/meta/v1/validation ValidateLabelSelector), matching and the string form.
import type { Cause, KObject } from './types.js';
import { forbidden, invalid, isQualifiedName, isValidLabelValue, required, validateLabels } from '../registry/validation.js';
import { labelSelectorFromObject, labelSelectorToString, matches, SelectorParseError } from '../registry/selectors.js';

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * ValidateLabelSelector (strict: label values in expressions must be valid, unless
 * allowInvalidLabelValue, as LabelSelectorValidationOptions allows for objects stored before).
 */
export function validateLabelSelector(sel: unknown, path: string, allowInvalidLabelValue = false): Cause[] {
  const causes: Cause[] = [];
  if (sel === undefined || sel === null) return causes;
  if (!isMap(sel)) return [invalid(path, sel, 'must be a label selector object')];
  causes.push(...validateLabels(sel.matchLabels, `${path}.matchLabels`));
  const exprs = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  exprs.forEach((e: any, i: number) => {
    const p = `${path}.matchExpressions[${i}]`;
    const expr: KObject = isMap(e) ? e : {};
    const values: unknown[] = Array.isArray(expr.values) ? expr.values : [];
    switch (expr.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) causes.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) causes.push(forbidden(`${p}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        break;
      default:
        causes.push(invalid(`${p}.operator`, expr.operator ?? '', 'not a valid selector operator'));
    }
    const key = typeof expr.key === 'string' ? expr.key : '';
    for (const m of isQualifiedName(key)) causes.push(invalid(`${p}.key`, key, m));
    if (!allowInvalidLabelValue)
      values.forEach((v, j) => {
        const s = typeof v === 'string' ? v : String(v);
        for (const m of isValidLabelValue(s)) causes.push(invalid(`${p}.values[${j}]`, s, m));
      });
  });
  return causes;
}

/** Whether labels satisfy a metav1.LabelSelector (nil matches nothing, {} everything); false when unparsable. */
export function labelSelectorMatches(sel: unknown, labels: Record<string, string> | undefined): boolean {
  try {
    return matches(labelSelectorFromObject(sel as any), labels ?? {});
  } catch (e) {
    if (e instanceof SelectorParseError) return false;
    throw e;
  }
}

/** The selector string of a metav1.LabelSelector (Selector.String()); undefined when it does not convert. */
export function selectorString(sel: unknown): string | undefined {
  try {
    return labelSelectorToString(sel as any);
  } catch (e) {
    if (e instanceof SelectorParseError) return undefined;
    throw e;
  }
}

