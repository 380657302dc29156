// metav1.Condition lists: staging/src/k8s.io/apimachinery/pkg/apis/meta/v1/validation/validation.go
// (ValidateConditions, ValidateCondition).
import type { Cause } from './types.js';
import { duplicate, invalid, isQualifiedName, notSupported, required, tooLong } from '../registry/validation.js';

const STATUSES = ['False', 'True', 'Unknown'];
const MAX_REASON = 1024;
const MAX_MESSAGE = 32 * 1024;
const REASON = /^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/;
const REASON_MSG =
  "a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')";

export function validateConditions(conditions: unknown, path: string): Cause[] {
  const causes: Cause[] = [];
  if (!Array.isArray(conditions)) return causes;
  const seen = new Set<string>();
  conditions.forEach((c: any, i: number) => {
    const p = `${path}[${i}]`;
    const type = typeof c?.type === 'string' ? c.type : '';
    if (seen.has(type)) causes.push(duplicate(`${p}.type`, type));
    else seen.add(type);
    for (const m of isQualifiedName(type)) causes.push(invalid(`${p}.type`, type, m));
    const status = typeof c?.status === 'string' ? c.status : '';
    if (!STATUSES.includes(status)) causes.push(notSupported(`${p}.status`, status, STATUSES));
    if (typeof c?.observedGeneration === 'number' && c.observedGeneration < 0) causes.push(invalid(`${p}.observedGeneration`, c.observedGeneration, 'must be greater than or equal to zero'));
    if (!c?.lastTransitionTime) causes.push(required(`${p}.lastTransitionTime`, 'must be set'));
    const reason = typeof c?.reason === 'string' ? c.reason : '';
    if (reason === '') causes.push(required(`${p}.reason`, 'must be set'));
    else {
      if (!REASON.test(reason)) causes.push(invalid(`${p}.reason`, reason, REASON_MSG));
      if (reason.length > MAX_REASON) causes.push(tooLong(`${p}.reason`, reason, MAX_REASON));
    }
    if (typeof c?.message === 'string' && c.message.length > MAX_MESSAGE) causes.push(tooLong(`${p}.message`, c.message, MAX_MESSAGE));
  });
  return causes;
}
