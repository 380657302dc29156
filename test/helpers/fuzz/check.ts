// What a fuzz run asserts about each answer, the server's log as a failure source, and the
// grouping of failures into classes (one cause, one minimal example each).
import { Writable } from 'node:stream';
import type { FuzzRequest } from './mutate.js';

export interface LogLine {
  level: number;
  msg?: string;
  err?: { message?: string; stack?: string; type?: string } | string;
  controller?: string;
  key?: string;
  url?: string;
  method?: string;
  retries?: number;
  [k: string]: unknown;
}

/** A pino destination keeping what it is given above info (the logger's level decides what that is). */
export class LogCapture extends Writable {
  readonly lines: LogLine[] = [];

  override _write(chunk: Buffer | string, _enc: string, done: () => void): void {
    for (const s of String(chunk).split('\n')) {
      if (!s) continue;
      // info lines (fastify's per-request ones) are most of the volume: skip them unparsed
      if (s.startsWith('{"level":30') || (s.startsWith('{"level":20') && !s.includes('reconcile failed'))) continue;
      try {
        this.lines.push(JSON.parse(s));
      } catch {
        this.lines.push({ level: 60, msg: `unparsable log line: ${s.slice(0, 200)}` });
      }
    }
    done();
  }
}

export interface Failure {
  /** the cause, as far as the answer and the log tell it */
  cls: string;
  detail: string;
  req?: FuzzRequest;
  status?: number;
  body?: string;
}

/** numbers, quoted text and long runs made uniform, so that one cause gives one class */
export function normalize(msg: string): string {
  return msg
    .replace(/"(?:[^"\\]|\\.){0,400}"/g, '"…"')
    .replace(/\b\d+\b/g, 'N')
    .replace(/(x{8,}|a{8,})/g, '…')
    .slice(0, 160);
}

