// ValidateCustomResourceDefinition / ...Update / ...Status for apiextensions.k8s.io/v1
// (staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/validation/validation.go, v1.33,
// with the 1.34 / 1.35 wording where the emulated version asks for it),
// run on the internal form of the spec (internal.ts) as upstream runs it, so field paths and
// messages are upstream's (`spec.validation.openAPIV3Schema...` for a single-version CRD).
import type { Cause, KObject } from '../types.js';
import { forbidden, invalid, isDNS1035Label, isDNS1123Subdomain, notSupported, required, validateImmutable } from '../../registry/validation.js';
import { isMap, semanticEqual, toInternalSpec, type InternalSpec } from './internal.js';
import { BYTES, CRD_VERSIONS, renderGo, STRINGS } from './gofmt.js';
import {
  goInvalid,
  schemaHasDefaults,
  schemaHasInvalidMapListKeysMapSet,
  schemaHasInvalidTypes,
  schemaHasKubernetesExtensions,
  schemaHasNonAtomicSetType,
  validateCustomResourceValidation,
  type SchemaCheckers,
  type SchemaOptions,
} from './schema-validation.js';
import { validateWebhookConversion } from './webhook.js';
import { deprecationWarningErrors, hasStatus, MAX_SELECTABLE_FIELDS, validateColumn, validateNames, validateSelectableFields, validateSubresources } from './version-validation.js';
import { isCRDConditionTrue } from './helpers.js';

export { validateNames };

const ACCEPTED_CONVERSION_REVIEW_VERSIONS = ['v1', 'v1beta1'];
export const KUBE_API_APPROVED_ANNOTATION = 'api-approved.kubernetes.io';

