// CronJob schedules as kube-controller-manager reads them: robfig/cron v3 ParseStandard
// (vendor/github.com/robfig/cron/v3/parser.go, spec.go, constantdelay.go): five fields
// (minute hour day-of-month month day-of-week), `*` and `?`, lists, ranges, steps, month and
// weekday names, the descriptors @yearly @annually @monthly @weekly @daily @midnight @hourly and
// `@every <Go duration>`, a `TZ=` / `CRON_TZ=` prefix; errors worded as robfig's.
//
// The parsing (grammar and error messages) is robfig's and is done here: cron-parser accepts more
// (seconds, L, #, H, weekday 7) and words its errors differently. The next-time computation is
// cron-parser's, fed a normalised expression built from the parsed bit sets, with two corrections
// to robfig's semantics:
//  - day-of-month / day-of-week: robfig ANDs them when either field contains a star (`*`, `?`,
//    `*/1`), ORs them otherwise; cron-parser does the same for a literal `*`, so a starred field is
//    emitted as `*` and any other as its explicit list (a full `1-31` stays restricted, as robfig).
//  - daylight-saving transitions: robfig fires at every instant whose wall-clock fields match (a
//    time skipped by spring-forward never fires; a time repeated by fall-back fires twice), while
//    cron-parser shifts skipped times and fires repeated ones once. Near an offset change the next
//    time is found by checking each minute of the next three hours against the fields.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { CronExpression, CronExpressionParser as Parser } from 'cron-parser';

// loaded on the first next-time computation, not at server start (it brings luxon: ~20 ms)
const requireCjs = createRequire(import.meta.url);
let parser: typeof Parser | undefined;
const cronParser = (): typeof Parser => (parser ??= (requireCjs('cron-parser') as { CronExpressionParser: typeof Parser }).CronExpressionParser);

/** A parsed schedule: the first activation strictly after `ms` (epoch ms), or null (robfig's zero time: none within 5 years). */
export interface CronSchedule {
  next(ms: number): number | null;
}

export class ScheduleError extends Error {}

const STAR = 1n << 63n;

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}
const MINUTES: Bounds = { min: 0, max: 59 };
const HOURS: Bounds = { min: 0, max: 23 };
const DOM: Bounds = { min: 1, max: 31 };
const MONTHS: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const DOW: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };

/** Go's strconv.Atoi, with its error text. */
function atoi(s: string): number {
  if (!/^[+-]?[0-9]+$/.test(s)) throw new ScheduleError(`strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`);
  const n = Number(s);
  if (!Number.isSafeInteger(n) || Math.abs(n) > 2 ** 63 - 1) throw new ScheduleError(`strconv.Atoi: parsing ${goQuote(s)}: value out of range`);
  return n;
}

