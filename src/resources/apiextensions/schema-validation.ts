// The OpenAPI v3 schema rules of a CRD version (pkg/apis/apiextensions/validation/validation.go:
// validateCustomResourceDefinitionValidation, ValidateCustomResourceDefinitionOpenAPISchema,
// specStandardValidatorV3, validateMapListKeysMapSet). Structural-schema, defaulting and CEL checks
// are injected (SchemaCheckers): they live in src/apiextensions/.
import type { Cause } from '../types.js';
import { forbidden, invalid, notSupported, required } from '../../registry/validation.js';
import { isMap } from './internal.js';
import { itemsValue, JSON_SCHEMA_PROPS, JSON_SCHEMA_PROPS_OR_ARRAY, renderGo, STRINGS } from './gofmt.js';

/**
 * One injected check. It gets a version's whole openAPIV3Schema (v1 JSON) and that schema's field
 * path as upstream names it (`spec.validation.openAPIV3Schema` when every version has the same
 * schema, else `spec.versions[i].schema.openAPIV3Schema`), walks the schema itself and returns
 * causes with full field paths. On update, `structural` is also called on the old object's schemas
 * with fldPath '' to learn whether they were structural (then the rules are not tightened).
 */
export type SchemaCheck = (schema: any, fldPath: string) => Cause[];
export interface SchemaCheckers {
  /** structural-schema rules (NewStructural + ValidateStructural); runs first */
  structural?: SchemaCheck;
  /** defaults: pruned, valid against their schema (structuraldefaulting.ValidateDefaults); only on a structural schema */
  defaults?: SchemaCheck;
  /** x-kubernetes-validations compilation and cost (cel.Compile); only when the schema is structural, its defaults valid and no other schema error was found */
  cel?: SchemaCheck;
}

export interface SchemaOptions {
  allowDefaults: boolean;
  requireValidPropertyType: boolean;
  requireStructuralSchema: boolean;
  requireAtomicSetType: boolean;
  requireMapListKeysMapSetValidation: boolean;
  checkers: SchemaCheckers;
  /** the emulated minor version (wording: 1.34 shortened some messages and renders values as JSON) */
  minor: number;
}

const OPENAPI_V3_TYPES = ['array', 'boolean', 'integer', 'number', 'object', 'string'];
const META_FIELDS = ['metadata', 'kind', 'apiVersion'];
const SUPPORTED_VALIDATION_REASONS = ['FieldValueDuplicate', 'FieldValueForbidden', 'FieldValueInvalid', 'FieldValueRequired'];
// allowedFieldsAtRootSchema (Go field names of JSONSchemaProps)
const ALLOWED_AT_ROOT = ['Description', 'Type', 'Format', 'Title', 'Maximum', 'ExclusiveMaximum', 'Minimum', 'ExclusiveMinimum', 'MaxLength', 'MinLength', 'Pattern', 'MaxItems', 'MinItems', 'UniqueItems', 'MultipleOf', 'Required', 'Items', 'Properties', 'ExternalDocs', 'Example', 'XPreserveUnknownFields', 'XValidations'];

const child = (p: string, c: string) => (p ? `${p}.${c}` : c);
const key = (p: string, k: string) => `${p}[${k}]`;
const index = (p: string, i: number) => `${p}[${i}]`;
const present = (v: unknown) => v !== undefined && v !== null;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const nonEmptyMap = (v: unknown) => isMap(v) && Object.keys(v).length > 0;
const nonEmptyList = (v: unknown) => Array.isArray(v) && v.length > 0;

/** `items` as JSONSchemaPropsOrArray: the single schema, or the list. */
function itemsOf(s: any): { schema?: any; list?: any[] } | undefined {
  if (!present(s.items)) return undefined;
  return Array.isArray(s.items) ? { list: s.items } : { schema: isMap(s.items) ? s.items : {} };
}

interface Ssv {
  allowDefaults: boolean;
  disallowDefaultsReason: string;
  insideResourceMeta: boolean;
  requireValidPropertyType: boolean;
}

