// The 409 an apply conflict answers with, worded as managedfields/internal/conflict.go
// (NewConflictError, getConflictMessage, printManager).
import type { Cause } from '../resources/types.js';

/** One field another manager owns with a different value. */
export interface Conflict {
  /** the path as upstream prints it, e.g. `.spec.replicas` */
  field: string;
  /** the other manager's name */
  manager: string;
  operation: 'Apply' | 'Update';
  /** the other manager's apiVersion (for appliers too, from its entry) */
  apiVersion?: string;
  time?: string;
  subresource?: string;
  /** upstream's manager identifier (JSON of manager, operation, apiVersion for updaters, subresource) */
  identifier: string;
}

/** printManager: `"m"`, `"m" with subresource "s"`, plus ` using <apiVersion>` for Update managers. */
export function printManager(c: Pick<Conflict, 'manager' | 'operation' | 'apiVersion' | 'subresource'>): string {
  let s = JSON.stringify(c.manager);
  if (c.subresource) s += ` with subresource ${JSON.stringify(c.subresource)}`;
  // upstream prints the time only when the identifier carries one, which identifiers never do
  if (c.operation === 'Update') s += ` using ${c.apiVersion ?? ''}`;
  return s;
}

/** The Status message and causes of an apply conflict (HTTP 409, reason Conflict). */
export function formatConflictMessage(conflicts: Conflict[]): { message: string; causes: Cause[] } {
  const causes: Cause[] = conflicts.map((c) => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${printManager(c)}`,
    field: c.field,
  }));
  if (conflicts.length === 1) {
    const c = conflicts[0];
    return { message: `Apply failed with 1 conflict: conflict with ${printManager(c)}: ${c.field}`, causes };
  }
  const byManager = new Map<string, Conflict[]>();
  for (const c of conflicts) {
    const list = byManager.get(c.identifier) ?? [];
    list.push(c);
    byManager.set(c.identifier, list);
  }
  const lines: string[] = [];
  for (const id of [...byManager.keys()].sort()) {
    const list = byManager.get(id)!;
    lines.push(`conflicts with ${printManager(list[0])}:`);
    for (const c of list) lines.push(`- ${c.field}`);
  }
  return { message: `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`, causes };
}
