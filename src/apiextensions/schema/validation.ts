// "Must be structural": staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/schema/validation.go
// (validateStructuralInvariants, validateStructuralMetadataInvariants, validateNestedValueValidation) and
// complete.go (validateStructuralCompleteness), plus the x-kubernetes-list-type / map-type rules of
// pkg/apis/apiextensions/validation/validation.go (ValidateCustomResourceDefinitionOpenAPISchema, validateMapListKeysMapSet).
import type { Cause } from '../../resources/types.js';
import { child, causeString, fe, index, key } from './fielderr.js';
import { compilePattern } from './regex.js';
import { isZeroValueValidation, newStructural, type Generic, type Extensions, type NestedValueValidation, type Structural, type ValueValidation } from './structural.js';

type Level = 'root' | 'item' | 'field';

export interface StructuralValidationOptions {
  allowNestedAdditionalProperties?: boolean;
  allowNestedXValidations?: boolean;
  allowValidationPropertiesWithAdditionalProperties?: boolean;
}

/** ValidateStructural (validation.go): the invariants and completeness, sorted by their text as upstream sorts them. */
export function validateStructural(s: Structural, fldPath: string, opts: StructuralValidationOptions = {}): Cause[] {
  const errs = validateInvariants(s, 'root', fldPath, opts);
  errs.push(...validateCompleteness(s, fldPath, opts));
  const keyed = errs.map((c) => [causeString(c), c] as const);
  keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return keyed.map((k) => k[1]);
}

function isIntOrStringNested(n: NestedValueValidation, type: string): boolean {
  if (n.forbiddenGenerics.type !== type) return false;
  const g = n.forbiddenGenerics;
  if (g.description || g.title || g.nullable || g.default !== undefined || g.externalDocs || g.example !== undefined) return false;
  for (const k in n.forbiddenExtensions) if ((n.forbiddenExtensions as any)[k] !== undefined) return false;
  if (n.items || n.properties || n.additionalProperties || n.xValidations) return false;
  const { items: _i, properties: _p, additionalProperties: _a, forbiddenGenerics: _g, forbiddenExtensions: _x, xValidations: _v, ...vv } = n;
  return isZeroValueValidation(vv);
}

function isIntOrStringAnyOf(anyOf: NestedValueValidation[] | undefined): boolean {
  return !!anyOf && anyOf.length === 2 && isIntOrStringNested(anyOf[0], 'integer') && isIntOrStringNested(anyOf[1], 'string');
}

function validateInvariants(s: Structural | undefined, lvl: Level, fldPath: string, opts: StructuralValidationOptions): Cause[] {
  if (!s) return [];
  const errs: Cause[] = [];
  if (s.type === 'array' && !s.items) errs.push(fe.required(child(fldPath, 'items'), 'must be specified'));
  errs.push(...validateInvariants(s.items, 'item', child(fldPath, 'items'), opts));
  if (s.properties) for (const [k, v] of s.properties) errs.push(...validateInvariants(v, 'field', key(child(fldPath, 'properties'), k), opts));
  if (s.additionalProperties) {
    if (lvl === 'root') errs.push(fe.forbidden(child(fldPath, 'additionalProperties'), 'must not be used at the root'));
    if (s.additionalProperties.structural) errs.push(...validateInvariants(s.additionalProperties.structural, 'field', child(fldPath, 'additionalProperties'), opts));
  }
  // validateExtensions
  if (s.xIntOrString && s.xPreserveUnknownFields)
    errs.push(fe.invalid(child(fldPath, 'x-kubernetes-preserve-unknown-fields'), true, 'must be false if x-kubernetes-int-or-string is true'));
  if (s.xIntOrString && s.xEmbeddedResource)
    errs.push(fe.invalid(child(fldPath, 'x-kubernetes-embedded-resource'), true, 'must be false if x-kubernetes-int-or-string is true'));

  const vv = s.valueValidation;
  const skipAnyOf = isIntOrStringAnyOf(vv?.anyOf);
  const skipFirstAllOfAnyOf = !!vv?.allOf && vv.allOf.length >= 1 && isIntOrStringAnyOf(vv.allOf[0].anyOf);
  errs.push(...validateValueValidation(vv, skipAnyOf, skipFirstAllOfAnyOf, lvl, fldPath, opts));

  const checkMetadata = lvl === 'root' || !!s.xEmbeddedResource;
  if (s.xEmbeddedResource && s.type !== 'object') {
    if (!s.type) errs.push(fe.required(child(fldPath, 'type'), 'must be object if x-kubernetes-embedded-resource is true'));
    else errs.push(fe.invalid(child(fldPath, 'type'), s.type, 'must be object if x-kubernetes-embedded-resource is true'));
  } else if (!s.type && !s.xIntOrString && !s.xPreserveUnknownFields) {
    const detail = lvl === 'root' ? 'must not be empty at the root' : lvl === 'item' ? 'must not be empty for specified array items' : 'must not be empty for specified object fields';
    errs.push(fe.required(child(fldPath, 'type'), detail));
  }
  if (s.xEmbeddedResource && s.additionalProperties)
    errs.push(fe.forbidden(child(fldPath, 'additionalProperties'), 'must not be used if x-kubernetes-embedded-resource is set'));
  if (lvl === 'root' && s.type && s.type !== 'object') errs.push(fe.invalid(child(fldPath, 'type'), s.type, 'must be object at the root'));

  const kind = s.properties?.get('kind');
  if (kind && checkMetadata && kind.type !== 'string')
    errs.push(fe.invalid(child(key(child(fldPath, 'properties'), 'kind'), 'type'), kind.type ?? '', 'must be string'));
  const apiVersion = s.properties?.get('apiVersion');
  if (apiVersion && checkMetadata && apiVersion.type !== 'string')
    errs.push(fe.invalid(child(key(child(fldPath, 'properties'), 'apiVersion'), 'type'), apiVersion.type ?? '', 'must be string'));
  const metadata = s.properties?.get('metadata');
  if (metadata) errs.push(...validateMetadataInvariants(metadata, checkMetadata, lvl, key(child(fldPath, 'properties'), 'metadata')));

  if (s.xEmbeddedResource && !s.xPreserveUnknownFields && !s.properties?.size)
    errs.push(fe.required(child(fldPath, 'properties'), 'must not be empty if x-kubernetes-embedded-resource is true without x-kubernetes-preserve-unknown-fields'));
  return errs;
}

