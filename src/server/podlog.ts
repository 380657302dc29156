// pods/log: which container instance answers (pkg/registry/core/pod/rest/log.go LogLocation,
// pkg/kubelet/kubelet_pods.go validateContainerLogStatus) and the log it wrote.
// - With the simulated runtime's logs (a ContainerLogReader, src/runtime/logs.ts): the run the status
//   names (the current one, or with `previous` the one before it) is read as the kubelet reads its
//   file; `follow` streams until the run ends (the runtime stops the container), the pod goes or the
//   client leaves.
// - Without one: an instance's log is derived from its status (started, stopping on delete, exit
//   code), so it only grows while the instance runs, which is what `kubectl logs -f` follows.
// The kubelet applies tailLines to the file, then sinceSeconds/sinceTime (pkg/kubelet/kuberuntime/logs).
// `--all-containers` and `-c` are kubectl's: one request per container.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KObject } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import type { ResourceDef } from '../resources/types.js';
import { badRequest } from '../registry/errors.js';
import type { LogParams } from './listoptions.js';
import { queryFlag } from './query.js';
import { nowNs, parseRFC3339Ns, type ContainerLogReader, type LogReadOptions } from '../runtime/logs.js';
import type { ContainerKey } from '../runtime/types.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

export interface Instance {
  containerID: string;
  startedAt?: string;
  finishedAt?: string;
  exitCode?: number;
  reason?: string;
  /** the image of the current instance (a previous one's is not recorded) */
  image?: string;
  restart: number;
  /** state.running / state.terminated (false: lastState.terminated) */
  current: boolean;
}

export interface LogLine {
  at: number;
  text: string;
}

/** The container the request names (LogLocation): a 400 worded as upstream otherwise. */
export function logContainer(pod: KObject, name: string, container: string | undefined): string {
  const spec = pod.spec ?? {};
  const all = [...arr(spec.containers), ...arr(spec.initContainers), ...arr(spec.ephemeralContainers)];
  if (container) {
    if (!all.some((c) => c?.name === container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
    return container;
  }
  const containers = arr(spec.containers);
  if (containers.length === 1) return containers[0].name;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  const names = (l: any[]) => l.map((c) => c.name).join(' ');
  let msg = `a container name must be specified for pod ${name}, choose one of: [${names(containers)}]`;
  if (arr(spec.initContainers).length) msg += ` or one of the init containers: [${names(arr(spec.initContainers))}]`;
  if (arr(spec.ephemeralContainers).length) msg += ` or one of the ephemeral containers: [${names(arr(spec.ephemeralContainers))}]`;
  throw badRequest(msg);
}

function statusOf(pod: KObject, c: string): KObject | undefined {
  const st = pod.status ?? {};
  return [...arr(st.containerStatuses), ...arr(st.initContainerStatuses), ...arr(st.ephemeralContainerStatuses)].find((s) => s?.name === c);
}

function fromTerminated(t: KObject, restart: number, current: boolean, image?: string): Instance {
  return { containerID: t.containerID, startedAt: t.startedAt, finishedAt: t.finishedAt, exitCode: t.exitCode, reason: t.reason, restart, current, image };
}

/** validateContainerLogStatus: the instance whose log answers, or the kubelet's error. */
export function logInstance(pod: KObject, c: string, previous: boolean): Instance | string {
  const pod_ = pod.metadata?.name;
  const s = statusOf(pod, c);
  if (!s) return `container "${c}" in pod "${pod_}" is waiting to start: ContainerCreating`;
  const last = s.lastState?.terminated;
  const restart = s.restartCount ?? 0;
  const { waiting, running, terminated } = s.state ?? {};
  if (previous) {
    if (!last?.containerID) return `previous terminated container "${c}" in pod "${pod_}" not found`;
    return fromTerminated(last, Math.max(0, restart - 1), false);
  }
  if (running) return { containerID: s.containerID, startedAt: running.startedAt, restart, current: true, image: s.image };
  if (terminated) {
    if (terminated.containerID) return fromTerminated(terminated, restart, true, s.image);
    if (last?.containerID) return fromTerminated(last, Math.max(0, restart - 1), false);
    return `container "${c}" in pod "${pod_}" is terminated`;
  }
  if (last) {
    if (!last.containerID) return `container "${c}" in pod "${pod_}" is terminated`;
    return fromTerminated(last, Math.max(0, restart - 1), false);
  }
  if (waiting) {
    if (waiting.reason === 'ErrImagePull') return `container "${c}" in pod "${pod_}" is waiting to start: image can't be pulled`;
    if (waiting.reason === 'ImagePullBackOff') return `container "${c}" in pod "${pod_}" is waiting to start: trying and failing to pull image`;
    return `container "${c}" in pod "${pod_}" is waiting to start: ${waiting.reason}`;
  }
  return `container "${c}" in pod "${pod_}" is waiting to start - no logs yet`;
}

/** The lines the instance wrote so far (append-only while it runs). */
export function instanceLog(pod: KObject, c: string, inst: Instance): LogLine[] {
  const t0 = Date.parse(inst.startedAt ?? '') || Date.parse(pod.status?.startTime ?? '') || Date.now();
  const out: LogLine[] = [];
  const add = (at: number, text: string) => out.push({ at: Math.max(at, out.length ? out[out.length - 1].at + 1 : at), text: `kube-emulator: ${text}` });
  const node = pod.spec?.nodeName ?? '';
  add(t0, `container ${c} started on node ${node}${inst.image ? ` (image ${inst.image})` : ''}${inst.restart ? `, restart ${inst.restart}` : ''}`);
  add(t0 + 1, 'no container runtime: this log is simulated');
  const del = pod.metadata?.deletionTimestamp;
  if (inst.current && del) {
    const grace = Number(pod.metadata?.deletionGracePeriodSeconds ?? 0);
    add(Date.parse(del) - grace * 1000, 'received SIGTERM: the pod is being deleted, stopping');
  }
  if (inst.finishedAt) add(Date.parse(inst.finishedAt), `container ${c} exited with code ${inst.exitCode ?? 0} (${inst.reason ?? 'Completed'})`);
  return out;
}

/** Go's RFC3339Nano (trailing zeros of the fraction dropped). */
function rfc3339Nano(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d*?)0*Z$/, (_m, f: string) => (f ? `.${f}Z` : 'Z'));
}