interface Options extends SchemaOptions {
  requireRecognizedConversionReviewVersion: boolean;
  requireImmutableNames: boolean;
  requireOpenAPISchema: boolean;
  allowInvalidCABundle: boolean;
  /** 1.35 on, update: versions ('' = the top level) whose too many selectable fields are unchanged, and so allowed */
  allowTooManySelectableFields?: Set<string>;
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');
const present = (v: unknown) => v !== undefined && v !== null;

function versionsText(spec: InternalSpec, minor: number): string {
  return renderGo(CRD_VERSIONS, spec.versionsNil ? undefined : spec.versions, minor);
}

/** Every schema of the spec: the hoisted one and the per-version ones. */
function schemasOf(spec: InternalSpec): unknown[] {
  const out: unknown[] = [];
  if (isMap(spec.validation) && isMap(spec.validation.openAPIV3Schema)) out.push(spec.validation.openAPIV3Schema);
  for (const v of spec.versions) if (isMap(v.schema) && isMap(v.schema.openAPIV3Schema)) out.push(v.schema.openAPIV3Schema);
  return out;
}
const specHas = (spec: InternalSpec, pred: (s: unknown) => boolean) => schemasOf(spec).some(pred);

/** The metadata.name rule of a CRD (the name validation function ValidateCustomResourceDefinition passes). */
export function validateCRDName(obj: KObject): Cause[] {
  const spec = isMap(obj.spec) ? obj.spec : {};
  const names = isMap(spec.names) ? spec.names : {};
  const want = `${str(names.plural)}.${str(spec.group)}`;
  const meta = isMap(obj.metadata) ? obj.metadata : {};
  const causes: Cause[] = [];
  const msg = 'must be spec.names.plural+"."+spec.group';
  if (meta.generateName && typeof meta.generateName === 'string' && meta.generateName !== want) causes.push(invalid('metadata.generateName', meta.generateName, msg));
  if (typeof meta.name === 'string' && meta.name && meta.name !== want) causes.push(invalid('metadata.name', meta.name, msg));
  return causes;
}

function validateEnum(p: string, value: string, accepted: string[]): Cause[] {
  if (!value) return [required(p)];
  return accepted.includes(value) ? [] : [notSupported(p, value, accepted)];
}

function validateVersion(version: KObject, p: string, statusEnabled: boolean, opts: Options): Cause[] {
  const v34 = opts.minor >= 34;
  const errs: Cause[] = [];
  for (const e of deprecationWarningErrors(version.deprecated === true, version.deprecationWarning)) errs.push(invalid(`${p}.deprecationWarning`, present(version.deprecationWarning) ? str(version.deprecationWarning) : 'null', e));
  errs.push(...validateCustomResourceValidation(version.schema, statusEnabled, opts, `${p}.schema`));
  errs.push(...validateSubresources(version.subresources, `${p}.subresources`));
  (Array.isArray(version.additionalPrinterColumns) ? version.additionalPrinterColumns : []).forEach((c: unknown, i: number) => errs.push(...validateColumn(c, `${p}.additionalPrinterColumns[${i}]`)));
  const selectable = Array.isArray(version.selectableFields) ? version.selectableFields : [];
  if (selectable.length) {
    const schema = isMap(version.schema) ? version.schema.openAPIV3Schema : undefined;
    if (!isMap(schema)) errs.push(invalid(`${p}.selectableFields`, '', v34 ? 'may only be set when `version.schema.openAPIV3Schema` is not included' : 'selectableFields may only be set when version.schema.openAPIV3Schema is not included'));
    else errs.push(...validateSelectableFields(selectable, schema, `${p}.selectableFields`, opts.allowTooManySelectableFields?.has(str(version.name))));
  }
  return errs;
}

/** validateConversionReviewVersions. */
function validateConversionReviewVersions(versions: unknown, requireRecognized: boolean, p: string, minor: number): Cause[] {
  const list = Array.isArray(versions) ? versions.map(str) : [];
  if (list.length < 1) return [required(p)];
  const errs: Cause[] = [];
  const seen = new Set<string>();
  let accepted = false;
  list.forEach((v, i) => {
    if (seen.has(v)) return void errs.push(invalid(`${p}[${i}]`, v, 'duplicate version'));
    seen.add(v);
    for (const e of isDNS1035Label(v)) errs.push(invalid(`${p}[${i}]`, v, e));
    if (ACCEPTED_CONVERSION_REVIEW_VERSIONS.includes(v)) accepted = true;
  });
  if (requireRecognized && !accepted) errs.push(goInvalid(p, renderGo(STRINGS, versions, minor), `must include at least one of ${ACCEPTED_CONVERSION_REVIEW_VERSIONS.join(', ')}`));
  return errs;
}

/** validateCustomResourceConversion. */
function validateConversion(conversion: InternalSpec['conversion'], requireRecognized: boolean, p: string, opts: Options): Cause[] {
  if (!conversion) return [];
  const errs = validateEnum(`${p}.strategy`, conversion.strategy, ['None', 'Webhook']);
  if (conversion.strategy === 'Webhook') {
    if (!conversion.webhookClientConfig) errs.push(required(`${p}.webhookClientConfig`, 'required when strategy is set to Webhook'));
    else errs.push(...validateWebhookConversion(conversion.webhookClientConfig, `${p}.webhookClientConfig`, opts.allowInvalidCABundle, opts.minor));
    errs.push(...validateConversionReviewVersions(conversion.conversionReviewVersions, requireRecognized, `${p}.conversionReviewVersions`, opts.minor));
  } else {
    if (conversion.webhookClientConfig) errs.push(forbidden(`${p}.webhookClientConfig`, 'should not be set when strategy is not set to Webhook'));
    if (Array.isArray(conversion.conversionReviewVersions) && conversion.conversionReviewVersions.length) errs.push(forbidden(`${p}.conversionReviewVersions`, 'should not be set when strategy is not set to Webhook'));
  }
  return errs;
}

/** validateCustomResourceDefinitionSpec. */
function validateSpec(spec: InternalSpec, opts: Options): Cause[] {
  const errs: Cause[] = [];
  const p = 'spec';
  if (!spec.group) errs.push(required(`${p}.group`));
  else {
    const e = isDNS1123Subdomain(spec.group);
    if (e.length) errs.push(invalid(`${p}.group`, spec.group, e.join(',')));
    else if (spec.group.split('.').length < 2) errs.push(invalid(`${p}.group`, spec.group, 'should be a domain with at least one dot'));
  }
  errs.push(...validateEnum(`${p}.scope`, spec.scope, ['Cluster', 'Namespaced']));
  // enabling pruning requires structural schemas (preserveUnknownFields is false in v1)
  if (!spec.preserveUnknownFields) opts = { ...opts, requireStructuralSchema: true };
  const topSchema = isMap(spec.validation) && isMap(spec.validation.openAPIV3Schema);
  if (opts.requireOpenAPISchema) {
    if (!topSchema)
      spec.versions.forEach((v, i) => {
        if (!isMap(v.schema) || !isMap(v.schema.openAPIV3Schema)) errs.push(required(`${p}.versions[${i}].schema.openAPIV3Schema`, opts.minor >= 34 ? '' : 'schemas are required'));
      });
  } else if (!spec.preserveUnknownFields && !topSchema) {
    spec.versions.forEach((v, i) => {
      if (v.served === true && (!isMap(v.schema) || !isMap(v.schema.openAPIV3Schema))) errs.push(required(`${p}.versions[${i}].schema.openAPIV3Schema`, 'because otherwise all fields are pruned'));
    });
  }
  if (opts.allowDefaults && specHas(spec, schemaHasDefaults)) {
    opts = { ...opts, requireStructuralSchema: true };
    if (spec.preserveUnknownFields) errs.push(invalid(`${p}.preserveUnknownFields`, true, 'must be false in order to use defaults in the schema'));
  }
  if (specHas(spec, schemaHasKubernetesExtensions)) opts = { ...opts, requireStructuralSchema: true };

  let storageCount = 0;
  const seen = new Set<string>();
  let unique = true;
  const perVersionSubresources = spec.versions.some((v) => present(v.subresources));
  spec.versions.forEach((v, i) => {
    const name = str(v.name);
    if (v.storage === true) storageCount++;
    if (seen.has(name)) unique = false;
    else seen.add(name);
    const e = isDNS1035Label(name);
    if (e.length) errs.push(invalid(`${p}.versions[${i}].name`, name, e.join(',')));
    // getSubresourcesForVersion
    const sub = perVersionSubresources ? v.subresources : spec.subresources;
    errs.push(...validateVersion(v, `${p}.versions[${i}]`, hasStatus(sub), opts));
  });
  if (!unique) errs.push(goInvalid(`${p}.versions`, versionsText(spec, opts.minor), 'must contain unique version names'));
  if (storageCount !== 1) errs.push(goInvalid(`${p}.versions`, versionsText(spec, opts.minor), 'must have exactly one version marked as storage version'));
  if (spec.version) {
    const e = isDNS1035Label(spec.version);
    if (e.length) errs.push(invalid(`${p}.version`, spec.version, e.join(',')));
  }
  const names = spec.names;
  if (!str(names.plural)) errs.push(required(`${p}.names.plural`));
  if (!str(names.singular)) errs.push(required(`${p}.names.singular`));
  if (!str(names.kind)) errs.push(required(`${p}.names.kind`));
  if (!str(names.listKind)) errs.push(required(`${p}.names.listKind`));
  errs.push(...validateNames(names, `${p}.names`));
  const anyStatus = hasStatus(spec.subresources) || spec.versions.some((v) => hasStatus(v.subresources));
  errs.push(...validateCustomResourceValidation(spec.validation, anyStatus, opts, `${p}.validation`));
  errs.push(...validateSubresources(spec.subresources, `${p}.subresources`));
  (Array.isArray(spec.additionalPrinterColumns) ? spec.additionalPrinterColumns : []).forEach((c, i) => errs.push(...validateColumn(c, `${p}.additionalPrinterColumns[${i}]`)));
  if (Array.isArray(spec.selectableFields) && spec.selectableFields.length) {
    if (!spec.validation) errs.push(invalid(`${p}.selectableFields`, '', opts.minor >= 34 ? 'may only be set when validations.schema is included' : 'selectableFields may only be set when validations.schema is included'));
    else errs.push(...validateSelectableFields(spec.selectableFields, spec.validation.openAPIV3Schema, `${p}.selectableFields`, opts.allowTooManySelectableFields?.has('')));
  }
  if (spec.conversion && spec.conversion.strategy !== 'None' && spec.preserveUnknownFields)
    errs.push(invalid(`${p}.conversion.strategy`, spec.conversion.strategy, 'must be None if spec.preserveUnknownFields is true'));
  errs.push(...validateConversion(spec.conversion, opts.requireRecognizedConversionReviewVersion, `${p}.conversion`, opts));
  return errs;
}

/** ValidateCustomResourceDefinitionStoredVersions. */
export function validateStoredVersions(storedVersions: unknown, versions: KObject[], p: string, minor = 33): Cause[] {
  const stored = Array.isArray(storedVersions) ? storedVersions.map(str) : [];
  if (stored.length === 0) return [goInvalid(p, renderGo(STRINGS, storedVersions, minor), 'must have at least one stored version')];
  const errs: Cause[] = [];
  const remaining = new Map<string, number>();
  stored.forEach((v, i) => remaining.set(v, i));
  for (const v of versions) {
    const name = str(v.name);
    const has = remaining.has(name);
    if (v.storage === true && !has) errs.push(goInvalid(p, renderGo(STRINGS, storedVersions, minor), 'must have the storage version ' + name));
    if (has) remaining.delete(name);
  }
  for (const [v, i] of remaining)
    errs.push(
      invalid(`${p}[${i}]`, v, `missing from spec.versions; ${v} was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in ${v} and removes ${v} from status.storedVersions`),
    );
  return errs;
}

/** apihelpers.GetAPIApprovalState. */
function apiApprovalState(annotations: unknown): { state: 'invalid' | 'approved' | 'bypassed' | 'missing'; reason: string } {
  const a = isMap(annotations) ? str(annotations[KUBE_API_APPROVED_ANNOTATION]) : '';
  if (!a) return { state: 'missing', reason: `protected groups must have approval annotation "${KUBE_API_APPROVED_ANNOTATION}", see https://github.com/kubernetes/enhancements/pull/1111` };
  if (a.startsWith('unapproved')) return { state: 'bypassed', reason: `not approved: ${JSON.stringify(a)}` };
  // url.ParseRequestURI: an absolute URL with a scheme and a host
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]+)/.exec(a);
  if (m && !/\s/.test(a)) return { state: 'approved', reason: `approved in ${a}` };
  return {
    state: 'invalid',
    reason: `protected groups must have approval annotation "${KUBE_API_APPROVED_ANNOTATION}" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111`,
  };
}