// validateStructuralMetadataInvariants
function validateMetadataInvariants(s: Structural, checkMetadata: boolean, lvl: Level, fldPath: string): Cause[] {
  const errs: Cause[] = [];
  if (checkMetadata && s.type !== 'object') errs.push(fe.invalid(child(fldPath, 'type'), s.type ?? '', 'must be object'));
  if (lvl === 'root') {
    let props = s.properties;
    const foundName = !!props?.has('name');
    const foundGenerateName = !!props?.has('generateName');
    if (foundName && foundGenerateName && props!.size === 2) props = undefined;
    else if ((foundName || foundGenerateName) && props!.size === 1) props = undefined;
    // everything but type and default must be unset
    const clean =
      !props &&
      !s.items &&
      !s.additionalProperties &&
      !s.description &&
      !s.title &&
      !s.nullable &&
      !s.externalDocs &&
      s.example === undefined &&
      !s.xPreserveUnknownFields &&
      !s.xEmbeddedResource &&
      !s.xIntOrString &&
      !s.xListMapKeys &&
      s.xListType === undefined &&
      s.xMapType === undefined &&
      !s.xValidations &&
      isZeroValueValidation(s.valueValidation);
    if (!clean) errs.push(fe.forbidden(fldPath, 'must not specify anything other than name and generateName, but metadata is implicitly specified'));
  }
  return errs;
}

function validateValueValidation(v: ValueValidation | undefined, skipAnyOf: boolean, skipFirstAllOfAnyOf: boolean, lvl: Level, fldPath: string, opts: StructuralValidationOptions): Cause[] {
  if (!v) return [];
  const errs: Cause[] = [];
  const noCEL = { ...opts, allowNestedXValidations: false };
  if (!skipAnyOf && v.anyOf) v.anyOf.forEach((n, i) => errs.push(...validateNested(n, false, false, lvl, index(child(fldPath, 'anyOf'), i), noCEL)));
  if (v.allOf) v.allOf.forEach((n, i) => errs.push(...validateNested(n, skipFirstAllOfAnyOf && i === 0, false, lvl, index(child(fldPath, 'allOf'), i), opts)));
  if (v.oneOf) v.oneOf.forEach((n, i) => errs.push(...validateNested(n, false, false, lvl, index(child(fldPath, 'oneOf'), i), noCEL)));
  errs.push(...validateNested(v.not, false, false, lvl, child(fldPath, 'not'), noCEL));
  if (v.pattern) {
    const err = compilePattern(v.pattern).error;
    if (err) errs.push(fe.invalid(child(fldPath, 'pattern'), v.pattern, `must be a valid regular expression, but isn't: ${err}`));
  }
  return errs;
}

