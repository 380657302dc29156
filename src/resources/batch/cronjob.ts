// batch/v1 CronJob: pkg/apis/batch/v1/defaults.go (SetDefaults_CronJob + the generated walk into
// the job template's pod template), pkg/registry/batch/cronjob/strategy.go and
// pkg/apis/batch/validation/validation.go (ValidateCronJobCreate/Update, validateCronJobSpec,
// validateScheduleFormat, validateTimeZone, ValidateJobTemplateSpec), printer
// pkg/printers/internalversion/printers.go printCronJob (1.33 columns).
import type { Cause, KObject, ResourceDef, TablePrinter } from '../types.js';
import { invalid, isDNS1123Label, notSupported, required } from '../../registry/validation.js';
import { defaultPodTemplateSpec, POD_VALUE_FIELDS } from '../podspec.js';
import { validateJobSpecFields } from './job.js';
import { AGE_COLUMN, NAME_COLUMN, age, col, layoutContainerCells, translateTimestampSince } from '../../printers/format.js';
import { formatLabelSelector } from '../../printers/networking.js';
import { loadLocation, parseStandard } from '../../controllers/cronjob/schedule.js';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const NONNEGATIVE = 'must be greater than or equal to 0';
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];

/** SetDefaults_CronJob and the defaults of the embedded job template (its pod template; SetDefaults_Job is not run on a template). */
export function defaultCronJob(obj: KObject): void {
  if (!isObj(obj.spec)) obj.spec = {};
  const spec = obj.spec;
  if (!spec.concurrencyPolicy) spec.concurrencyPolicy = 'Allow';
  if (spec.suspend === undefined || spec.suspend === null) spec.suspend = false;
  if (spec.successfulJobsHistoryLimit === undefined || spec.successfulJobsHistoryLimit === null) spec.successfulJobsHistoryLimit = 3;
  if (spec.failedJobsHistoryLimit === undefined || spec.failedJobsHistoryLimit === null) spec.failedJobsHistoryLimit = 1;
  if (!isObj(spec.jobTemplate)) spec.jobTemplate = {};
  const jt = spec.jobTemplate;
  if (!isObj(jt.metadata)) jt.metadata = {};
  if (jt.metadata.creationTimestamp === undefined) jt.metadata.creationTimestamp = null;
  if (!isObj(jt.spec)) jt.spec = {};
  defaultJobTemplateSpec(jt.spec);
  if (!isObj(obj.status)) obj.status = {};
}

/** The defaults the generated walk gives a JobSpec inside a template: pod template, pod failure policy patterns. */
export function defaultJobTemplateSpec(js: KObject): void {
  if (!isObj(js.template)) js.template = {};
  if (!isObj(js.template.metadata)) js.template.metadata = {};
  if (js.template.metadata.creationTimestamp === undefined) js.template.metadata.creationTimestamp = null;
  if (!isObj(js.template.spec)) js.template.spec = {};
  defaultPodTemplateSpec(js.template);
  const rules = js.podFailurePolicy?.rules;
  if (Array.isArray(rules))
    for (const r of rules)
      if (isObj(r) && Array.isArray(r.onPodConditions)) for (const p of r.onPodConditions) if (isObj(p) && !p.status) p.status = 'True';
}

