// The structural-schema, CEL, printer-column and OpenAPI pieces custom resources are served with,
// behind one small interface so that the serving code (./customresource.ts) states what it needs.
import type { Cause, KObject, TablePrinter } from '../resources/types.js';
import { defaultPrinter } from '../printers/index.js';

export interface CompiledSchema {
  /** drops unknown fields (mutates), returning their paths */
  prune(obj: KObject): string[];
  /** applies `default`s (mutates) */
  defaults(obj: KObject): void;
  /** validates against the schema and the CEL rules that do not use oldSelf */
  validate(obj: KObject): Cause[];
  /** the causes an update adds: transition rules (oldSelf) against the live object */
  validateUpdate(obj: KObject, oldObj: KObject): Cause[];
}

export interface CustomResourceSupport {
  compile(schema: unknown): CompiledSchema;
  table(columns: unknown[] | undefined): TablePrinter;
  openapi(crd: KObject, version: string): { v2: { definitions: Record<string, unknown>; paths: Record<string, unknown> }; v3: any } | undefined;
}

let support: CustomResourceSupport = {
  compile: () => ({ prune: () => [], defaults: () => {}, validate: () => [], validateUpdate: () => [] }),
  table: () => defaultPrinter,
  openapi: () => undefined,
};

export function customResourceSupport(): CustomResourceSupport {
  return support;
}

export function setCustomResourceSupport(s: Partial<CustomResourceSupport>): void {
  support = { ...support, ...s };
}