/** Go's %q of a string (strconv.Quote), enough for schedule text. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

function mustParseInt(expr: string): number {
  let num: number;
  try {
    num = atoi(expr);
  } catch (e) {
    throw new ScheduleError(`failed to parse int from ${expr}: ${(e as Error).message}`);
  }
  if (num < 0) throw new ScheduleError(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  if (names) {
    const n = names[expr.toLowerCase()];
    if (n !== undefined) return n;
  }
  return mustParseInt(expr);
}

function getBits(min: number, max: number, step: number): bigint {
  let bits = 0n;
  for (let i = min; i <= max && i < 64; i += step) bits |= 1n << BigInt(i);
  return bits;
}

function getRange(expr: string, r: Bounds): bigint {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  const singleDigit = lowAndHigh.length === 1;
  let start: number;
  let end: number;
  let step: number;
  let extra = 0n;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = r.min;
    end = r.max;
    extra = STAR;
  } else {
    start = parseIntOrName(lowAndHigh[0], r.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], r.names);
    else throw new ScheduleError(`too many hyphens: ${expr}`);
  }
  if (rangeAndStep.length === 1) step = 1;
  else if (rangeAndStep.length === 2) {
    step = mustParseInt(rangeAndStep[1]);
    if (singleDigit) end = r.max;
    if (step > 1) extra = 0n;
  } else throw new ScheduleError(`too many slashes: ${expr}`);
  if (start < r.min) throw new ScheduleError(`beginning of range (${start}) below minimum (${r.min}): ${expr}`);
  if (end > r.max) throw new ScheduleError(`end of range (${end}) above maximum (${r.max}): ${expr}`);
  if (start > end) throw new ScheduleError(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new ScheduleError(`step of range should be a positive number: ${expr}`);
  return getBits(start, end, step) | extra;
}

function getField(field: string, r: Bounds): bigint {
  let bits = 0n;
  for (const expr of field.split(',')) if (expr !== '') bits |= getRange(expr, r);
  return bits;
}

const all = (r: Bounds) => getBits(r.min, r.max, 1) | STAR;

// ---- time zones -------------------------------------------------------------------------

const zoneCache = new Map<string, Intl.DateTimeFormat | null>();

// where Go's time.LoadLocation looks on Unix (zoneinfo_unix.go platformZoneSources)
const ZONE_SOURCES = ['/usr/share/zoneinfo/', '/usr/share/lib/zoneinfo/', '/usr/lib/locale/TZ/', '/etc/zoneinfo/'];
const zoneDirs = ZONE_SOURCES.filter((d) => {
  try {
    return statSync(d).isDirectory();
  } catch {
    return false;
  }
});

/** Whether a tzdata file of exactly that name (case matters, as on disk) exists: a regular TZif file. */
function tzdataHas(name: string): boolean {
  for (const dir of zoneDirs) {
    try {
      if (!statSync(dir + name).isFile()) continue;
      const fd = openSync(dir + name, 'r');
      try {
        const b = Buffer.alloc(4);
        readSync(fd, b, 0, 4, 0);
        if (b.toString('latin1') === 'TZif') return true;
      } finally {
        closeSync(fd);
      }
    } catch {
      // not in this source
    }
  }
  return false;
}

function formatterFor(tz: string): Intl.DateTimeFormat | null {
  let f = zoneCache.get(tz);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        hour: 'numeric',
        minute: 'numeric',
        second: 'numeric',
        weekday: 'short',
      });
      // Go's LoadLocation reads tzdata files by exact name: with a system tzdata that decides;
      // without one, a name Intl knows only under other casing is unknown
      if (zoneDirs.length) {
        if (!tzdataHas(tz)) f = null;
      } else {
        const resolved = f.resolvedOptions().timeZone;
        if (resolved.toLowerCase() === tz.toLowerCase() && resolved !== tz) f = null;
      }
    } catch {
      f = null;
    }
    zoneCache.set(tz, f);
  }
  return f;
}

/**
 * Go's time.LoadLocation as the controller manager (with tzdata) answers it: '' and 'UTC' are UTC,
 * an IANA name is itself; anything else throws `unknown time zone <name>`.
 */
export function loadLocation(name: string): string {
  if (name === '' || name === 'UTC') return 'UTC';
  if (name === 'Local') return 'UTC';
  if (!/^[A-Za-z0-9._+\-/]+$/.test(name) || name.startsWith('/') || name.endsWith('/') || name.split('/').some((p) => p === '' || p === '.' || p === '..') || !formatterFor(name))
    throw new ScheduleError(`unknown time zone ${name}`);
  return name;
}

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

/** The wall-clock fields of an instant in a zone. */
export function wallClock(ms: number, tz: string): WallClock {
  if (tz === 'UTC') {
    const d = new Date(ms);
    return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds(), weekday: d.getUTCDay() };
  }
  const parts = formatterFor(tz)!.formatToParts(new Date(ms));
  const w: WallClock = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0, weekday: 0 };
  for (const p of parts) {
    if (p.type === 'weekday') w.weekday = WEEKDAYS[p.value] ?? 0;
    else if (p.type in w) (w as any)[p.type] = Number(p.value);
  }
  return w;
}

/** The zone's UTC offset at an instant, in ms. */
export function offsetAt(ms: number, tz: string): number {
  if (tz === 'UTC') return 0;
  const w = wallClock(ms, tz);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(ms / 1000) * 1000;
}

// ---- schedules ------------------------------------------------------------------------------

const has = (bits: bigint, i: number) => (bits & (1n << BigInt(i))) !== 0n;

function listOf(bits: bigint, r: Bounds): string {
  if (bits & STAR) return '*';
  const vals: number[] = [];
  for (let i = r.min; i <= r.max; i++) if (has(bits, i)) vals.push(i);
  return vals.join(',');
}