interface Output {
  timestamps: boolean;
  since?: number;
  limit?: number;
  written: number;
}

function render(lines: LogLine[], o: Output): { text: string; full: boolean } {
  let text = '';
  for (const l of lines) {
    if (o.since !== undefined && l.at < o.since) continue;
    text += `${o.timestamps ? `${rfc3339Nano(l.at)} ` : ''}${l.text}\n`;
  }
  if (o.limit !== undefined && o.written + Buffer.byteLength(text) >= o.limit) {
    const b = Buffer.from(text).subarray(0, o.limit - o.written);
    o.written = o.limit;
    return { text: b.toString('utf8'), full: true };
  }
  o.written += Buffer.byteLength(text);
  return { text, full: false };
}

/** Locates the followed instance in a newer copy of the pod: undefined when it is gone. */
function sameInstance(pod: KObject, c: string, id: string, prev: Instance): Instance | undefined {
  const s = statusOf(pod, c);
  if (!s) return undefined;
  if (s.state?.running && s.containerID === id) return { ...prev, startedAt: s.state.running.startedAt };
  if (s.state?.terminated?.containerID === id) return fromTerminated(s.state.terminated, prev.restart, true, prev.image);
  if (s.lastState?.terminated?.containerID === id) return fromTerminated(s.lastState.terminated, prev.restart, false, prev.image);
  return undefined;
}

/**
 * The run of the container whose log answers: the current run is numbered by status.restartCount; the
 * one before it (lastState, `previous`) is the newest run the store keeps below it (or, while the
 * container waits to restart and has no current run, the newest at most restartCount, ended runs first).
 */
export function logRun(pod: KObject, c: string, inst: Instance, logs: ContainerLogReader, key: ContainerKey): number | undefined {
  const s = statusOf(pod, c) ?? {};
  const rc = Number(s.restartCount ?? 0);
  const runs = logs.runs(key);
  if (inst.current) {
    if (s.state?.running || runs.some((r) => r.restart === rc)) return rc;
    const older = runs.filter((r) => r.restart <= rc);
    return older.length ? older[older.length - 1].restart : rc;
  }
  const hasCurrent = !!(s.state?.running || s.state?.terminated?.containerID);
  const older = runs.filter((r) => (hasCurrent ? r.restart < rc : r.restart <= rc));
  const ended = older.filter((r) => r.ended);
  const pick = ended.length ? ended : older;
  return pick.length ? pick[pick.length - 1].restart : undefined;
}

/** how long a followed run may take to end in the runtime once the pod's status says it stopped */
const FOLLOW_END_GRACE_MS = 2000;

