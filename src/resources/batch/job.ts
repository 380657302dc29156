// Job (batch/v1): pkg/apis/batch/v1/defaults.go (SetDefaults_Job, SetDefaults_PodFailurePolicyOnPodConditionsPattern),
// pkg/registry/batch/job/strategy.go (generated selector, status reset, warnings, status validation options with
// JobManagedBy on), pkg/apis/batch/validation/validation.go (ValidateJob*, 1.33 wording) and
// pkg/printers/internalversion/printers.go printJob.
import { goStringMap, goLabelSelector, invalidRendered } from '../goformat.js';
import { semantic } from '../../util/equal.js';
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { deepEqual, duplicate, invalid, isDNS1123Label, isQualifiedName, notSupported, required, tooLong, renderValue } from '../../registry/validation.js';
import { defaultPodTemplateSpec, validatePodTemplateSpec, POD_VALUE_FIELDS } from '../podspec.js';
import { labelSelectorMatches, selectorString, validateLabelSelector } from '../labelselector.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, humanDuration, layoutContainerCells, parseTime } from '../../printers/format.js';
import { formatLabelSelector } from '../../printers/networking.js';

export const LEGACY_JOB_NAME_LABEL = 'job-name';
export const JOB_NAME_LABEL = 'batch.kubernetes.io/job-name';
export const LEGACY_CONTROLLER_UID_LABEL = 'controller-uid';
export const CONTROLLER_UID_LABEL = 'batch.kubernetes.io/controller-uid';

const MAX_INT32 = 2147483647;
const MAX_PARALLELISM_INDEXED = 100000;
const MAX_FAILED_INDEXES = 100_000;
const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;
const MAX_FAILED_INDEXES_HIGH_COMPLETIONS = 10_000;
const MAX_PFP_RULES = 20;
const MAX_PFP_EXIT_CODES = 255;
const MAX_PFP_CONDITIONS = 20;
const MAX_MANAGED_BY = 63;
const MAX_SUCCEEDED_INDEXES = 64 * 1024;
const MAX_SUCCESS_RULES = 20;
const NONNEGATIVE = 'must be greater than or equal to 0';

const PFP_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const PFP_OPERATORS = ['In', 'NotIn'];
const PFP_STATUSES = ['False', 'True', 'Unknown'];

function isMap(v: unknown): v is Record<string, any> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}
const set = (v: unknown): boolean => v !== undefined && v !== null;
const num = (v: unknown): number => (typeof v === 'number' ? v : 0);

/** field.Invalid with field.OmitValueType: no value in the message. */
function invalidOmit(field: string, detail: string): Cause {
  return { reason: 'FieldValueInvalid', message: `Invalid value: ${detail}`, field };
}
function tooMany(field: string, actual: number, max: number): Cause {
  return { reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field };
}
function nonNegative(v: unknown, field: string): Cause[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, NONNEGATIVE)] : [];
}
/** Go's %q of a []string (sets.List of the supported values): ["a" "b"]. */
function goQuotedList(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
}