/** SpecSchedule: bit sets for each field, in a zone. */
export class SpecSchedule implements CronSchedule {
  private readonly expression: string | undefined;
  constructor(
    readonly minute: bigint,
    readonly hour: bigint,
    readonly dom: bigint,
    readonly month: bigint,
    readonly dow: bigint,
    readonly location: string,
  ) {
    const lists = [listOf(minute, MINUTES), listOf(hour, HOURS), listOf(dom, DOM), listOf(month, MONTHS), listOf(dow, DOW)];
    // an empty field (`,`) matches nothing: robfig finds no time
    this.expression = lists.some((l) => l === '') ? undefined : `0 ${lists.join(' ')}`;
  }

  /** Whether an instant's wall clock in the schedule's zone matches every field (robfig's Next returns only such times). */
  matches(ms: number): boolean {
    if (ms % 60_000 !== 0) return false;
    const w = wallClock(ms, this.location);
    if (w.second !== 0 || !has(this.minute, w.minute) || !has(this.hour, w.hour) || !has(this.month, w.month)) return false;
    const domMatch = has(this.dom, w.day);
    const dowMatch = has(this.dow, w.weekday);
    if (this.dom & STAR || this.dow & STAR) return domMatch && dowMatch;
    return domMatch || dowMatch;
  }

  next(ms: number): number | null {
    if (!this.expression) return null;
    // robfig starts at the next whole second; every activation is on a whole minute
    const after = Math.floor(ms / 1000) * 1000;
    const memo = this.memo.get(after);
    if (memo !== undefined) return memo;
    const r = this.compute(after);
    if (this.memo.size >= 64) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(after, r);
    return r;
  }

  private readonly memo = new Map<number, number | null>();
  private iterator: CronExpression | null | undefined;

  private compute(after: number): number | null {
    if (this.location !== 'UTC') {
      const o = offsetAt(after, this.location);
      const H3 = 3 * 3_600_000;
      if (offsetAt(after - H3, this.location) !== o || offsetAt(after + H3, this.location) !== o) {
        // an offset change is near: walk the minutes (at most three hours of them)
        for (let m = Math.floor(after / 60_000) * 60_000 + 60_000; m <= after + H3; m += 60_000) if (this.matches(m)) return m;
      }
    }
    if (this.iterator === undefined) {
      try {
        this.iterator = cronParser().parse(this.expression!, { currentDate: new Date(after), tz: this.location });
      } catch {
        this.iterator = null; // cron-parser refuses days no month has (30 2 *): robfig finds none either
      }
    }
    const it = this.iterator;
    if (!it) return null;
    it.reset(new Date(after));
    const limit = Date.UTC(new Date(after).getUTCFullYear() + 6, 0, 1);
    for (let guard = 0; guard < 1000; guard++) {
      let c: number;
      try {
        c = it.next().getTime();
      } catch {
        return null;
      }
      if (c > limit) return null;
      if (c > after && this.matches(c)) return c;
    }
    return null;
  }
}

/** ConstantDelaySchedule (`@every`): activations a fixed number of whole seconds apart. */
export class ConstantDelaySchedule implements CronSchedule {
  readonly delayMs: number;
  constructor(durationNs: bigint) {
    let d = durationNs < 1_000_000_000n ? 1_000_000_000n : durationNs;
    d -= d % 1_000_000_000n;
    this.delayMs = Number(d / 1_000_000n);
  }
  next(ms: number): number {
    return Math.floor(ms / 1000) * 1000 + this.delayMs;
  }
}

const UNITS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  'µs': 1_000n,
  'μs': 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/** Go's time.ParseDuration, in nanoseconds, with its error text. */
