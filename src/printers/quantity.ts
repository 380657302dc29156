// Quantities in table cells: the canonical form from the one Quantity implementation
// (src/resources/quantity.ts, apimachinery/pkg/api/resource).
import { canonicalQuantity } from '../resources/quantity.js';

/**
 * The canonical string of a quantity value as found in JSON (string or number).
 * A missing value prints as "0" (the zero Quantity); an unparsable one is returned as is.
 */
export function formatQuantity(v: unknown): string {
  if (v === undefined || v === null || v === '') return '0';
  const s = typeof v === 'number' ? String(v) : typeof v === 'string' ? v : undefined;
  if (s === undefined) return String(v);
  return canonicalQuantity(s) ?? s;
}