/** specStandardValidatorV3.validate. */
function validateStandard(s: any, p: string, v: Ssv): Cause[] {
  const errs: Cause[] = [];
  const type = str(s.type);
  if (v.requireValidPropertyType && type && !OPENAPI_V3_TYPES.includes(type)) errs.push(notSupported(child(p, 'type'), type, OPENAPI_V3_TYPES));
  if (present(s.default) && !v.allowDefaults) errs.push(forbidden(child(p, 'default'), 'must not be set' + (v.disallowDefaultsReason ? ' ' + v.disallowDefaultsReason : '')));
  if (str(s.id)) errs.push(forbidden(child(p, 'id'), 'id is not supported'));
  if (present(s.additionalItems)) errs.push(forbidden(child(p, 'additionalItems'), 'additionalItems is not supported'));
  if (nonEmptyMap(s.patternProperties)) errs.push(forbidden(child(p, 'patternProperties'), 'patternProperties is not supported'));
  if (nonEmptyMap(s.definitions)) errs.push(forbidden(child(p, 'definitions'), 'definitions is not supported'));
  if (present(s.dependencies)) errs.push(forbidden(child(p, 'dependencies'), 'dependencies is not supported'));
  if (present(s.$ref)) errs.push(forbidden(child(p, '$ref'), '$ref is not supported'));
  if (type === 'null') errs.push(forbidden(child(p, 'type'), 'type cannot be set to null, use nullable as an alternative'));
  if (nonEmptyList(s.items)) errs.push(forbidden(child(p, 'items'), 'items must be a schema object and not an array'));
  if (v.insideResourceMeta && s['x-kubernetes-embedded-resource'] === true) errs.push(forbidden(child(p, 'x-kubernetes-embedded-resource'), 'must not be used inside of resource meta'));
  return errs;
}

function withForbiddenDefaults(v: Ssv, reason: string): Ssv {
  return { ...v, allowDefaults: false, disallowDefaultsReason: reason };
}