export function parseGoDuration(s: string): bigint {
  const orig = s;
  const bad = () => new ScheduleError(`time: invalid duration ${goQuote(orig)}`);
  let neg = false;
  if (s !== '' && (s[0] === '-' || s[0] === '+')) {
    neg = s[0] === '-';
    s = s.slice(1);
  }
  if (s === '0') return 0n;
  if (s === '') throw bad();
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(\.([0-9]*))?/.exec(s)!;
    const intPart = m[1];
    const frac = m[3];
    if (intPart === '' && (frac === undefined || frac === '')) throw bad();
    s = s.slice(m[0].length);
    const u = /^[^0-9.]*/.exec(s)![0];
    if (u === '') throw new ScheduleError(`time: missing unit in duration ${goQuote(orig)}`);
    const unit = UNITS[u];
    if (unit === undefined) throw new ScheduleError(`time: unknown unit ${goQuote(u)} in duration ${goQuote(orig)}`);
    s = s.slice(u.length);
    let v = BigInt(intPart || '0') * unit;
    if (frac) v += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
    total += v;
    if (total > 9_223_372_036_854_775_807n) throw bad();
  }
  return neg ? -total : total;
}

function goFields(spec: string): string[] {
  return spec.split(/[\s\u0085\u00a0]+/u).filter((f) => f !== '');
}

const parsed = new Map<string, CronSchedule>();

/** robfig/cron v3 ParseStandard: the schedule, or a ScheduleError worded as robfig's (schedules are immutable: cached by text). */
export function parseStandard(spec: string): CronSchedule {
  let s = parsed.get(spec);
  if (!s) {
    s = parseUncached(spec);
    if (parsed.size >= 1024) parsed.delete(parsed.keys().next().value!);
    parsed.set(spec, s);
  }
  return s;
}

function parseUncached(spec: string): CronSchedule {
  if (spec.length === 0) throw new ScheduleError('empty spec string');
  let loc = 'UTC'; // time.Local of the controller manager: UTC
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const i = spec.indexOf(' ');
    const eq = spec.indexOf('=');
    // robfig slices up to the first space; without one Go panics (the apiserver answers an error)
    const name = i < 0 ? spec.slice(eq + 1) : spec.slice(eq + 1, i);
    try {
      loc = loadLocation(name);
    } catch (e) {
      throw new ScheduleError(`provided bad location ${name}: ${(e as Error).message}`);
    }
    spec = i < 0 ? '' : spec.slice(i).trim();
  }
  if (spec.startsWith('@')) return parseDescriptor(spec, loc);
  const fields = goFields(spec);
  if (fields.length !== 5) throw new ScheduleError(`expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`);
  return new SpecSchedule(getField(fields[0], MINUTES), getField(fields[1], HOURS), getField(fields[2], DOM), getField(fields[3], MONTHS), getField(fields[4], DOW), loc);
}

function parseDescriptor(d: string, loc: string): CronSchedule {
  const one = (r: Bounds) => 1n << BigInt(r.min);
  switch (d) {
    case '@yearly':
    case '@annually':
      return new SpecSchedule(one(MINUTES), one(HOURS), one(DOM), one(MONTHS), all(DOW), loc);
    case '@monthly':
      return new SpecSchedule(one(MINUTES), one(HOURS), one(DOM), all(MONTHS), all(DOW), loc);
    case '@weekly':
      return new SpecSchedule(one(MINUTES), one(HOURS), all(DOM), all(MONTHS), one(DOW), loc);
    case '@daily':
    case '@midnight':
      return new SpecSchedule(one(MINUTES), one(HOURS), all(DOM), all(MONTHS), all(DOW), loc);
    case '@hourly':
      return new SpecSchedule(one(MINUTES), all(HOURS), all(DOM), all(MONTHS), all(DOW), loc);
  }
  const every = '@every ';
  if (d.startsWith(every)) {
    let ns: bigint;
    try {
      ns = parseGoDuration(d.slice(every.length));
    } catch (e) {
      throw new ScheduleError(`failed to parse duration ${d}: ${(e as Error).message}`);
    }
    return new ConstantDelaySchedule(ns);
  }
  throw new ScheduleError(`unrecognized descriptor: ${d}`);
}

/** The schedule the controller parses (formatSchedule): the spec's own TZ= prefix, else timeZone's. */
export function formatSchedule(schedule: string, timeZone: string | undefined | null): string {
  if (schedule.includes('TZ')) return schedule;
  if (timeZone !== undefined && timeZone !== null) {
    try {
      loadLocation(timeZone);
    } catch {
      return schedule;
    }
    return `TZ=${timeZone} ${schedule}`;
  }
  return schedule;
}
