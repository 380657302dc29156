// Server-side apply (application/apply-patch+yaml).
import type { KObject, ResourceDef } from '../resources/types.js';
import type { Registry, WriteOptions } from '../registry/registry.js';
import { unsupportedMediaType } from '../registry/errors.js';
import type { PatchResult } from './index.js';

export function serverSideApply(
  _registry: Registry,
  _def: ResourceDef,
  _namespace: string,
  _name: string,
  _config: KObject,
  _opts: WriteOptions & { force: boolean },
): PatchResult {
  throw unsupportedMediaType('application/apply-patch+yaml', ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json']);
}