/** apihelpers.IsProtectedCommunityGroup. */
export function isProtectedCommunityGroup(group: string): boolean {
  return group === 'k8s.io' || group.endsWith('.k8s.io') || group === 'kubernetes.io' || group.endsWith('.kubernetes.io');
}

/** validateAPIApproval. */
function validateAPIApproval(obj: KObject, old?: KObject): Cause[] {
  if (!isProtectedCommunityGroup(str(obj.spec?.group))) return [];
  const now = apiApprovalState(obj.metadata?.annotations);
  if (old && apiApprovalState(old.metadata?.annotations).state === now.state) return [];
  const p = `metadata.annotations[${KUBE_API_APPROVED_ANNOTATION}]`;
  if (now.state === 'missing') return [required(p, now.reason)];
  if (now.state === 'invalid') return [invalid(p, str(obj.metadata?.annotations?.[KUBE_API_APPROVED_ANNOTATION]), now.reason)];
  return [];
}

/** validatePreserveUnknownFields. */
function validatePreserveUnknownFields(obj: KObject, old?: KObject): Cause[] {
  if (old?.spec?.preserveUnknownFields === true) return [];
  if (obj.spec?.preserveUnknownFields === true)
    return [invalid('spec.preserveUnknownFields', true, 'cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead')];
  return [];
}