function validateNested(v: NestedValueValidation | undefined, skipAnyOf: boolean, skipAllOfAnyOf: boolean, lvl: Level, fldPath: string, opts: StructuralValidationOptions): Cause[] {
  if (!v) return [];
  const errs = validateValueValidation(v, skipAnyOf, skipAllOfAnyOf, lvl, fldPath, opts);
  errs.push(...validateNested(v.items, false, false, lvl, child(fldPath, 'items'), opts));
  if (v.properties) for (const [k, f] of v.properties) errs.push(...validateNested(f, false, false, 'field', key(child(fldPath, 'properties'), k), opts));
  const g: Generic = v.forbiddenGenerics;
  const x: Extensions = v.forbiddenExtensions;
  if (g.type) errs.push(fe.forbidden(child(fldPath, 'type'), 'must be empty to be structural'));
  if (v.additionalProperties && !opts.allowNestedAdditionalProperties)
    errs.push(fe.forbidden(child(fldPath, 'additionalProperties'), 'must be undefined to be structural'));
  else errs.push(...validateNested(v.additionalProperties, false, false, lvl, child(fldPath, 'additionalProperties'), opts));
  if (g.default !== undefined) errs.push(fe.forbidden(child(fldPath, 'default'), 'must be undefined to be structural'));
  if (g.title) errs.push(fe.forbidden(child(fldPath, 'title'), 'must be empty to be structural'));
  if (g.description) errs.push(fe.forbidden(child(fldPath, 'description'), 'must be empty to be structural'));
  if (g.nullable) errs.push(fe.forbidden(child(fldPath, 'nullable'), 'must be false to be structural'));
  if (x.xPreserveUnknownFields) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-preserve-unknown-fields'), 'must be false to be structural'));
  if (x.xEmbeddedResource) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-embedded-resource'), 'must be false to be structural'));
  if (x.xIntOrString) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-int-or-string'), 'must be false to be structural'));
  if (x.xListMapKeys) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-list-map-keys'), 'must be empty to be structural'));
  if (x.xListType !== undefined) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-list-type'), 'must be undefined to be structural'));
  if (x.xMapType !== undefined) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-map-type'), 'must be undefined to be structural'));
  if (v.xValidations && !opts.allowNestedXValidations) errs.push(fe.forbidden(child(fldPath, 'x-kubernetes-validations'), 'must be empty to be structural'));
  if (v.properties?.has('metadata')) errs.push(fe.forbidden(key(child(fldPath, 'properties'), 'metadata'), 'must not be specified in a nested context'));
  return errs;
}

// complete.go
function validateCompleteness(s: Structural, fldPath: string, opts: StructuralValidationOptions): Cause[] {
  return vvCompleteness(s.valueValidation, s, fldPath, fldPath, opts);
}

function vvCompleteness(v: ValueValidation | undefined, s: Structural | undefined, sPath: string, vPath: string, opts: StructuralValidationOptions): Cause[] {
  if (!v) return [];
  if (!s) return [fe.required(sPath, `because it is defined in ${vPath}`)];
  const errs: Cause[] = [];
  errs.push(...nestedCompleteness(v.not, s, sPath, child(vPath, 'not'), opts));
  v.allOf?.forEach((n, i) => errs.push(...nestedCompleteness(n, s, sPath, index(child(vPath, 'allOf'), i), opts)));
  v.anyOf?.forEach((n, i) => errs.push(...nestedCompleteness(n, s, sPath, index(child(vPath, 'anyOf'), i), opts)));
  v.oneOf?.forEach((n, i) => errs.push(...nestedCompleteness(n, s, sPath, index(child(vPath, 'oneOf'), i), opts)));
  return errs;
}

function nestedCompleteness(v: NestedValueValidation | undefined, s: Structural | undefined, sPath: string, vPath: string, opts: StructuralValidationOptions): Cause[] {
  if (!v) return [];
  if (!s) return [fe.required(sPath, `because it is defined in ${vPath}`)];
  const errs = vvCompleteness(v, s, sPath, vPath, opts);
  errs.push(...nestedCompleteness(v.items, s.items, child(sPath, 'items'), child(vPath, 'items'), opts));
  const sAP = s.additionalProperties?.structural;
  if (v.properties) {
    for (const [k, vf] of v.properties) {
      const sf = s.properties?.get(k);
      if (!sf) {
        if (!sAP || !opts.allowValidationPropertiesWithAdditionalProperties)
          errs.push(fe.required(key(child(sPath, 'properties'), k), `because it is defined in ${key(child(vPath, 'properties'), k)}`));
        else errs.push(...nestedCompleteness(vf, sAP, child(sPath, 'additionalProperties'), key(child(vPath, 'properties'), k), opts));
      } else errs.push(...nestedCompleteness(vf, sf, key(child(sPath, 'properties'), k), key(child(vPath, 'properties'), k), opts));
    }
  }
  if (v.additionalProperties && opts.allowNestedAdditionalProperties)
    errs.push(...nestedCompleteness(v.additionalProperties, sAP, child(sPath, 'additionalProperties'), child(vPath, 'additionalProperties'), opts));
  return errs;
}