/** The first stack frame inside src/ (where the server went wrong). */
export function srcFrame(stack: string | undefined): string | undefined {
  if (!stack) return undefined;
  for (const line of stack.split('\n')) {
    if (line.includes('node_modules')) continue;
    const m = /.*\/src\/([^():]+):(\d+)/.exec(line);
    if (m) {
      const fn = /at (?:async )?([^\s(]+) \(/.exec(line)?.[1];
      return `${fn ? fn + ' ' : ''}src/${m[1]}:${m[2]}`;
    }
  }
  return undefined;
}

function errText(e: LogLine['err']): { message: string; stack?: string } {
  if (!e) return { message: '' };
  if (typeof e === 'string') return { message: e };
  return { message: e.message ?? '', stack: e.stack };
}

/**
 * A 4xx answer must be a metav1 Status: kind Status, apiVersion v1, status Failure, a reason,
 * and the HTTP code again as `code`. Returns what is wrong, or undefined.
 */
export function statusShapeProblem(status: number, text: string): string | undefined {
  let s: any;
  try {
    s = JSON.parse(text);
  } catch {
    return `not JSON: ${text.slice(0, 80)}`;
  }
  if (!s || typeof s !== 'object') return 'not an object';
  const wrong: string[] = [];
  if (s.kind !== 'Status') wrong.push(`kind=${s.kind}`);
  if (s.apiVersion !== 'v1') wrong.push(`apiVersion=${s.apiVersion}`);
  if (s.status !== 'Failure') wrong.push(`status=${s.status}`);
  if (typeof s.reason !== 'string' || !s.reason) wrong.push(`reason=${JSON.stringify(s.reason)}`);
  if (s.code !== status) wrong.push(`code=${s.code}`);
  if (typeof s.message !== 'string') wrong.push('no message');
  return wrong.length ? wrong.join(' ') : undefined;
}

/** Judges one answer; `errors` are the server's error log lines written while it was served. */
export function judge(req: FuzzRequest, status: number, text: string, errors: LogLine[], expectKind: string): Failure | undefined {
  if (status >= 500) {
    let message = '';
    try {
      message = JSON.parse(text).message ?? '';
    } catch {
      message = text.slice(0, 200);
    }
    const logged = errors.map((l) => errText(l.err)).find((e) => e.stack);
    const frame = srcFrame(logged?.stack);
    return { cls: `${status} ${normalize(message)}${frame ? ` @ ${frame}` : ''}`, detail: message.slice(0, 300), req, status, body: text };
  }
  if (status >= 400) {
    const p = statusShapeProblem(status, text);
    if (p) return { cls: `${status} answer is not a Status: ${p.replace(/\d+/g, 'N')}`, detail: p, req, status, body: text };
    return undefined;
  }
  if (status >= 200 && status < 300) {
    let o: any;
    try {
      o = JSON.parse(text);
    } catch {
      return { cls: `${status} answer is not JSON`, detail: text.slice(0, 80), req, status, body: text };
    }
    if (!o || o.kind !== expectKind) return { cls: `${status} answer of kind ${o?.kind} for a ${expectKind}`, detail: text.slice(0, 200), req, status, body: text };
    return undefined;
  }
  return { cls: `unexpected HTTP ${status}`, detail: text.slice(0, 200), req, status, body: text };
}

/**
 * Controllers failing again and again as upstream's do, by design. Upstream validates neither a
 * StatefulSet's pod template as a PodSpec nor its volumeClaimTemplates
 * (pkg/apis/apps/validation/validation.go ValidatePodTemplateSpecForStatefulSet: "TODO: Add
 * validation for PodSpec"), so a stored StatefulSet can name Pods and PVCs the API rejects; the
 * controller retries with back-off and records FailedCreate events
 * (pkg/controller/statefulset/stateful_pod_control.go).
 */
export const EXPECTED_CONTROLLER_FAILURES: { name: string; matches: (l: LogLine) => boolean }[] = [
  {
    name: "a StatefulSet's template makes an invalid Pod or PVC",
    // one error, or several aggregated as "[e1, e2]" (utilerrors.NewAggregate)
    matches: (l) => l.controller === 'statefulset' && /^\[?(Pod "[^"]*" is invalid: |failed to create PVC [^:]*: PersistentVolumeClaim "[^"]*" is invalid: )/.test(errText(l.err).message),
  },
];

/** Failures the server's log shows: any error, and controllers that keep failing on an object. */
export function logFailures(lines: LogLine[], phase: string): Failure[] {
  const out: Failure[] = [];
  for (const l of lines) {
    const e = errText(l.err);
    if (l.level >= 50) {
      // an HTTP request that failed is judged by its answer (a 5xx) already
      if (l.msg === 'request failed') continue;
      const frame = srcFrame(e.stack);
      out.push({ cls: `${phase}: log error "${l.msg}": ${normalize(e.message)}${frame ? ` @ ${frame}` : ''}`, detail: JSON.stringify(l).slice(0, 600) });
    } else if (l.msg === 'reconcile failed; retrying' && (l.retries ?? 0) > 3) {
      if (EXPECTED_CONTROLLER_FAILURES.some((x) => x.matches(l))) continue;
      out.push({ cls: `${phase}: controller ${l.controller} keeps failing: ${normalize(e.message)}`, detail: `key ${l.key}: ${e.message.slice(0, 400)}` });
    } else if (l.level >= 40 && l.msg !== 'reconcile failed; retrying') {
      out.push({ cls: `${phase}: log warning "${l.msg}": ${normalize(e.message)}`, detail: JSON.stringify(l).slice(0, 600) });
    }
  }
  return out;
}

/** Groups failures by class, keeping the count and the example with the shortest request body. */
export function classify(failures: Failure[]): Map<string, { count: number; example: Failure }> {
  const by = new Map<string, { count: number; example: Failure }>();
  for (const f of failures) {
    const c = by.get(f.cls);
    if (!c) by.set(f.cls, { count: 1, example: f });
    else {
      c.count++;
      if (f.req && (!c.example.req || f.req.body.length < c.example.req.body.length)) c.example = f;
    }
  }
  return by;
}

export function formatRequest(r: FuzzRequest): string {
  const body = r.body.length > 600 ? `${r.body.slice(0, 600)}… (${r.body.length} bytes)` : r.body;
  return `#${r.seq} ${r.kind} ${r.op} [${r.mutation.slice(0, 200)}]\n    ${r.method} ${r.path}\n    Content-Type: ${r.contentType}\n    ${body}`;
}

export function report(seed: number, classes: Map<string, { count: number; example: Failure }>): string {
  const parts = [`fuzz seed ${seed} (rerun with FUZZ_SEED=${seed}): ${classes.size} failure class(es)`];
  for (const [cls, { count, example }] of classes) {
    parts.push(`\n* ${cls}  (x${count})`);
    if (example.req) parts.push(`  ${formatRequest(example.req)}\n  -> ${example.status} ${example.body?.slice(0, 300) ?? ''}`);
    else parts.push(`  ${example.detail}`);
  }
  return parts.join('\n');
}