function serveRuntimeLog(
  registry: Registry,
  pod: KObject,
  c: string,
  inst: Instance,
  opts: LogParams,
  q: Record<string, string | undefined>,
  req: FastifyRequest,
  reply: FastifyReply,
  logs: ContainerLogReader,
): FastifyReply | undefined {
  const ns = pod.metadata?.namespace ?? '';
  const name = pod.metadata?.name ?? '';
  const uid = pod.metadata?.uid ?? '';
  const key: ContainerKey = { namespace: ns, pod: name, uid, container: c };
  const read: LogReadOptions = {
    tailLines: opts.tailLines,
    limitBytes: opts.limitBytes,
    timestamps: queryFlag(q.timestamps),
    sinceNs: opts.sinceSeconds !== undefined ? nowNs() - BigInt(opts.sinceSeconds) * 1_000_000_000n : opts.sinceTime ? parseRFC3339Ns(opts.sinceTime) : undefined,
  };
  const restart = logRun(pod, c, inst, logs, key);
  const text = () => (restart === undefined ? Buffer.alloc(0) : logs.read(key, restart, read));
  const live = inst.current && !inst.finishedAt && restart !== undefined && !logs.runs(key).find((r) => r.restart === restart)?.ended;
  if (!queryFlag(q.follow) || !live) return reply.code(200).header('Content-Type', 'text/plain').send(text());

  // follow: what the run writes until it ends, the pod goes or the client leaves
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  const ac = new AbortController();
  let grace: NodeJS.Timeout | undefined;
  let unsubscribe = () => {};
  const stop = () => {
    if (!ac.signal.aborted) ac.abort();
  };
  // the status says the run stopped (or the pod went): the runtime ends its log; if it does not, stop
  const stopSoon = () => {
    if (grace || ac.signal.aborted) return;
    grace = setTimeout(stop, FOLLOW_END_GRACE_MS);
    grace.unref?.();
  };
  unsubscribe = registry.store.subscribe((ch) => {
    const e = ch.entry;
    if (ac.signal.aborted || e.resource !== 'core/pods' || e.name !== name || e.namespace !== ns) return;
    if (ch.type === 'DELETED') return stopSoon();
    let livePod: KObject;
    try {
      livePod = JSON.parse(e.json) as KObject;
    } catch {
      return;
    }
    if (livePod.metadata?.uid !== uid) return stopSoon();
    const next = sameInstance(livePod, c, inst.containerID, inst);
    if (!next || !next.current || next.finishedAt) stopSoon();
  });
  req.raw.on('close', stop);
  res.on('close', stop);
  void (async () => {
    try {
      for await (const chunk of logs.follow(key, restart!, { ...read, signal: ac.signal })) {
        if (res.destroyed) break;
        res.write(chunk);
      }
    } catch (err) {
      req.log?.warn?.({ err }, 'following a container log failed');
    } finally {
      if (grace) clearTimeout(grace);
      unsubscribe();
      req.raw.off('close', stop);
      res.off('close', stop);
      if (!res.destroyed) res.end();
    }
  })();
  return undefined;
}

export function servePodLog(
  registry: Registry,
  def: ResourceDef,
  ns: string,
  name: string,
  opts: LogParams,
  req: FastifyRequest,
  reply: FastifyReply,
  logs?: ContainerLogReader,
): FastifyReply | undefined {
  const q = req.query as Record<string, string | undefined>;
  const pod = registry.get(def, ns, name);
  const c = logContainer(pod, name, q.container);
  // a pod not bound to a node has no log yet: an empty answer (LogLocation returns no location)
  if (!pod.spec?.nodeName) return reply.code(200).header('Content-Type', 'text/plain').send('');
  const inst = logInstance(pod, c, queryFlag(q.previous));
  if (typeof inst === 'string') throw badRequest(inst);
  if (logs) return serveRuntimeLog(registry, pod, c, inst, opts, q, req, reply, logs);
  let lines = instanceLog(pod, c, inst);
  if (opts.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - opts.tailLines));
  const out: Output = {
    timestamps: queryFlag(q.timestamps),
    since: opts.sinceSeconds !== undefined ? Date.now() - opts.sinceSeconds * 1000 : opts.sinceTime ? Date.parse(opts.sinceTime) : undefined,
    limit: opts.limitBytes,
    written: 0,
  };
  const first = render(lines, out);
  const running = inst.current && !inst.finishedAt;
  if (!queryFlag(q.follow) || !running || first.full) return reply.code(200).header('Content-Type', 'text/plain').send(first.text);

  // follow: stream what the instance writes until it stops, the pod goes or the client leaves
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  if (first.text) res.write(first.text);
  let sent = instanceLog(pod, c, inst).length;
  let cur = inst;
  const uid = pod.metadata?.uid;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    unsubscribe();
    res.end();
  };
  const unsubscribe = registry.store.subscribe((ch) => {
    const e = ch.entry;
    if (done || e.resource !== 'core/pods' || e.name !== name || e.namespace !== ns) return;
    if (ch.type === 'DELETED') return finish();
    const live = JSON.parse(e.json) as KObject;
    if (live.metadata?.uid !== uid) return finish();
    const next = sameInstance(live, c, cur.containerID, cur);
    if (!next) return finish();
    cur = next;
    const all = instanceLog(live, c, cur);
    const r = render(all.slice(sent), out);
    sent = all.length;
    if (r.text) res.write(r.text);
    if (r.full || !cur.current || cur.finishedAt) finish();
  });
  req.raw.on('close', finish);
  res.on('close', finish);
  return undefined;
}