/** cel.ValidFieldPath over a (structural) schema: the schema the path reaches, or an error text. */
export function validFieldPath(jsonPath: string, schema: any, allowArrayNotation = true): { path: string[]; schema: any } | string {
  const tokens: string[] = [];
  for (let i = 0; i < jsonPath.length; ) {
    const c = jsonPath[i]!;
    if (c === "'") {
      let j = i + 1;
      while (j < jsonPath.length && !(jsonPath[j] === "'" && jsonPath[j - 1] !== '\\')) j++;
      tokens.push(jsonPath.slice(i, j + 1));
      i = j + 1;
    } else if (c === '.' || c === '[' || c === ']') {
      tokens.push(c);
      i++;
    } else {
      let j = i;
      while (j < jsonPath.length && !'.[]'.includes(jsonPath[j]!) && jsonPath[j] !== "'") j++;
      tokens.push(jsonPath.slice(i, j));
      i = j;
    }
  }
  const path: string[] = [];
  let cur = schema;
  const step = (name: string): string | undefined => {
    if (!isMap(cur)) return 'does not refer to a valid field';
    if (isMap(cur.properties)) {
      path.push(name);
      if (!isMap(cur.properties[name])) return 'does not refer to a valid field';
      cur = cur.properties[name];
    } else if (present(cur.additionalProperties)) {
      path.push(`[${name}]`);
      cur = isMap(cur.additionalProperties) ? cur.additionalProperties : undefined;
    } else return 'does not refer to a valid field';
    return undefined;
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok === '[') {
      if (!allowArrayNotation) return 'array notation is not allowed';
      const q = tokens[++i];
      if (q === undefined) return 'unexpected end of JSON path';
      if (q.length < 2 || q[0] !== "'" || q[q.length - 1] !== "'") return `expected single quoted string but got ${q}`;
      const e = step(q.slice(1, -1).replace(/\\'/g, "'").replace(/\\\\/g, '\\'));
      if (e) return e;
      const close = tokens[++i];
      if (close === undefined) return 'unexpected end of JSON path';
      if (close !== ']') return `expected ] but got ${close}`;
    } else if (tok === '.') {
      const name = tokens[++i];
      if (name === undefined) return 'unexpected end of JSON path';
      const e = step(name);
      if (e) return e;
    } else return `expected [ or . but got: ${tok}`;
  }
  return { path, schema: cur };
}

function validateMapListKeysMapSet(s: any, p: string): Cause[] {
  const errs: Cause[] = [];
  const items = itemsOf(s);
  if (!items?.schema) return errs;
  const listType = s['x-kubernetes-list-type'];
  if (listType !== 'set' && listType !== 'map') return errs;
  const is = items.schema;
  if (is.nullable === true) errs.push(forbidden(child(child(p, 'items'), 'nullable'), 'cannot be nullable when x-kubernetes-list-type is ' + listType));
  if (listType === 'map') {
    const req = new Set(Array.isArray(is.required) ? is.required : []);
    for (const k of Array.isArray(s['x-kubernetes-list-map-keys']) ? s['x-kubernetes-list-map-keys'] : []) {
      const prop = isMap(is.properties) ? is.properties[k] : undefined;
      if (!isMap(prop)) continue;
      const kp = key(child(child(p, 'items'), 'properties'), String(k));
      if (!req.has(k) && !present(prop.default))
        errs.push(required(child(kp, 'default'), 'this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property'));
      if (prop.nullable === true) errs.push(forbidden(child(kp, 'nullable'), 'this property is in x-kubernetes-list-map-keys, so it cannot be nullable'));
    }
  }
  return errs;
}

/** The x-kubernetes-validations checks that need no CEL (1.34 dropped the "message " / "fieldPath " lead of the details). */
function validateRules(s: any, p: string, minor: number): Cause[] {
  const lead = (what: string) => (minor <= 33 ? what + ' ' : '');
  const errs: Cause[] = [];
  const rules = Array.isArray(s['x-kubernetes-validations']) ? s['x-kubernetes-validations'] : [];
  rules.forEach((r: any, i: number) => {
    const rp = index(child(p, 'x-kubernetes-validations'), i);
    const rule = str(r?.rule);
    const message = str(r?.message);
    const messageExpression = str(r?.messageExpression);
    const fieldPath = str(r?.fieldPath);
    const nl = (x: string) => /[\n\r]/.test(x);
    if (rule.trim() === '') errs.push(required(child(rp, 'rule'), 'rule is not specified'));
    else if (message.length > 0 && message.trim() === '') errs.push(invalid(child(rp, 'message'), message, lead('message') + 'must be non-empty if specified'));
    else if (nl(message.trim())) errs.push(invalid(child(rp, 'message'), message, lead('message') + 'must not contain line breaks'));
    else if (nl(rule.trim()) && message.trim() === '') errs.push(required(child(rp, 'message'), 'message must be specified if rule contains line breaks'));
    if (messageExpression.length > 0 && messageExpression.trim() === '') errs.push(required(child(rp, 'messageExpression'), 'messageExpression must be non-empty if specified'));
    if (present(r?.reason) && !SUPPORTED_VALIDATION_REASONS.includes(r.reason)) errs.push(notSupported(child(rp, 'reason'), r.reason, SUPPORTED_VALIDATION_REASONS));
    if (fieldPath.length > 0 && fieldPath.trim() === '') errs.push(invalid(child(rp, 'fieldPath'), fieldPath, lead('fieldPath') + 'must be non-empty if specified'));
    if (nl(fieldPath)) errs.push(invalid(child(rp, 'fieldPath'), fieldPath, lead('fieldPath') + 'must not contain line breaks'));
    if (fieldPath.length > 0 && typeof validFieldPath(fieldPath, s) === 'string') errs.push(invalid(child(rp, 'fieldPath'), fieldPath, lead('fieldPath') + 'must be a valid path'));
  });
  return errs;
}

interface Frame {
  s: any;
  p: string;
  v: Ssv;
  isRoot: boolean;
  /** the node's own checks that follow its children's (upstream's order) */
  exit?: boolean;
}

/**
 * ValidateCustomResourceDefinitionOpenAPISchema (the schema errors; CEL runs afterwards): a node's
 * standard checks, its children's, then its x-kubernetes-* checks, as upstream orders them.
 * Iterative: schemas may nest as deep as a body may.
 */
export function validateOpenAPISchema(root: any, rootPath: string, rootSsv: Ssv, rootIsRoot: boolean, opts: SchemaOptions): Cause[] {
  const errs: Cause[] = [];
  const stack: Frame[] = [{ s: root, p: rootPath, v: rootSsv, isRoot: rootIsRoot }];
  while (stack.length) {
    const { s, p, v, isRoot, exit } = stack.pop()!;
    if (!isMap(s)) continue;
    if (exit) {
      errs.push(...validateKubernetesExtensions(s, p, opts));
      if (opts.requireMapListKeysMapSetValidation) errs.push(...validateMapListKeysMapSet(s, p));
      errs.push(...validateRules(s, p, opts.minor));
      continue;
    }
    errs.push(...validateStandard(s, p, v));
    if (s.uniqueItems === true) errs.push(forbidden(child(p, 'uniqueItems'), 'uniqueItems cannot be set to true since the runtime complexity becomes quadratic'));
    const children: Frame[] = [];
    if (present(s.additionalProperties)) {
      const ap = s.additionalProperties;
      if (nonEmptyMap(s.properties) && (ap === false || isMap(ap))) errs.push(forbidden(child(p, 'additionalProperties'), 'additionalProperties and properties are mutual exclusive'));
      const sub = v.insideResourceMeta ? withForbiddenDefaults(v, 'inside additionalProperties applying to object metadata') : v;
      if (isMap(ap)) children.push({ s: ap, p: child(p, 'additionalProperties'), v: sub, isRoot: false });
    }
    if (nonEmptyMap(s.properties)) {
      for (const name of Object.keys(s.properties).sort()) {
        let sub = v;
        if ((isRoot || s['x-kubernetes-embedded-resource'] === true) && META_FIELDS.includes(name)) {
          sub = { ...sub, insideResourceMeta: true };
          if (isRoot) sub = withForbiddenDefaults(sub, `in top-level ${name}`);
        }
        children.push({ s: s.properties[name], p: key(child(p, 'properties'), name), v: sub, isRoot: false });
      }
    }
    children.push({ s: s.not, p: child(p, 'not'), v, isRoot: false });
    for (const kw of ['allOf', 'oneOf', 'anyOf']) {
      if (Array.isArray(s[kw])) s[kw].forEach((x: unknown, i: number) => children.push({ s: x, p: index(child(p, kw), i), v, isRoot: false }));
    }
    if (nonEmptyMap(s.definitions)) {
      for (const name of Object.keys(s.definitions).sort()) children.push({ s: s.definitions[name], p: key(child(p, 'definitions'), name), v, isRoot: false });
    }
    const items = itemsOf(s);
    if (items?.schema) children.push({ s: items.schema, p: child(p, 'items'), v, isRoot: false });
    items?.list?.forEach((x, i) => children.push({ s: x, p: index(child(p, 'items'), i), v, isRoot: false }));
    if (isMap(s.dependencies)) {
      for (const name of Object.keys(s.dependencies).sort()) {
        const d = s.dependencies[name];
        if (isMap(d)) children.push({ s: d, p: key(child(p, 'dependencies'), name), v, isRoot: false });
      }
    }
    stack.push({ s, p, v, isRoot, exit: true });
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
  return errs;
}

function validateKubernetesExtensions(s: any, p: string, opts: SchemaOptions): Cause[] {
  const errs: Cause[] = [];
  const type = str(s.type);
  const mapType = s['x-kubernetes-map-type'];
  const listType = s['x-kubernetes-list-type'];
  const keys = s['x-kubernetes-list-map-keys'];
  if (s['x-kubernetes-preserve-unknown-fields'] === false) errs.push(invalid(child(p, 'x-kubernetes-preserve-unknown-fields'), false, 'must be true or undefined'));
  if (present(mapType) && type !== 'object') {
    if (!type) errs.push(required(child(p, 'type'), 'must be object if x-kubernetes-map-type is specified'));
    else errs.push(invalid(child(p, 'type'), type, 'must be object if x-kubernetes-map-type is specified'));
  }
  if (present(mapType) && mapType !== 'atomic' && mapType !== 'granular') errs.push(notSupported(child(p, 'x-kubernetes-map-type'), mapType, ['atomic', 'granular']));
  const items = itemsOf(s);
  if (present(listType) && type !== 'array') {
    if (!type) errs.push(required(child(p, 'type'), 'must be array if x-kubernetes-list-type is specified'));
    else errs.push(invalid(child(p, 'type'), type, 'must be array if x-kubernetes-list-type is specified'));
  } else if (opts.requireAtomicSetType && listType === 'set' && items?.schema) {
    const is = items.schema;
    // upstream renders the item's x-kubernetes-list-type in both messages (a nil pointer: "null"
    // up to 1.33, which dereferenced it to the string "null"; null from 1.34)
    const lt = is['x-kubernetes-list-type'];
    const shown = present(lt) ? JSON.stringify(String(lt)) : opts.minor <= 33 ? '"null"' : 'null';
    const atomic = 'must be atomic as item of a list with x-kubernetes-list-type=set';
    if (is.type === 'array' && present(lt) && lt !== 'atomic') errs.push(goInvalid(child(child(p, 'items'), 'x-kubernetes-list-type'), shown, atomic));
    if (is.type === 'object' && is['x-kubernetes-map-type'] !== 'atomic') errs.push(goInvalid(child(child(p, 'items'), 'x-kubernetes-map-type'), shown, atomic));
  }
  if (present(listType) && !['atomic', 'set', 'map'].includes(String(listType))) errs.push(notSupported(child(p, 'x-kubernetes-list-type'), listType, ['atomic', 'set', 'map']));
  if (nonEmptyList(keys)) {
    if (!present(listType)) errs.push(required(child(p, 'x-kubernetes-list-type'), 'must be map if x-kubernetes-list-map-keys is non-empty'));
    else if (listType !== 'map') errs.push(invalid(child(p, 'x-kubernetes-list-type'), listType, 'must be map if x-kubernetes-list-map-keys is non-empty'));
  }
  if (listType === 'map') {
    if (!nonEmptyList(keys)) errs.push(required(child(p, 'x-kubernetes-list-map-keys'), 'must not be empty if x-kubernetes-list-type is map'));
    if (!items) errs.push(required(child(p, 'items'), 'must have a schema if x-kubernetes-list-type is map'));
    if (items && !items.schema)
      errs.push({ ...invalid(child(p, 'items'), '', 'must only have a single schema if x-kubernetes-list-type is map'), message: `Invalid value: ${renderGo(JSON_SCHEMA_PROPS_OR_ARRAY, itemsValue(s.items), opts.minor)}: must only have a single schema if x-kubernetes-list-type is map` });
    if (items?.schema && items.schema.type !== 'object') errs.push(invalid(child(child(p, 'items'), 'type'), str(items.schema.type), "must be object if parent array's x-kubernetes-list-type is map"));
    if (items?.schema && items.schema.type === 'object') {
      const seen = new Set<string>();
      const keysText = renderGo(STRINGS, keys, opts.minor);
      for (const k of Array.isArray(keys) ? keys : []) {
        const prop = isMap(items.schema.properties) ? items.schema.properties[k] : undefined;
        if (isMap(prop)) {
          if (prop.type === 'array' || prop.type === 'object')
            errs.push(invalid(child(key(child(child(p, 'items'), 'properties'), String(k)), 'type'), str(items.schema.type), "must be a scalar type if parent array's x-kubernetes-list-type is map"));
        } else errs.push(goInvalid(child(p, 'x-kubernetes-list-map-keys'), keysText, 'entries must all be names of item properties'));
        if (seen.has(k)) errs.push(goInvalid(child(p, 'x-kubernetes-list-map-keys'), keysText, 'must not contain duplicate entries'));
        seen.add(k);
      }
    }
  }
  return errs;
}

/** An Invalid cause whose value is already rendered (Go %#v). */
export function goInvalid(field: string, rendered: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${rendered}${detail ? ': ' + detail : ''}`, field };
}

/** validateCustomResourceDefinitionValidation: one CustomResourceValidation (`schema`, or the hoisted `validation`). */
export function validateCustomResourceValidation(validation: unknown, statusEnabled: boolean, opts: SchemaOptions, p: string): Cause[] {
  if (!isMap(validation)) return [];
  const schema = validation.openAPIV3Schema;
  if (!isMap(schema)) return [];
  const errs: Cause[] = [];
  const sp = child(p, 'openAPIV3Schema');
  if (statusEnabled) {
    // only certain fields at the root if the status subresource is enabled (non-zero fields, in Go field order)
    const fields = (JSON_SCHEMA_PROPS as { fields: [string, string, unknown][] }).fields;
    for (const [goName, jsonName] of fields) {
      const val = schema[jsonName];
      if (!present(val) || val === false || val === '' || (goName === 'XEmbeddedResource' && val !== true)) continue;
      if (goName === 'Type') {
        if (val !== 'object') {
          errs.push(invalid(child(sp, 'type'), val, 'only "object" is allowed as the type at the root of the schema if the status subresource is enabled'));
          break;
        }
        continue;
      }
      if (!ALLOWED_AT_ROOT.includes(goName)) {
        errs.push(goInvalid(sp, renderGo(JSON_SCHEMA_PROPS, schema, opts.minor), `only [${ALLOWED_AT_ROOT.join(' ')}] fields are allowed at the root of the schema if the status subresource is enabled`));
        break;
      }
    }
  }
  if (schema.nullable === true) errs.push(forbidden(child(sp, 'nullable'), 'nullable cannot be true at the root'));
  const ssv: Ssv = { allowDefaults: opts.allowDefaults, disallowDefaultsReason: '', insideResourceMeta: false, requireValidPropertyType: opts.requireValidPropertyType };
  // validation.go: the generic schema rules first, then the structural ones; NewStructural's own
  // error (`openAPIV3Schema: Invalid value: ""`) is hidden when the generic rules found something
  const schemaErrs = validateOpenAPISchema(schema, sp, ssv, true, opts);
  errs.push(...schemaErrs);
  let structuralOK = false;
  if (opts.requireStructuralSchema) {
    let structural = opts.checkers.structural?.(schema, sp) ?? [];
    if (schemaErrs.length) structural = structural.filter((c) => !(c.field === sp && c.message.startsWith('Invalid value: "": ')));
    if (structural.length) errs.push(...structural);
    else if (!schemaErrs.length || !(opts.checkers.structural?.(schema, sp) ?? []).length) {
      const defaults = opts.checkers.defaults?.(schema, sp) ?? [];
      if (defaults.length) errs.push(...defaults);
      else structuralOK = true;
    }
  }
  // CEL rules are compiled only where the schema is otherwise valid (upstream: per node, when
  // no schema error was found at or under it, and the structural schema could be built)
  if (structuralOK && schemaErrs.length === 0 && opts.checkers.cel) errs.push(...opts.checkers.cel(schema, sp));
  return errs;
}

/** Whether any schema node satisfies pred (SchemaHas). Iterative: schemas may nest as deep as a body may. */
export function schemaHas(root: unknown, pred: (s: any) => boolean): boolean {
  const stack: unknown[] = [root];
  while (stack.length) {
    const s = stack.pop();
    if (!isMap(s)) continue;
    if (pred(s)) return true;
    if (Array.isArray(s.items)) stack.push(...s.items);
    else stack.push(s.items);
    for (const kw of ['allOf', 'anyOf', 'oneOf']) if (Array.isArray(s[kw])) stack.push(...s[kw]);
    stack.push(s.not, s.additionalProperties, s.additionalItems);
    for (const kw of ['properties', 'patternProperties', 'definitions', 'dependencies']) if (isMap(s[kw])) stack.push(...Object.values(s[kw]));
  }
  return false;
}

export function schemaHasKubernetesExtensions(s: unknown): boolean {
  return schemaHas(s, (x) => x['x-kubernetes-embedded-resource'] === true || present(x['x-kubernetes-preserve-unknown-fields']) || x['x-kubernetes-int-or-string'] === true || nonEmptyList(x['x-kubernetes-list-map-keys']) || present(x['x-kubernetes-list-type']) || nonEmptyList(x['x-kubernetes-validations']));
}

export function schemaHasDefaults(s: unknown): boolean {
  return schemaHas(s, (x) => present(x.default));
}

export function schemaHasInvalidTypes(s: unknown): boolean {
  return schemaHas(s, (x) => typeof x.type === 'string' && x.type !== '' && !OPENAPI_V3_TYPES.includes(x.type));
}

/** hasNonAtomicSetType. */
export function schemaHasNonAtomicSetType(s: unknown): boolean {
  return schemaHas(s, (x) => {
    const is = itemsOf(x)?.schema;
    if (x['x-kubernetes-list-type'] !== 'set' || !is) return false;
    if (is.type === 'array') return present(is['x-kubernetes-list-type']) && is['x-kubernetes-list-type'] !== 'atomic';
    if (is.type === 'object') return is['x-kubernetes-map-type'] !== 'atomic';
    return false;
  });
}

/** hasInvalidMapListKeysMapSet. */
export function schemaHasInvalidMapListKeysMapSet(s: unknown): boolean {
  return schemaHas(s, (x) => validateMapListKeysMapSet(x, '').length > 0);
}
