// The v1 CustomResourceDefinitionSpec as upstream validates it: converted to the internal type first
// (pkg/apis/apiextensions/v1/conversion.go Convert_v1_CustomResourceDefinitionSpec_To_apiextensions_...):
// spec.version = versions[0].name, and per-version schema / subresources / additionalPrinterColumns /
// selectableFields that are identical in every version move to the top level (spec.validation, ...),
// which is why upstream's errors for a single-version CRD name `spec.validation.openAPIV3Schema...`.
// The result keeps the v1 JSON field names; only the hoisted fields are renamed as the internal type has them.
import { deepEqual } from '../../registry/validation.js';
import type { KObject } from '../types.js';

export function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** apiequality.Semantic.DeepEqual: an empty slice or map equals a missing one. */
export function semanticEqual(a: unknown, b: unknown): boolean {
  const norm = (v: unknown): unknown => (v === null || (Array.isArray(v) && v.length === 0) ? undefined : v);
  return deepEqual(norm(a), norm(b));
}

export interface InternalSpec {
  group: string;
  version: string;
  names: KObject;
  scope: string;
  /** top-level schema (CustomResourceValidation) when every version's is identical */
  validation?: KObject;
  subresources?: KObject;
  additionalPrinterColumns?: KObject[];
  selectableFields?: KObject[];
  versions: KObject[];
  /** spec.versions was absent or null (a nil slice in Go) */
  versionsNil: boolean;
  conversion?: { strategy: string; webhookClientConfig?: KObject; conversionReviewVersions?: string[] };
  preserveUnknownFields: boolean;
}

const HOISTED: [perVersion: string, topLevel: keyof InternalSpec][] = [
  ['subresources', 'subresources'],
  ['schema', 'validation'],
  ['additionalPrinterColumns', 'additionalPrinterColumns'],
  ['selectableFields', 'selectableFields'],
];

export function toInternalSpec(spec: unknown): InternalSpec {
  const s = isMap(spec) ? spec : {};
  const versions: KObject[] = Array.isArray(s.versions) ? s.versions.map((v: unknown) => ({ ...(isMap(v) ? v : {}) })) : [];
  const out: InternalSpec = {
    group: typeof s.group === 'string' ? s.group : '',
    version: '',
    names: isMap(s.names) ? s.names : {},
    scope: typeof s.scope === 'string' ? s.scope : '',
    versions,
    versionsNil: !Array.isArray(s.versions),
    preserveUnknownFields: s.preserveUnknownFields === true,
  };
  if (versions.length) {
    out.version = typeof versions[0]!.name === 'string' ? versions[0]!.name : '';
    for (const [per, top] of HOISTED) {
      const first = versions[0]![per];
      if (versions.every((v) => semanticEqual(v[per], first))) {
        if (first !== undefined && first !== null) (out as any)[top] = first;
        for (const v of versions) delete v[per];
      }
    }
  }
  if (isMap(s.conversion)) {
    const c = s.conversion;
    out.conversion = { strategy: typeof c.strategy === 'string' ? c.strategy : '' };
    if (isMap(c.webhook)) {
      if (c.webhook.conversionReviewVersions !== undefined && c.webhook.conversionReviewVersions !== null) out.conversion.conversionReviewVersions = c.webhook.conversionReviewVersions;
      if (isMap(c.webhook.clientConfig)) out.conversion.webhookClientConfig = c.webhook.clientConfig;
    }
  }
  return out;
}