/** SetDefaults_Job (1.33: JobPodReplacementPolicy and JobBackoffLimitPerIndex on) + the generated walk. */
export function defaultJob(obj: KObject): void {
  if (!isMap(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!set(spec.completions) && !set(spec.parallelism)) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  if (!set(spec.parallelism)) spec.parallelism = 1;
  if (!set(spec.backoffLimit)) spec.backoffLimit = set(spec.backoffLimitPerIndex) ? MAX_INT32 : 6;
  if (!isMap(spec.template)) spec.template = {};
  if (!isMap(spec.template.metadata)) spec.template.metadata = {};
  const tplLabels = spec.template.metadata.labels;
  if (!isMap(obj.metadata)) obj.metadata = {};
  if (isMap(tplLabels) && !(isMap(obj.metadata.labels) && Object.keys(obj.metadata.labels).length)) obj.metadata.labels = { ...tplLabels };
  if (!spec.completionMode) spec.completionMode = 'NonIndexed';
  if (!set(spec.suspend)) spec.suspend = false;
  if (isMap(spec.podFailurePolicy) && Array.isArray(spec.podFailurePolicy.rules))
    for (const r of spec.podFailurePolicy.rules)
      if (isMap(r) && Array.isArray(r.onPodConditions)) for (const p of r.onPodConditions) if (isMap(p) && !p.status) p.status = 'True';
  if (!set(spec.podReplacementPolicy)) spec.podReplacementPolicy = isMap(spec.podFailurePolicy) ? 'Failed' : 'TerminatingOrFailed';
  if (!set(spec.manualSelector)) spec.manualSelector = false;
  // a zero metav1.Time is serialized as null
  if (spec.template.metadata.creationTimestamp === undefined) spec.template.metadata.creationTimestamp = null;
  if (!isMap(spec.template.spec)) spec.template.spec = {};
  defaultPodTemplateSpec(spec.template);
  if (!isMap(obj.status)) obj.status = {};
}

/** generateSelector: the job-name and controller-uid labels (legacy and batch.kubernetes.io/) and the selector. */
export function generateSelector(obj: KObject): void {
  const spec = obj.spec;
  const meta = spec.template.metadata;
  if (!isMap(meta.labels)) meta.labels = {};
  for (const k of [LEGACY_JOB_NAME_LABEL, JOB_NAME_LABEL]) if (!(k in meta.labels)) meta.labels[k] = String(obj.metadata?.name ?? '');
  for (const k of [LEGACY_CONTROLLER_UID_LABEL, CONTROLLER_UID_LABEL]) if (!(k in meta.labels)) meta.labels[k] = String(obj.metadata?.uid ?? '');
  if (!isMap(spec.selector)) spec.selector = {};
  if (!isMap(spec.selector.matchLabels)) spec.selector.matchLabels = {};
  if (!(CONTROLLER_UID_LABEL in spec.selector.matchLabels)) spec.selector.matchLabels[CONTROLLER_UID_LABEL] = String(obj.metadata?.uid ?? '');
}

/** ValidateHasLabel. */
function validateHasLabel(labels: unknown, path: string, key: string, want: string): Cause[] {
  const l: Record<string, string> = isMap(labels) ? labels : {};
  if (!(key in l)) return [required(`${path}.labels[${key}]`, want)];
  if (l[key] !== want) return [invalidRendered(`${path}.labels[${key}]`, goStringMap(labels), `must be '${want}'`)];
  return [];
}

/** validateGeneratedSelector. */
function validateGeneratedSelector(obj: KObject, prefixed: boolean): Cause[] {
  const spec = obj.spec ?? {};
  if (spec.manualSelector === true) return [];
  if (!set(spec.selector)) return [];
  const causes: Cause[] = [];
  const uid = String(obj.metadata?.uid ?? '');
  const name = String(obj.metadata?.name ?? '');
  if (!uid) causes.push(required('metadata.uid'));
  const labels = spec.template?.metadata?.labels;
  const p = 'spec.template.metadata';
  causes.push(...validateHasLabel(labels, p, LEGACY_CONTROLLER_UID_LABEL, uid), ...validateHasLabel(labels, p, LEGACY_JOB_NAME_LABEL, name));
  const expected: Record<string, string> = {};
  if (prefixed) {
    causes.push(...validateHasLabel(labels, p, CONTROLLER_UID_LABEL, uid), ...validateHasLabel(labels, p, JOB_NAME_LABEL, name));
    expected[CONTROLLER_UID_LABEL] = uid;
    expected[JOB_NAME_LABEL] = name;
  }
  expected[LEGACY_CONTROLLER_UID_LABEL] = uid;
  expected[LEGACY_JOB_NAME_LABEL] = name;
  if (selectorString(spec.selector) !== undefined && !labelSelectorMatches(spec.selector, expected))
    causes.push(invalidRendered('spec.selector', goLabelSelector(spec.selector), '`selector` not auto-generated'));
  return causes;
}

/** parseIndexInterval / validateIndexesFormat: the number of indexes, or the error text. */
export function validateIndexesFormat(s: string, completions: number): { total: number } | { error: string } {
  if (s.length === 0) return { total: 0 };
  let last: number | undefined;
  let total = 0;
  for (const interval of s.split(',')) {
    const r = parseIndexInterval(interval, completions);
    if ('error' in r) return r;
    if (last !== undefined && last >= r.x) return { error: `non-increasing order, previous: ${last}, current: ${r.x}` };
    total += r.y - r.x + 1;
    last = r.y;
  }
  return { total };
}

function atoi(s: string): number | undefined {
  return /^[+-]?\d+$/.test(s) ? parseInt(s, 10) : undefined;
}

function parseIndexInterval(s: string, completions: number): { x: number; y: number } | { error: string } {
  const parts = s.split('-');
  if (parts.length > 2) return { error: `the fragment ${JSON.stringify(s)} violates the requirement that an index interval can have at most two parts separated by '-'` };
  const x = atoi(parts[0]);
  if (x === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(parts[0])}` };
  if (x >= completions) return { error: `too large index: ${JSON.stringify(parts[0])}` };
  if (parts.length > 1) {
    const y = atoi(parts[1]);
    if (y === undefined) return { error: `cannot convert string to integer for index: ${JSON.stringify(parts[1])}` };
    if (y >= completions) return { error: `too large index: ${JSON.stringify(parts[1])}` };
    if (x >= y) return { error: `non-increasing order, previous: ${x}, current: ${y}` };
    return { x, y };
  }
  return { x, y: x };
}

function validatePodFailurePolicy(spec: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  const rules: unknown[] = Array.isArray(spec.podFailurePolicy.rules) ? spec.podFailurePolicy.rules : [];
  const rulesPath = `${path}.rules`;
  if (rules.length > MAX_PFP_RULES) causes.push(tooMany(rulesPath, rules.length, MAX_PFP_RULES));
  const tspec: KObject = isMap(spec.template?.spec) ? spec.template.spec : {};
  const names = new Set<string>();
  for (const c of [...(Array.isArray(tspec.containers) ? tspec.containers : []), ...(Array.isArray(tspec.initContainers) ? tspec.initContainers : [])]) if (isMap(c)) names.add(String(c.name ?? ''));
  rules.forEach((r, i) => {
    const rule: KObject = isMap(r) ? r : {};
    const rp = `${rulesPath}[${i}]`;
    const action = rule.action ?? '';
    if (action === '') causes.push(required(`${rp}.action`, `valid values: ${goQuotedList(PFP_ACTIONS)}`));
    else if (action === 'FailIndex') {
      if (!set(spec.backoffLimitPerIndex)) causes.push(invalid(`${rp}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    } else if (!PFP_ACTIONS.includes(action)) causes.push(notSupported(`${rp}.action`, action, PFP_ACTIONS));
    const onExit = rule.onExitCodes;
    const onConds: unknown[] = Array.isArray(rule.onPodConditions) ? rule.onPodConditions : [];
    if (set(onExit)) {
      const ep = `${rp}.onExitCodes`;
      const e: KObject = isMap(onExit) ? onExit : {};
      const op = e.operator ?? '';
      if (op === '') causes.push(required(`${ep}.operator`, `valid values: ${goQuotedList(PFP_OPERATORS)}`));
      else if (!PFP_OPERATORS.includes(op)) causes.push(notSupported(`${ep}.operator`, op, PFP_OPERATORS));
      if (set(e.containerName) && !names.has(e.containerName)) causes.push(invalid(`${ep}.containerName`, e.containerName, 'must be one of the container or initContainer names in the pod template'));
      const values: number[] = Array.isArray(e.values) ? e.values : [];
      if (values.length === 0) causes.push(invalidRendered(`${ep}.values`, `[]int32${values.length || Array.isArray(e.values) ? '{}' : '(nil)'}`, 'at least one value is required'));
      else if (values.length > MAX_PFP_EXIT_CODES) causes.push(tooMany(`${ep}.values`, values.length, MAX_PFP_EXIT_CODES));
      let ordered = true;
      const seen = new Set<number>();
      values.forEach((v, j) => {
        const vp = `${ep}.values[${j}]`;
        if (op === 'In' && v === 0) causes.push(invalid(vp, v, 'must not be 0 for the In operator'));
        if (seen.has(v)) causes.push(duplicate(vp, v));
        else seen.add(v);
        if (j > 0 && values[j - 1] > v) ordered = false;
      });
      if (!ordered) causes.push(invalidRendered(`${ep}.values`, `[]int32{${values.join(', ')}}`, 'must be ordered'));
    }
    if (onConds.length > 0) {
      const cp = `${rp}.onPodConditions`;
      if (onConds.length > MAX_PFP_CONDITIONS) causes.push(tooMany(cp, onConds.length, MAX_PFP_CONDITIONS));
      onConds.forEach((c, j) => {
        const pat: KObject = isMap(c) ? c : {};
        const pp = `${cp}[${j}]`;
        const type = String(pat.type ?? '');
        for (const m of qualifiedNameErrors(type)) causes.push(invalid(`${pp}.type`, type, m));
        const st = pat.status ?? '';
        if (st === '') causes.push(required(`${pp}.status`, `valid values: ${goQuotedList(PFP_STATUSES)}`));
        else if (!PFP_STATUSES.includes(st)) causes.push(notSupported(`${pp}.status`, st, PFP_STATUSES));
      });
    }
    if (set(onExit) && onConds.length > 0) causes.push(invalidOmit(rp, 'specifying both OnExitCodes and OnPodConditions is not supported'));
    if (!set(onExit) && onConds.length === 0) causes.push(invalidOmit(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
  });
  return causes;
}