/** validateScheduleFormat: robfig's parse error, and TZ / CRON_TZ in the schedule. */
function validateScheduleFormat(schedule: string, allowTZ: boolean, timeZone: unknown): Cause[] {
  const causes: Cause[] = [];
  try {
    parseStandard(schedule);
  } catch (e) {
    causes.push(invalid('spec.schedule', schedule, (e as Error).message));
  }
  if (allowTZ && schedule.includes('TZ') && timeZone !== undefined && timeZone !== null)
    causes.push(invalid('spec.schedule', schedule, 'cannot use both timeZone field and TZ or CRON_TZ in schedule'));
  else if (!allowTZ && schedule.includes('TZ')) causes.push(invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  return causes;
}

const TZ_PART = /^[A-Za-z.\-_0-9+]{1,14}$/;

/** validateTimeZone: IANA naming rules, not Local, known to the time zone database. */
export function validateTimeZone(tz: unknown): Cause[] {
  if (tz === undefined || tz === null) return [];
  const f = 'spec.timeZone';
  const s = String(tz);
  if (s.length === 0) return [invalid(f, s, 'timeZone must be nil or non-empty string')];
  for (const part of s.split('/'))
    if (part === '.' || part === '..' || part.startsWith('-') || !TZ_PART.test(part)) return [invalid(f, s, `unknown time zone ${s}`)];
  const causes: Cause[] = [];
  if (s.toLowerCase() === 'local') causes.push(invalid(f, s, 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones'));
  else
    try {
      loadLocation(s);
    } catch (e) {
      causes.push(invalid(f, s, (e as Error).message));
    }
  return causes;
}

function nonNegative(v: unknown, field: string): Cause[] {
  return typeof v === 'number' && v < 0 ? [invalid(field, v, NONNEGATIVE)] : [];
}

/** ValidateJobTemplateSpec. */
function validateJobTemplateSpec(jt: unknown): Cause[] {
  const t: KObject = isObj(jt) ? jt : {};
  const spec = isObj(t.spec) ? t.spec : {};
  const causes = validateJobSpecFields(spec, 'spec.jobTemplate.spec');
  if (spec.selector !== undefined && spec.selector !== null) causes.push(invalid('spec.jobTemplate.spec.selector', spec.selector, '`selector` will be auto-generated'));
  if (spec.manualSelector === true) causes.push(notSupported('spec.jobTemplate.spec.manualSelector', true, ['nil', 'false']));
  return causes;
}

/** validateCronJobSpec (oldSpec on update). */
export function validateCronJobSpec(spec: unknown, oldSpec?: KObject): Cause[] {
  const s: KObject = isObj(spec) ? spec : {};
  const causes: Cause[] = [];
  const schedule = typeof s.schedule === 'string' ? s.schedule : '';
  if (schedule.length === 0) causes.push(required('spec.schedule'));
  else causes.push(...validateScheduleFormat(schedule, typeof oldSpec?.schedule === 'string' && oldSpec.schedule.includes('TZ'), s.timeZone));
  causes.push(...nonNegative(s.startingDeadlineSeconds, 'spec.startingDeadlineSeconds'));
  if (!oldSpec || (oldSpec.timeZone ?? null) !== (s.timeZone ?? null)) causes.push(...validateTimeZone(s.timeZone));
  const cp = s.concurrencyPolicy ?? '';
  if (cp === '') causes.push(required('spec.concurrencyPolicy'));
  else if (!CONCURRENCY_POLICIES.includes(cp)) causes.push(notSupported('spec.concurrencyPolicy', cp, CONCURRENCY_POLICIES));
  causes.push(...validateJobTemplateSpec(s.jobTemplate));
  causes.push(...nonNegative(s.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit'));
  causes.push(...nonNegative(s.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit'));
  return causes;
}

const COMPLETIONS_SOFT_LIMIT = 100_000;
const PARALLELISM_LIMIT_HIGH_COMPLETIONS = 10_000;

/** job.WarningsForJobSpec at spec.jobTemplate.spec (the pod template's own warnings are not emulated). */
function jobTemplateWarnings(cj: KObject): string[] {
  const js = cj.spec?.jobTemplate?.spec ?? {};
  const n = (v: unknown) => (typeof v === 'number' ? v : 0);
  if (js.completionMode === 'Indexed' && n(js.completions) > COMPLETIONS_SOFT_LIMIT && n(js.parallelism) > PARALLELISM_LIMIT_HIGH_COMPLETIONS)
    return [
      'spec.jobTemplate.spec: In Indexed Jobs with a number of completions higher than 10^5 and a parallelism higher than 10^4, Kubernetes might not be able to track completedIndexes when a big number of indexes fail',
    ];
  return [];
}

/** cronJobStrategy.WarningsOnCreate. */
export function cronJobWarningsOnCreate(cj: KObject): string[] {
  const w: string[] = [];
  const msgs = isDNS1123Label(String(cj.metadata?.name ?? ''));
  if (msgs.length) w.push(`metadata.name: this is used in Pod names and hostnames, which can result in surprising behavior; a DNS label is recommended: [${msgs.join(' ')}]`);
  return [...w, ...jobTemplateWarnings(cj)];
}

/** cronJobStrategy.WarningsOnUpdate (its field path is upstream's, `spec.spec.schedule`). */
export function cronJobWarningsOnUpdate(cj: KObject, old: KObject): string[] {
  const w = cj.metadata?.generation !== old.metadata?.generation ? jobTemplateWarnings(cj) : [];
  if (String(cj.spec?.schedule ?? '').includes('TZ'))
    w.push('cannot use TZ or CRON_TZ in spec.spec.schedule, use timeZone instead, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details');
  return w;
}

function printBoolPtr(v: unknown): string {
  if (v === undefined || v === null) return '<unset>';
  return v ? 'True' : 'False';
}

export const cronJobPrinter: TablePrinter = {
  columns: [
    NAME_COLUMN,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.'),
    col(
      'Timezone',
      'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones',
    ),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.', { type: 'boolean' }),
    col('Active', 'A list of pointers to currently running jobs.', { type: 'integer' }),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.'),
    AGE_COLUMN,
    col('Containers', 'Names of each container in the template.', { priority: 1 }),
    col('Images', 'Images referenced by each container in the template.', { priority: 1 }),
    col(
      'Selector',
      'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors',
      { priority: 1 },
    ),
  ],
  row(cj, now) {
    const spec = cj.spec ?? {};
    const last = cj.status?.lastScheduleTime ? translateTimestampSince(cj.status.lastScheduleTime, now) : '<none>';
    const tz = spec.timeZone ?? '<none>';
    const [names, images] = layoutContainerCells(spec.jobTemplate?.spec?.template?.spec?.containers);
    const active = Array.isArray(cj.status?.active) ? cj.status.active.length : 0;
    return [cj.metadata?.name ?? '', spec.schedule ?? '', tz, printBoolPtr(spec.suspend), active, last, age(cj, now), names, images, formatLabelSelector(spec.jobTemplate?.spec?.selector)];
  },
};

export const cronJobDef: ResourceDef = {
  group: 'batch',
  version: 'v1',
  kind: 'CronJob',
  listKind: 'CronJobList',
  plural: 'cronjobs',
  singular: 'cronjob',
  namespaced: true,
  shortNames: ['cj'],
  categories: ['all'],
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  subresources: [{ name: 'status', kind: 'CronJob', verbs: ['get', 'patch', 'update'] }],
  definition: 'io.k8s.api.batch.v1.CronJob',
  valueFields: {
    'io.k8s.api.batch.v1.CronJobSpec': { structs: ['jobTemplate'] },
    'io.k8s.api.batch.v1.JobTemplateSpec': { structs: ['metadata', 'spec'] },
    'io.k8s.api.batch.v1.JobSpec': { structs: ['template'] },
    ...POD_VALUE_FIELDS,
  },
  table: cronJobPrinter,
  // ValidateReplicationControllerName: a DNS-1123 subdomain (the default)
  defaults: defaultCronJob,
  prepareForCreate(obj) {
    obj.status = {};
  },
  prepareForUpdate(newObj, oldObj) {
    newObj.status = structuredClone(oldObj.status ?? {});
  },
  prepareForStatusUpdate(newObj, oldObj) {
    newObj.spec = structuredClone(oldObj.spec ?? {});
  },
  validate(obj) {
    const causes = validateCronJobSpec(obj.spec);
    const name = obj.metadata?.name;
    // the controller appends an 11-character suffix (-<minutes since the epoch>) to a 63-character Job name
    if (typeof name === 'string' && name.length > 52) causes.push(invalid('metadata.name', name, 'must be no more than 52 characters'));
    return causes;
  },
  validateForUpdate(newObj, oldObj) {
    return validateCronJobSpec(newObj.spec, isObj(oldObj.spec) ? oldObj.spec : {});
  },
  validateStatusUpdate() {
    return [];
  },
  warningsOnCreate: cronJobWarningsOnCreate,
  warningsOnUpdate: cronJobWarningsOnUpdate,
  generation: true,
  // batch/v1: DeleteDependents (background) by default
  defaultDeletePolicy: 'Background',
};