function statusOf(obj: KObject): KObject {
  return isMap(obj.status) ? obj.status : {};
}

function createOptions(checkers: SchemaCheckers, minor: number): Options {
  return {
    minor,
    allowDefaults: true,
    requireRecognizedConversionReviewVersion: true,
    requireImmutableNames: false,
    requireOpenAPISchema: true,
    requireValidPropertyType: true,
    requireStructuralSchema: true,
    requireAtomicSetType: true,
    requireMapListKeysMapSetValidation: true,
    // an invalid caBundle is allowed on create: the CRD is not established yet
    allowInvalidCABundle: true,
    checkers,
  };
}

/** ValidateCustomResourceDefinition (metadata.name's plural.group rule included; the generic metadata checks are the registry's). */
export function validateCustomResourceDefinition(obj: KObject, checkers: SchemaCheckers = {}, minor = 33): Cause[] {
  const spec = toInternalSpec(obj.spec);
  return [
    ...validateCRDName(obj),
    ...validateSpec(spec, createOptions(checkers, minor)),
    ...validateNames(statusOf(obj).acceptedNames, 'status.acceptedNames'),
    ...validateStoredVersions(statusOf(obj).storedVersions, spec.versions, 'status.storedVersions', minor),
    ...validateAPIApproval(obj),
    ...validatePreserveUnknownFields(obj),
  ];
}