function qualifiedNameErrors(v: string): string[] {
  return isQualifiedName(v);
}

function validateSuccessPolicy(spec: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  const rules: unknown[] = Array.isArray(spec.successPolicy.rules) ? spec.successPolicy.rules : [];
  const rulesPath = `${path}.rules`;
  if (rules.length === 0) causes.push(required(rulesPath, 'at least one rules must be specified when the successPolicy is specified'));
  if (rules.length > MAX_SUCCESS_RULES) causes.push(tooMany(rulesPath, rules.length, MAX_SUCCESS_RULES));
  const completions = num(spec.completions);
  rules.forEach((r, i) => {
    const rule: KObject = isMap(r) ? r : {};
    const rp = `${rulesPath}[${i}]`;
    if (!set(rule.succeededCount) && !set(rule.succeededIndexes)) causes.push(required(rp, 'at least one of succeededCount or succeededIndexes must be specified'));
    let total = 0;
    if (set(rule.succeededIndexes)) {
      const s = String(rule.succeededIndexes);
      if (s.length > MAX_SUCCEEDED_INDEXES) causes.push(tooLong(`${rp}.succeededIndexes`, s, MAX_SUCCEEDED_INDEXES));
      const v = validateIndexesFormat(s, completions);
      if ('error' in v) causes.push(invalid(`${rp}.succeededIndexes`, s, `error parsing succeededIndexes: ${v.error}`));
      else total = v.total;
    }
    if (set(rule.succeededCount)) {
      const cp = `${rp}.succeededCount`;
      causes.push(...nonNegative(rule.succeededCount, cp));
      if (rule.succeededCount > completions) causes.push(invalid(cp, rule.succeededCount, `must be less than or equal to ${completions} (the number of specified completions)`));
      if (set(rule.succeededIndexes) && rule.succeededCount > total)
        causes.push(invalid(cp, rule.succeededCount, `must be less than or equal to ${total} (the number of indexes in the specified succeededIndexes field)`));
    }
  });
  return causes;
}

