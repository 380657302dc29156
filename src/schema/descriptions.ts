// Field and definition descriptions for the served OpenAPI documents. The checked-in documents
// (openapi/) carry structure only; the build (scripts/gen-descriptions.mjs) derives a table of
// upstream's description texts from the `kubernetes-types` dependency into
// dist/openapi-descriptions.json, and the documents are merged with it when first served.
// Without the table (a run from src/ without a build) or without a text for a field, the
// structure-only answer stays.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from './root.js';

export interface DescriptionTable {
  source?: string;
  definitions: Record<string, { description?: string; properties?: Record<string, string> }>;
}

type Json = any;

/** Where the build writes the table. */
export function descriptionTablePath(): string {
  return join(packageRoot(), 'dist', 'openapi-descriptions.json');
}

let table: DescriptionTable | null | undefined;

/** The table, read once; null when there is none (or it cannot be read). */
export function descriptionTable(): DescriptionTable | null {
  if (table !== undefined) return table;
  const file = descriptionTablePath();
  try {
    table = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DescriptionTable) : null;
    if (table && (typeof table !== 'object' || typeof table.definitions !== 'object')) table = null;
  } catch {
    table = null;
  }
  return table;
}

/** Whether the table has been read (it is read on the first OpenAPI request, not at start-up). */
export function descriptionTableRead(): boolean {
  return table !== undefined;
}

/** For tests: forget the loaded table (or use the given one). */
export function setDescriptionTable(t: DescriptionTable | null | undefined): void {
  table = t;
}

/**
 * Adds descriptions to the definitions (`schemas`: name -> schema) in place. In v3, a property
 * that is only a `$ref` is wrapped as `allOf: [{$ref}]` to carry its description, as upstream's
 * v3 documents do (kube-openapi pkg/builder3: a $ref's siblings are ignored in OpenAPI 3.0); in v2
 * the description stands beside the `$ref`, as in upstream's swagger.json.
 */
function describeSchemas(schemas: Record<string, Json> | undefined, t: DescriptionTable, v3: boolean): number {
  let n = 0;
  for (const [name, schema] of Object.entries<Json>(schemas ?? {})) {
    const d = t.definitions[name];
    if (!d || !schema || typeof schema !== 'object') continue;
    if (d.description && schema.description === undefined) {
      schema.description = d.description;
      n++;
    }
    const props = schema.properties;
    if (!d.properties || !props || typeof props !== 'object') continue;
    for (const [field, text] of Object.entries(d.properties)) {
      const p = props[field];
      if (!p || typeof p !== 'object' || p.description !== undefined) continue;
      if (v3 && typeof p.$ref === 'string') {
        const { $ref, ...rest } = p;
        props[field] = { ...rest, allOf: [{ $ref }], description: text };
      } else p.description = text;
      n++;
    }
  }
  return n;
}

/** The v2 document with descriptions (a new object; the argument is not changed). */
export function describeV2(doc: Json, t: DescriptionTable | null = descriptionTable()): Json {
  if (!t) return doc;
  const out = structuredClone(doc);
  describeSchemas(out.definitions, t, false);
  return out;
}

/** A v3 document with descriptions (a new object; the argument is not changed). */
export function describeV3(doc: Json, t: DescriptionTable | null = descriptionTable()): Json {
  if (!t) return doc;
  const out = structuredClone(doc);
  describeSchemas(out.components?.schemas, t, true);
  return out;
}