/** findTooManySelectableFieldsAllowed (1.35): more than the maximum may stay where it is unchanged. */
function tooManySelectableFieldsAllowed(spec: InternalSpec, oldSpec: InternalSpec): Set<string> {
  const out = new Set<string>();
  if (Array.isArray(oldSpec.selectableFields) && oldSpec.selectableFields.length > MAX_SELECTABLE_FIELDS && semanticEqual(spec.selectableFields, oldSpec.selectableFields)) out.add('');
  for (const v of spec.versions) {
    const old = oldSpec.versions.find((o) => o.name === v.name);
    if (old && Array.isArray(old.selectableFields) && old.selectableFields.length > MAX_SELECTABLE_FIELDS && semanticEqual(v.selectableFields, old.selectableFields)) out.add(str(v.name));
  }
  return out;
}

function hasValidConversionReviewVersionOrEmpty(versions: unknown): boolean {
  if (!Array.isArray(versions) || versions.length === 0) return true;
  return versions.some((v) => ACCEPTED_CONVERSION_REVIEW_VERSIONS.includes(v));
}

/** ValidateCustomResourceDefinitionUpdate: the create rules, loosened where the stored object already breaks them, plus immutability. */
export function validateCustomResourceDefinitionUpdate(obj: KObject, old: KObject, checkers: SchemaCheckers = {}, allowInvalidCABundle = true, minor = 33): Cause[] {
  const spec = toInternalSpec(obj.spec);
  const oldSpec = toInternalSpec(old.spec);
  const nonStructural = (s: unknown) => (checkers.structural?.(s, '') ?? []).length > 0;
  const opts: Options = {
    ...createOptions(checkers, minor),
    requireRecognizedConversionReviewVersion: !oldSpec.conversion || hasValidConversionReviewVersionOrEmpty(oldSpec.conversion.conversionReviewVersions),
    requireImmutableNames: isCRDConditionTrue(old, 'Established'),
    requireOpenAPISchema: (isMap(oldSpec.validation) && isMap(oldSpec.validation.openAPIV3Schema)) || oldSpec.versions.every((v) => isMap(v.schema) && isMap(v.schema.openAPIV3Schema)),
    requireValidPropertyType: !specHas(oldSpec, schemaHasInvalidTypes),
    requireStructuralSchema: !specHas(oldSpec, nonStructural),
    requireAtomicSetType: !specHas(oldSpec, schemaHasNonAtomicSetType),
    requireMapListKeysMapSetValidation: !specHas(oldSpec, schemaHasInvalidMapListKeysMapSet),
    allowInvalidCABundle,
    allowTooManySelectableFields: minor >= 35 ? tooManySelectableFieldsAllowed(spec, oldSpec) : undefined,
  };
  const errs = validateSpec(spec, opts);
  if (opts.requireImmutableNames) {
    // these affect the storage and cannot be changed once established
    errs.push(...validateImmutable(spec.scope, oldSpec.scope, 'spec.scope'));
    errs.push(...validateImmutable(str(spec.names.kind), str(oldSpec.names.kind), 'spec.names.kind'));
  }
  // these make up the resource name, which is immutable
  errs.push(...validateImmutable(spec.group, oldSpec.group, 'spec.group'));
  errs.push(...validateImmutable(str(spec.names.plural), str(oldSpec.names.plural), 'spec.names.plural'));
  return [
    ...errs,
    ...validateNames(statusOf(obj).acceptedNames, 'status.acceptedNames'),
    ...validateStoredVersions(statusOf(obj).storedVersions, spec.versions, 'status.storedVersions', minor),
    ...validateAPIApproval(obj, old),
    ...validatePreserveUnknownFields(obj, old),
  ];
}

/** ValidateUpdateCustomResourceDefinitionStatus (the generic metadata update checks are the registry's). */
export function validateCustomResourceDefinitionStatusUpdate(obj: KObject): Cause[] {
  return validateNames(statusOf(obj).acceptedNames, 'status.acceptedNames');
}

export { BYTES };