/** validateJobSpec (also the CronJob's jobTemplate.spec, at `path`). */
export function validateJobSpecFields(spec: KObject, path: string): Cause[] {
  const causes: Cause[] = [];
  for (const k of ['parallelism', 'completions', 'activeDeadlineSeconds', 'backoffLimit', 'ttlSecondsAfterFinished', 'backoffLimitPerIndex'])
    causes.push(...nonNegative(spec[k], `${path}.${k}`));
  if (set(spec.maxFailedIndexes)) {
    causes.push(...nonNegative(spec.maxFailedIndexes, `${path}.maxFailedIndexes`));
    if (!set(spec.backoffLimitPerIndex)) causes.push(required(`${path}.backoffLimitPerIndex`, 'when maxFailedIndexes is specified'));
  }
  if (set(spec.managedBy)) {
    const mb = String(spec.managedBy);
    causes.push(...domainPrefixedPath(`${path}.managedBy`, mb));
    if (mb.length > MAX_MANAGED_BY) causes.push({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${MAX_MANAGED_BY} bytes`, field: `${path}.managedBy` });
  }
  const mode = spec.completionMode;
  if (set(mode)) {
    if (mode !== 'NonIndexed' && mode !== 'Indexed') causes.push(notSupported(`${path}.completionMode`, mode, ['NonIndexed', 'Indexed']));
    if (mode === 'Indexed') {
      if (!set(spec.completions)) causes.push(required(`${path}.completions`, 'when completion mode is Indexed'));
      if (set(spec.parallelism) && spec.parallelism > MAX_PARALLELISM_INDEXED)
        causes.push(invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${MAX_PARALLELISM_INDEXED} when completion mode is Indexed`));
      if (set(spec.completions) && set(spec.maxFailedIndexes) && spec.maxFailedIndexes > spec.completions)
        causes.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'must be less than or equal to completions'));
      if (set(spec.maxFailedIndexes) && spec.maxFailedIndexes > MAX_FAILED_INDEXES)
        causes.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, `must be less than or equal to ${MAX_FAILED_INDEXES}`));
      if (set(spec.completions) && spec.completions > COMPLETIONS_SOFT_LIMIT && set(spec.backoffLimitPerIndex)) {
        if (!set(spec.maxFailedIndexes)) causes.push(required(`${path}.maxFailedIndexes`, `must be specified when completions is above ${COMPLETIONS_SOFT_LIMIT}`));
        if (set(spec.parallelism) && spec.parallelism > PARALLELISM_LIMIT_HIGH_COMPLETIONS)
          causes.push(
            invalid(`${path}.parallelism`, spec.parallelism, `must be less than or equal to ${PARALLELISM_LIMIT_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`),
          );
        if (set(spec.maxFailedIndexes) && spec.maxFailedIndexes > MAX_FAILED_INDEXES_HIGH_COMPLETIONS)
          causes.push(
            invalid(
              `${path}.maxFailedIndexes`,
              spec.maxFailedIndexes,
              `must be less than or equal to ${MAX_FAILED_INDEXES_HIGH_COMPLETIONS} when completions are above ${COMPLETIONS_SOFT_LIMIT} and used with backoff limit per index`,
            ),
          );
      }
    }
  }
  if (!set(mode) || mode === 'NonIndexed') {
    if (set(spec.backoffLimitPerIndex)) causes.push(invalid(`${path}.backoffLimitPerIndex`, spec.backoffLimitPerIndex, 'requires indexed completion mode'));
    if (set(spec.maxFailedIndexes)) causes.push(invalid(`${path}.maxFailedIndexes`, spec.maxFailedIndexes, 'requires indexed completion mode'));
  }
  if (isMap(spec.podFailurePolicy)) causes.push(...validatePodFailurePolicy(spec, `${path}.podFailurePolicy`));
  if (isMap(spec.successPolicy)) {
    if ((mode ?? 'NonIndexed') !== 'Indexed') causes.push(invalidRendered(`${path}.successPolicy`, goSuccessPolicy(spec.successPolicy), 'requires indexed completion mode'));
    else causes.push(...validateSuccessPolicy(spec, `${path}.successPolicy`));
  }
  if (set(spec.podReplacementPolicy)) {
    const prp = spec.podReplacementPolicy;
    if (isMap(spec.podFailurePolicy)) {
      if (prp !== 'Failed') causes.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed']));
    } else if (prp !== 'Failed' && prp !== 'TerminatingOrFailed') causes.push(notSupported(`${path}.podReplacementPolicy`, prp, ['Failed', 'TerminatingOrFailed']));
  }
  causes.push(...validatePodTemplateSpec(spec.template, `${path}.template`));
  const rp = isMap(spec.template?.spec) ? (spec.template.spec.restartPolicy ?? '') : '';
  if (rp === 'Always' || rp === '') causes.push(required(`${path}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  else if (rp !== 'OnFailure' && rp !== 'Never') causes.push(notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
  else if (isMap(spec.podFailurePolicy) && rp !== 'Never') causes.push(invalid(`${path}.template.spec.restartPolicy`, rp, 'only "Never" is supported when podFailurePolicy is specified'));
  return causes;
}

function goSuccessPolicy(sp: KObject): string {
  const rules: unknown[] = Array.isArray(sp.rules) ? sp.rules : [];
  const r = rules.map((x) => {
    const rule: KObject = isMap(x) ? x : {};
    const idx = set(rule.succeededIndexes) ? `(*string)(${JSON.stringify(String(rule.succeededIndexes))})` : '(*string)(nil)';
    const cnt = set(rule.succeededCount) ? `(*int32)(${rule.succeededCount})` : '(*int32)(nil)';
    return `batch.SuccessPolicyRule{SucceededIndexes:${idx}, SucceededCount:${cnt}}`;
  });
  return `batch.SuccessPolicy{Rules:[]batch.SuccessPolicyRule${rules.length || Array.isArray(sp.rules) ? `{${r.join(', ')}}` : '(nil)'}}`;
}

/** IsDomainPrefixedPath. */
function domainPrefixedPath(field: string, v: string): Cause[] {
  const i = v.indexOf('/');
  if (i < 0) return [invalid(field, v, 'must be a domain-prefixed path (such as "acme.io/foo")')];
  const host = v.slice(0, i);
  const path = v.slice(i + 1);
  const causes: Cause[] = [];
  const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
  if (!DNS1123_SUBDOMAIN.test(host) || host.length > 253)
    causes.push(
      invalid(
        field,
        host,
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      ),
    );
  if (!/^[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/.test(path))
    causes.push(invalid(field, path, "Invalid path: must consist of characters A-Za-z0-9/-._~%!$&'()*+,;=:"));
  return causes;
}

/** ValidateJobSpec: validateJobSpec + selector required and matching the template labels. */
export function validateJobSpec(spec: KObject, path = 'spec'): Cause[] {
  const causes = validateJobSpecFields(spec, path);
  if (!set(spec.selector)) causes.push(required(`${path}.selector`));
  else causes.push(...validateLabelSelector(spec.selector, `${path}.selector`));
  const labels = isMap(spec.template?.metadata?.labels) ? spec.template.metadata.labels : {};
  // a nil selector is labels.Nothing()
  if (selectorString(spec.selector ?? null) !== undefined && !(set(spec.selector) ? labelSelectorMatches(spec.selector, labels) : false))
    causes.push(invalidRendered(`${path}.template.metadata.labels`, goStringMap(spec.template?.metadata?.labels), '`selector` does not match template `labels`'));
  return causes;
}

/** ValidateJob (create and, with the old object's options, update). */
export function validateJob(obj: KObject, prefixedLabels = true): Cause[] {
  const spec: KObject = isMap(obj.spec) ? obj.spec : {};
  const causes = [...validateGeneratedSelector(obj, prefixedLabels), ...validateJobSpec(spec)];
  if (spec.completionMode === 'Indexed' && typeof spec.completions === 'number' && spec.completions > 0) {
    const host = `${obj.metadata?.name ?? ''}-${spec.completions - 1}`;
    if (isDNS1123Label(host).length) causes.push(invalid('metadata.name', obj.metadata?.name ?? '', `will not able to create pod with invalid DNS label: ${host}`));
  }
  return causes;
}

/** Renders a value as field.Invalid does for an immutable field (pointers dereferenced). */
function immutableCause(field: string, value: unknown): Cause {
  return invalidRendered(field, set(value) ? renderValue(value) : 'null', 'field is immutable');
}
function immutableField(a: unknown, b: unknown, field: string): Cause[] {
  return deepEqual(semantic(a), semantic(b)) ? [] : [immutableCause(field, a)];
}
/** validatePodTemplateUpdate: the template is immutable, but a suspended Job that never started may change its scheduling directives. */
function validatePodTemplateUpdate(spec: KObject, oldSpec: KObject, allowScheduling: boolean): Cause[] {
  const tpl: KObject = isMap(spec.template) ? spec.template : {};
  let oldTpl: KObject = isMap(oldSpec.template) ? oldSpec.template : {};
  if (allowScheduling) {
    oldTpl = structuredClone(oldTpl);
    if (!isMap(oldTpl.spec)) oldTpl.spec = {};
    if (!isMap(oldTpl.metadata)) oldTpl.metadata = {};
    const ts: KObject = isMap(tpl.spec) ? tpl.spec : {};
    const os = oldTpl.spec;
    if (!isMap(ts.affinity) && isMap(os.affinity)) {
      delete os.affinity.nodeAffinity;
      if (Object.keys(os.affinity).length === 0) delete os.affinity;
    } else if (isMap(ts.affinity) && !isMap(os.affinity)) {
      os.affinity = set(ts.affinity.nodeAffinity) ? { nodeAffinity: ts.affinity.nodeAffinity } : {};
    } else if (isMap(ts.affinity) && isMap(os.affinity)) {
      if (set(ts.affinity.nodeAffinity)) os.affinity.nodeAffinity = ts.affinity.nodeAffinity;
      else delete os.affinity.nodeAffinity;
    }
    for (const k of ['nodeSelector', 'tolerations', 'schedulingGates']) {
      if (k in ts) os[k] = ts[k];
      else delete os[k];
    }
    const tm: KObject = isMap(tpl.metadata) ? tpl.metadata : {};
    for (const k of ['annotations', 'labels']) {
      if (k in tm) oldTpl.metadata[k] = tm[k];
      else delete oldTpl.metadata[k];
    }
  }
  return deepEqual(semantic(tpl), semantic(oldTpl)) ? [] : [invalidRendered('spec.template', renderValue(tpl), 'field is immutable')];
}

/** validateCompletions: immutable, but an Indexed Job may change completions in tandem with parallelism (ElasticIndexedJob GA). */
function validateCompletions(spec: KObject, oldSpec: KObject): Cause[] {
  if (spec.completionMode !== 'Indexed') return immutableField(spec.completions, oldSpec.completions, 'spec.completions');
  if (deepEqual(spec.completions ?? null, oldSpec.completions ?? null)) return [];
  if (!set(spec.completions)) return [];
  if (spec.completions !== spec.parallelism) return [invalid('spec.completions', spec.completions, 'can only be modified in tandem with spec.parallelism')];
  return [];
}

/** ValidateJobSpecUpdate (without the repeated ValidateJobSpec). */
export function validateJobUpdate(newObj: KObject, oldObj: KObject): Cause[] {
  const spec: KObject = isMap(newObj.spec) ? newObj.spec : {};
  const old: KObject = isMap(oldObj.spec) ? oldObj.spec : {};
  const allowScheduling = old.suspend === true && !set(oldObj.status?.startTime);
  return [
    ...validateCompletions(spec, old),
    ...(deepEqual(semantic(spec.selector), semantic(old.selector)) ? [] : [invalidRendered('spec.selector', goLabelSelector(spec.selector), 'field is immutable')]),
    ...validatePodTemplateUpdate(spec, old, allowScheduling),
    ...immutableField(spec.completionMode, old.completionMode, 'spec.completionMode'),
    ...immutableField(spec.podFailurePolicy, old.podFailurePolicy, 'spec.podFailurePolicy'),
    ...immutableField(spec.backoffLimitPerIndex, old.backoffLimitPerIndex, 'spec.backoffLimitPerIndex'),
    ...immutableField(spec.managedBy, old.managedBy, 'spec.managedBy'),
    ...immutableField(spec.successPolicy, old.successPolicy, 'spec.successPolicy'),
  ];
}

function condTrue(obj: KObject, type: string): boolean {
  const cs = obj.status?.conditions;
  return Array.isArray(cs) && cs.some((c: any) => c?.type === type && c?.status === 'True');
}
export const isJobComplete = (j: KObject) => condTrue(j, 'Complete');
export const isJobFailed = (j: KObject) => condTrue(j, 'Failed');
export const isJobFinished = (j: KObject) => isJobComplete(j) || isJobFailed(j);

function failedIndexesOverlap(completed: string, failed: string, completions: number): string | undefined {
  if (!completed || !failed) return undefined;
  const parse = (s: string) => s.split(',').map((i) => parseIndexInterval(i, completions)).filter((r): r is { x: number; y: number } => !('error' in r));
  const c = parse(completed);
  const f = parse(failed);
  let i = 0;
  let j = 0;
  while (i < c.length && j < f.length) {
    if (c[i].x <= f[j].y && f[j].x <= c[i].y) return `failedIndexes and completedIndexes overlap at index: ${Math.max(c[i].x, f[j].x)}`;
    if (c[i].x <= f[j].x) i++;
    else j++;
  }
  return undefined;
}

/**
 * ValidateJobUpdateStatus with the options the strategy gives: with JobManagedBy on (beta, 1.32+:
 * `strict`) the transitions are checked when the fields change; before, only the basic checks.
 */
export function validateJobStatusUpdate(job: KObject, oldJob: KObject, strict = true): Cause[] {
  const causes: Cause[] = [];
  const st: KObject = isMap(job.status) ? job.status : {};
  const ost: KObject = isMap(oldJob.status) ? oldJob.status : {};
  const spec: KObject = isMap(job.spec) ? job.spec : {};
  const isIndexed = spec.completionMode === 'Indexed';
  const changed = (a: unknown, b: unknown) => !deepEqual(a ?? null, b ?? null);
  const finishedChanged = isJobFinished(oldJob) !== isJobFinished(job);
  const completeChanged = isJobComplete(oldJob) !== isJobComplete(job);
  const failedChanged = isJobFailed(oldJob) !== isJobFailed(job);
  const ftChanged = condTrue(oldJob, 'FailureTarget') !== condTrue(job, 'FailureTarget');
  const ciChanged = (ost.completedIndexes ?? '') !== (st.completedIndexes ?? '');
  const fiChanged = changed(ost.failedIndexes, st.failedIndexes);
  const activeChanged = num(ost.active) !== num(st.active);
  const startChanged = changed(ost.startTime, st.startTime);
  const completionChanged = changed(ost.completionTime, st.completionTime);
  const uncountedChanged = !deepEqual(semantic(ost.uncountedTerminatedPods), semantic(st.uncountedTerminatedPods));

  // validateJobStatus
  for (const k of ['active', 'succeeded', 'failed', 'ready', 'terminating']) causes.push(...nonNegative(st[k], `status.${k}`));
  if (isMap(st.uncountedTerminatedPods)) {
    const seen = new Set<string>();
    for (const k of ['succeeded', 'failed']) {
      const list: unknown[] = Array.isArray(st.uncountedTerminatedPods[k]) ? st.uncountedTerminatedPods[k] : [];
      list.forEach((u, i) => {
        const p = `status.uncountedTerminatedPods.${k}[${i}]`;
        const s = String(u ?? '');
        if (s === '') causes.push(invalid(p, s, 'must not be empty'));
        else if (seen.has(s)) causes.push(duplicate(p, s));
        else seen.add(s);
      });
    }
  }
  const complete = isJobComplete(job);
  const failed = isJobFailed(job);
  const finished = complete || failed;
  const scm = condTrue(job, 'SuccessCriteriaMet');
  const ft = condTrue(job, 'FailureTarget');
  if (strict) {
    if ((completeChanged || failedChanged) && complete && failed) causes.push(invalidOmit('status.conditions', 'cannot set Complete=True and Failed=true conditions'));
    if ((completeChanged || ftChanged) && complete && ft) causes.push(invalidOmit('status.conditions', 'cannot set Complete=True and FailureTarget=true conditions'));
    if ((completeChanged || completionChanged) && set(st.completionTime) && !complete)
      causes.push(invalid('status.completionTime', st.completionTime, 'cannot set completionTime when there is no Complete=True condition'));
    if ((completeChanged || completionChanged) && !set(st.completionTime) && complete) causes.push(required('status.completionTime', 'completionTime is required for Complete jobs'));
    if ((startChanged || completionChanged) && set(st.startTime) && set(st.completionTime) && Date.parse(st.completionTime) < Date.parse(st.startTime))
      causes.push(invalid('status.completionTime', st.completionTime, 'completionTime cannot be set before startTime'));
    if (failedChanged && failed && !ft) causes.push(invalidOmit('status.conditions', 'cannot set Failed=True condition without the FailureTarget=true condition'));
    if (completeChanged && complete && !scm) causes.push(invalidOmit('status.conditions', 'cannot set Complete=True condition without the SuccessCriteriaMet=true condition'));
    if ((finishedChanged || activeChanged) && num(st.active) > 0 && finished) causes.push(invalid('status.active', num(st.active), 'active>0 is invalid for finished job'));
    if ((finishedChanged || startChanged) && !set(st.startTime) && finished) causes.push(required('status.startTime', 'startTime is required for finished job'));
    if ((finishedChanged || uncountedChanged) && finished && isMap(st.uncountedTerminatedPods)) {
      const n = (st.uncountedTerminatedPods.failed?.length ?? 0) + (st.uncountedTerminatedPods.succeeded?.length ?? 0);
      if (n > 0) causes.push(invalid('status.uncountedTerminatedPods', st.uncountedTerminatedPods, 'uncountedTerminatedPods needs to be empty for finished job'));
    }
    if (ciChanged && set(spec.completions)) {
      const v = validateIndexesFormat(String(st.completedIndexes ?? ''), spec.completions);
      if ('error' in v) causes.push(invalid('status.completedIndexes', st.completedIndexes ?? '', `error parsing completedIndexes: ${v.error}`));
    }
    if (fiChanged && set(spec.completions) && set(spec.backoffLimitPerIndex) && set(st.failedIndexes)) {
      const v = validateIndexesFormat(String(st.failedIndexes), spec.completions);
      if ('error' in v) causes.push(invalid('status.failedIndexes', st.failedIndexes, `error parsing failedIndexes: ${v.error}`));
    }
    if (ciChanged && (st.completedIndexes ?? '') !== '' && !isIndexed)
      causes.push(invalid('status.completedIndexes', st.completedIndexes, 'cannot set non-empty completedIndexes when non-indexed completion mode'));
    if (fiChanged && !set(spec.backoffLimitPerIndex) && set(st.failedIndexes))
      causes.push(invalid('status.failedIndexes', st.failedIndexes, 'cannot set non-null failedIndexes when backoffLimitPerIndex is null'));
    if ((fiChanged || ciChanged) && set(spec.completions) && set(st.failedIndexes)) {
      const e = failedIndexesOverlap(String(st.completedIndexes ?? ''), String(st.failedIndexes), spec.completions);
      if (e) causes.push(invalid('status.failedIndexes', st.failedIndexes, e));
    }
  }
  if (scm && failed) causes.push(invalidOmit('status.conditions', 'cannot set SuccessCriteriaMet=True and Failed=true conditions'));
  if (scm && ft) causes.push(invalidOmit('status.conditions', 'cannot set SuccessCriteriaMet=True and FailureTarget=true conditions'));
  if (isMap(spec.successPolicy) && !scm && complete) causes.push(invalidOmit('status.conditions', 'cannot set Complete=True for Job with SuccessPolicy unless SuccessCriteriaMet=True'));

  // ValidateJobStatusUpdate
  if (strict) {
    for (const t of ['Failed', 'Complete', 'FailureTarget'])
      if (condTrue(oldJob, t) && !condTrue(job, t)) causes.push(invalidOmit('status.conditions', `cannot disable the terminal ${t}=True condition`));
    if (num(st.failed) < num(ost.failed)) causes.push(invalid('status.failed', num(st.failed), 'cannot decrease the failed counter'));
    const rejectDecSucceeded = !isIndexed || !deepEqual(spec.completions ?? null, spec.parallelism ?? null);
    if (rejectDecSucceeded && num(st.succeeded) < num(ost.succeeded)) causes.push(invalid('status.succeeded', num(st.succeeded), 'cannot decrease the succeeded counter'));
    if (set(st.completionTime) && set(ost.completionTime) && st.completionTime !== ost.completionTime) causes.push(invalid('status.completionTime', st.completionTime, 'completionTime cannot be mutated'));
    // a Job being resumed (Suspended=True before) may have its startTime reset (kubernetes PR 134769, in 1.33 patches)
    if (startChanged && set(ost.startTime) && spec.suspend !== true && !condTrue(oldJob, 'Suspended'))
      causes.push(required('status.startTime', 'startTime cannot be removed for unsuspended job'));
  }
  if (condTrue(oldJob, 'SuccessCriteriaMet') && !scm) causes.push(invalidOmit('status.conditions', 'cannot disable the SuccessCriteriaMet=True condition'));
  if (isJobComplete(oldJob) && !condTrue(oldJob, 'SuccessCriteriaMet') && scm)
    causes.push(invalidOmit('status.conditions', 'cannot set SuccessCriteriaMet=True for Job already has Complete=true conditions'));
  return causes;
}

/** WarningsOnCreate / WarningsOnUpdate (job.WarningsForJobSpec; the pod template's own warnings are not emulated). */
export function jobWarnings(obj: KObject, old?: KObject): string[] {
  const w: string[] = [];
  if (!old) {
    const msgs = isDNS1123Label(String(obj.metadata?.name ?? ''));
    if (msgs.length) w.push(`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`);
  } else if (obj.metadata?.generation === old.metadata?.generation) return w;
  const spec = obj.spec ?? {};
  if (spec.completionMode === 'Indexed' && num(spec.completions) > COMPLETIONS_SOFT_LIMIT && num(spec.parallelism) > PARALLELISM_LIMIT_HIGH_COMPLETIONS)
    w.push(
      'spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
    );
  return w;
}

function hasCondition(job: KObject, type: string): boolean {
  return condTrue(job, type);
}

/** printJob (1.30+: the Status column, PR 123226). */
export const jobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Status', 'Status of the job.'),
    col('Completions', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
    col('Duration', 'Time required to complete the job.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col('Selector', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors', { priority: 1 }),
  ],
  columnsSince: { Status: 30 },
  row(job, now) {
    const spec = job.spec ?? {};
    const st = job.status ?? {};
    const succeeded = num(st.succeeded);
    let completions: string;
    if (set(spec.completions)) completions = `${succeeded}/${spec.completions}`;
    else completions = num(spec.parallelism) > 1 ? `${succeeded}/1 of ${spec.parallelism}` : `${succeeded}/1`;
    const start = parseTime(st.startTime);
    const end = parseTime(st.completionTime);
    const duration = start === undefined ? '' : humanDuration((end ?? now) - start);
    let status: string;
    if (hasCondition(job, 'Complete')) status = 'Complete';
    else if (hasCondition(job, 'Failed')) status = 'Failed';
    else if (job.metadata?.deletionTimestamp) status = 'Terminating';
    else if (hasCondition(job, 'Suspended')) status = 'Suspended';
    else if (hasCondition(job, 'FailureTarget')) status = 'FailureTarget';
    else status = 'Running';
    const [names, images] = layoutContainerCells(spec.template?.spec?.containers);
    return [job.metadata?.name ?? '', status, completions, duration, age(job, now), names, images, formatLabelSelector(spec.selector)];
  },
};

export const jobDef: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  listKind: 'JobList',
  plural: 'jobs',
  singular: 'job',
  namespaced: true,
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'Job', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.batch.v1.Job',
  valueFields: { 'io.k8s.api.batch.v1.JobSpec': { structs: ['template'] }, ...POD_VALUE_FIELDS },
  table: jobPrinter,
  generation: true,
  // strategy.go DefaultGarbageCollectionPolicy: batch/v1 orphans the pods unless told otherwise
  defaultDeletePolicy: 'Orphan',
  defaults: defaultJob,
  prepareForCreate(obj) {
    if (obj.spec.manualSelector !== true) generateSelector(obj);
    obj.status = {};
    // the stored object is read back through the defaulting: the Job takes the template's labels when it has none
    const labels = obj.spec.template?.metadata?.labels;
    if (isMap(labels) && !(isMap(obj.metadata.labels) && Object.keys(obj.metadata.labels).length)) obj.metadata.labels = { ...labels };
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? {});
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate: (obj) => validateJob(obj, true),
  validateForUpdate(newObj, oldObj) {
    const oldLabels = oldObj.spec?.template?.metadata?.labels ?? {};
    const prefixed = isMap(oldLabels) && JOB_NAME_LABEL in oldLabels && CONTROLLER_UID_LABEL in oldLabels;
    return [...validateJob(newObj, prefixed), ...validateJobUpdate(newObj, oldObj)];
  },
  validateStatusUpdate: (n, o) => validateJobStatusUpdate(n, o, true),
  warningsOnCreate: (obj) => jobWarnings(obj),
  warningsOnUpdate: (obj, old) => jobWarnings(obj, old),
  fieldSelectors: { 'status.successful': (o) => String(num(o.status?.succeeded)) },
};

/** The Job kind as an emulated minor version serves it (JobManagedBy's status checks from 1.32). */
export function jobDefFor(emulatedMinor: number): ResourceDef {
  if (emulatedMinor >= 32) return jobDef;
  return { ...jobDef, validateStatusUpdate: (n, o) => validateJobStatusUpdate(n, o, false) };
}