function isObj(v: unknown): v is Record<string, any> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export interface ListTypeRuleOptions {
  /** requireAtomicSetType: items of a set must be atomic (true for new CRDs) */
  requireAtomicSetType?: boolean;
  /** requireMapListKeysMapSetValidation: map keys required-or-defaulted and not nullable (true for new CRDs) */
  requireMapListKeysMapSetValidation?: boolean;
}

/**
 * The x-kubernetes-map-type / list-type / list-map-keys rules of ValidateCustomResourceDefinitionOpenAPISchema
 * (pkg/apis/apiextensions/validation/validation.go) and validateMapListKeysMapSet, over every schema node
 * (properties, additionalProperties, items, allOf/anyOf/oneOf/not), in upstream's walk order.
 */
export function validateListTypeRules(schema: any, fldPath: string, opts: ListTypeRuleOptions = {}): Cause[] {
  const o = { requireAtomicSetType: opts.requireAtomicSetType ?? true, requireMapListKeysMapSetValidation: opts.requireMapListKeysMapSetValidation ?? true };
  const errs: Cause[] = [];
  walkListTypes(schema, fldPath, o, errs);
  return errs;
}

/** Children first, then the node itself (upstream's recursion order), without recursion: schemas may nest thousands deep. */
function walkListTypes(root: any, rootPath: string, o: Required<ListTypeRuleOptions>, errs: Cause[]): void {
  const stack: [any, string, boolean][] = [[root, rootPath, false]];
  while (stack.length) {
    const [s, p, done] = stack.pop()!;
    if (!isObj(s)) continue;
    if (done) {
      checkListTypeNode(s, p, o, errs);
      continue;
    }
    stack.push([s, p, true]);
    const kids: [any, string][] = [];
    if (isObj(s.additionalProperties)) kids.push([s.additionalProperties, child(p, 'additionalProperties')]);
    if (isObj(s.properties)) for (const k of Object.keys(s.properties)) kids.push([s.properties[k], key(child(p, 'properties'), k)]);
    if (isObj(s.not)) kids.push([s.not, child(p, 'not')]);
    for (const j of ['allOf', 'oneOf', 'anyOf']) if (Array.isArray(s[j])) s[j].forEach((x: any, i: number) => kids.push([x, index(child(p, j), i)]));
    if (isObj(s.items)) kids.push([s.items, child(p, 'items')]);
    else if (Array.isArray(s.items)) s.items.forEach((x: any, i: number) => kids.push([x, index(child(p, 'items'), i)]));
    for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i][0], kids[i][1], false]);
  }
}

