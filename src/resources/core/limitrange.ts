// core/v1 LimitRange: SetDefaults_LimitRangeItem (pkg/apis/core/v1/defaults.go) and
// ValidateLimitRange (pkg/apis/core/validation/validation.go).
import type { Cause, KObject, ResourceDef } from '../types.js';
import { invalid, required, forbidden } from '../../registry/validation.js';
import { canonicalizeResourceList, compareQuantity, parseQuantity } from '../quantity.js';
import { validateResourceName, validateResourceQuantityValue } from '../podspec-validation.js';
import { defaultPrinter } from '../../printers/core.js';
import { installLimitRanger } from './limitrange-admission.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const LISTS = ['max', 'min', 'default', 'defaultRequest', 'maxLimitRequestRatio'] as const;

function defaultItem(item: KObject): void {
  for (const k of LISTS) canonicalizeResourceList(item[k]);
  if (item.type !== 'Container') return;
  const def = isObj(item.default) ? item.default : (item.default = {});
  const req = isObj(item.defaultRequest) ? item.defaultRequest : (item.defaultRequest = {});
  for (const [k, v] of Object.entries(isObj(item.max) ? item.max : {})) if (!(k in def)) def[k] = v;
  for (const [k, v] of Object.entries(def)) if (!(k in req)) req[k] = v;
  for (const [k, v] of Object.entries(isObj(item.min) ? item.min : {})) if (!(k in req)) req[k] = v;
}

const canon = (v: unknown) => parseQuantity(v as string)?.canonical ?? String(v);

function validateLimitRange(lr: KObject): Cause[] {
  const errs: Cause[] = [];
  arr(lr.spec?.limits).forEach((item, i) => {
    if (!isObj(item)) return;
    const p = `spec.limits[${i}]`;
    if (!item.type) errs.push(required(`${p}.type`));
    for (const k of LISTS) {
      const rl = item[k];
      if (!isObj(rl)) continue;
      for (const [r, v] of Object.entries(rl)) {
        errs.push(...validateResourceName(r, `${p}.${k}[${r}]`));
        errs.push(...validateResourceQuantityValue(r, v, `${p}.${k}[${r}]`));
      }
    }
    if (item.type === 'Pod') {
      if (isObj(item.default) && Object.keys(item.default).length) errs.push(forbidden(`${p}.default`, "may not be specified when `type` is 'Pod'"));
      if (isObj(item.defaultRequest) && Object.keys(item.defaultRequest).length)
        errs.push(forbidden(`${p}.defaultRequest`, "may not be specified when `type` is 'Pod'"));
    }
    const get = (k: string, r: string) => (isObj(item[k]) && item[k][r] !== undefined && parseQuantity(item[k][r]) ? item[k][r] : undefined);
    const names = new Set<string>(LISTS.filter((k) => k !== 'maxLimitRequestRatio').flatMap((k) => (isObj(item[k]) ? Object.keys(item[k]) : [])));
    for (const r of names) {
      const min = get('min', r), max = get('max', r), def = get('default', r), req = get('defaultRequest', r);
      const gt = (a: unknown, b: unknown) => a !== undefined && b !== undefined && compareQuantity(a as string, b as string) > 0;
      if (gt(min, max)) errs.push(invalid(`${p}.min[${r}]`, canon(min), `min value ${canon(min)} is greater than max value ${canon(max)}`));
      if (gt(min, req)) errs.push(invalid(`${p}.defaultRequest[${r}]`, canon(req), `min value ${canon(min)} is greater than default request value ${canon(req)}`));
      if (gt(req, max)) errs.push(invalid(`${p}.defaultRequest[${r}]`, canon(req), `default request value ${canon(req)} is greater than max value ${canon(max)}`));
      if (gt(req, def)) errs.push(invalid(`${p}.defaultRequest[${r}]`, canon(req), `default request value ${canon(req)} is greater than default limit value ${canon(def)}`));
      if (gt(min, def)) errs.push(invalid(`${p}.default[${r}]`, canon(def), `min value ${canon(min)} is greater than default value ${canon(def)}`));
      if (gt(def, max)) errs.push(invalid(`${p}.default[${r}]`, canon(def), `default value ${canon(def)} is greater than max value ${canon(max)}`));
    }
  });
  return errs;
}

export const limitRangeDef: ResourceDef = {
  group: '',
  version: 'v1',
  kind: 'LimitRange',
  listKind: 'LimitRangeList',
  plural: 'limitranges',
  singular: 'limitrange',
  namespaced: true,
  shortNames: ['limits'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [],
  definition: 'io.k8s.api.core.v1.LimitRange',
  table: defaultPrinter,
  defaults(obj) {
    for (const item of arr(obj.spec?.limits).filter(isObj)) defaultItem(item);
  },
  validate: validateLimitRange,
  validateUpdate: (n) => validateLimitRange(n),
  generationChanged: () => false,
  // the LimitRanger admission plugin on pods and claims
  install: (registry) => installLimitRanger(registry),
};