function checkListTypeNode(s: any, p: string, o: Required<ListTypeRuleOptions>, errs: Cause[]): void {
  const type: string = typeof s.type === 'string' ? s.type : '';
  const mapType: string | undefined = typeof s['x-kubernetes-map-type'] === 'string' ? s['x-kubernetes-map-type'] : undefined;
  const listType: string | undefined = typeof s['x-kubernetes-list-type'] === 'string' ? s['x-kubernetes-list-type'] : undefined;
  const mapKeys: string[] = Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : [];
  const items = isObj(s.items) ? s.items : undefined;

  if (mapType !== undefined && type !== 'object') {
    if (!type) errs.push(fe.required(child(p, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(fe.invalid(child(p, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (mapType !== undefined && mapType !== 'atomic' && mapType !== 'granular') errs.push(fe.notSupported(child(p, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  if (listType !== undefined && type !== 'array') {
    if (!type) errs.push(fe.required(child(p, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(fe.invalid(child(p, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (o.requireAtomicSetType && listType === 'set' && items) {
    if (items.type === 'array') {
      const it = items['x-kubernetes-list-type'];
      if (typeof it === 'string' && it !== 'atomic') errs.push(fe.invalid(child(child(p, 'items'), 'x-kubernetes-list-type'), it, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    } else if (items.type === 'object') {
      const mt = items['x-kubernetes-map-type'];
      // upstream reports the items' list type (nil here) as the value
      if (mt !== 'atomic') errs.push(fe.invalid(child(child(p, 'items'), 'x-kubernetes-map-type'), typeof items['x-kubernetes-list-type'] === 'string' ? items['x-kubernetes-list-type'] : null, 'must be atomic as item of a list with x-kubernetes-list-type=set'));
    }
  }
  if (listType !== undefined && listType !== 'atomic' && listType !== 'set' && listType !== 'map') errs.push(fe.notSupported(child(p, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  if (mapKeys.length > 0) {
    if (listType === undefined) errs.push(fe.required(child(p, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(fe.invalid(child(p, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (mapKeys.length === 0) errs.push(fe.required(child(p, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (s.items === undefined || s.items === null) errs.push(fe.required(child(p, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (Array.isArray(s.items)) errs.push(fe.invalid(child(p, 'items'), s.items, 'must only have a single schema if x-kubernetes-list-type is map'));
    if (items && items.type !== 'object') errs.push(fe.invalid(child(child(p, 'items'), 'type'), items.type ?? '', "must be object if parent array's x-kubernetes-list-type is map"));
    if (items && items.type === 'object') {
      const seen = new Set<string>();
      const props = isObj(items.properties) ? items.properties : {};
      for (const k of mapKeys) {
        if (Object.prototype.hasOwnProperty.call(props, k)) {
          const t = props[k]?.type;
          if (t === 'array' || t === 'object')
            errs.push(fe.invalid(child(key(child(child(p, 'items'), 'properties'), k), 'type'), items.type, "must be a scalar type if parent array's x-kubernetes-list-type is map"));
        } else errs.push(fe.invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'entries must all be names of item properties'));
        if (seen.has(k)) errs.push(fe.invalid(child(p, 'x-kubernetes-list-map-keys'), mapKeys, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  if (o.requireMapListKeysMapSetValidation && items && (listType === 'set' || listType === 'map')) {
    if (items.nullable === true) errs.push(fe.forbidden(child(child(p, 'items'), 'nullable'), 'cannot be nullable when x-kubernetes-list-type is ' + listType));
    if (listType === 'map') {
      const req = new Set<string>(Array.isArray(items.required) ? items.required : []);
      const props = isObj(items.properties) ? items.properties : {};
      for (const k of mapKeys) {
        if (!Object.prototype.hasOwnProperty.call(props, k) || !isObj(props[k])) continue;
        const ps = props[k];
        if (!req.has(k) && (ps.default === undefined || ps.default === null))
          errs.push(fe.required(child(key(child(child(p, 'items'), 'properties'), k), 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
        if (ps.nullable === true) errs.push(fe.forbidden(child(key(child(child(p, 'items'), 'properties'), k), 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
      }
    }
  }
}

export interface StructuralSchemaOptions extends StructuralValidationOptions, ListTypeRuleOptions {
  /** also check the x-kubernetes-list-type / map-type rules (default true) */
  listTypes?: boolean;
  /**
   * report NewStructural's error (default true). Upstream shows it only when the OpenAPI schema checks found
   * nothing (they name the same problem better): a caller with those checks sets false and uses structuralInitError.
   */
  initErrors?: boolean;
}

/** NewStructural's error as validateCustomResourceDefinitionValidation words it, or undefined. */
export function structuralInitError(schema: any, fldPath: string): Cause | undefined {
  try {
    newStructural(schema);
    return undefined;
  } catch (e) {
    return fe.invalid(fldPath, '', (e as Error).message);
  }
}

/**
 * The "must be structural" checks of a CRD version's schema, as validateCustomResourceDefinitionValidation
 * runs them: NewStructural (its error as `fldPath: Invalid value: "": <err>`), then ValidateStructural;
 * then (unless opts.listTypes is false) the list-type/map-type rules.
 */
export function validateStructuralSchema(schema: any, fldPath: string, opts: StructuralSchemaOptions = {}): Cause[] {
  // no schema, nothing to check (validateCustomResourceDefinitionValidation looks only at a present one)
  if (!isObj(schema)) return [];
  let s: Structural;
  const errs: Cause[] = [];
  try {
    s = newStructural(schema);
    errs.push(...validateStructural(s, fldPath, opts));
  } catch (e) {
    if (opts.initErrors !== false) errs.push(fe.invalid(fldPath, '', (e as Error).message));
  }
  if (opts.listTypes !== false) errs.push(...validateListTypeRules(schema, fldPath, opts));
  return errs;
}
