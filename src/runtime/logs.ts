// The containers' logs (issue 16): what each run of a container wrote on stdout and stderr, kept as the
// container runtime and the kubelet keep it, and read as the kubelet serves pods/log.
//
// - Writing (containerd's CRI logger, pkg/cri/io/logger.go redirectLogs): output is split into lines on
//   `\n` (a `\r` before it is dropped, as bufio.ReadLine does); each line becomes one timestamped entry
//   tagged F (full); a line longer than the maximum line size (16 KiB) is cut into P (partial) entries,
//   and what is left without a newline when the stream ends is flushed as a P entry.
// - Keeping: per container the current run and the one before it (the kubelet keeps one dead container
//   per container: MaxPerPodContainer), each bounded (10 MiB, the kubelet's containerLogMaxSize): the
//   oldest entries go first, as rotation drops them. With a directory the runs are also written in the
//   CRI format where the kubelet keeps them: `<dir>/<ns>_<pod>_<uid>/<container>/<restart>.log`
//   (`2016-10-06T00:17:09.669794202Z stdout F text`), rotated to `<restart>.log.<20060102-150405>`.
// - Reading (pkg/kubelet/kuberuntime/logs/logs.go ReadLogs): tailLines first (counted in entries, as the
//   kubelet counts file lines), then entries before since are skipped, a P entry's text is printed with
//   no newline and the next entry gets no timestamp prefix, timestamps are RFC3339Nano, limitBytes cuts
//   the output (mid-line too). Following yields new entries until the run ends or the pod goes.
import fs from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { ContainerKey, ContainerLogs, ContainerLogSink } from './types.js';

/** containerLogMaxSize's default (pkg/kubelet/apis/config/v1beta1 defaults: 10Mi) */
export const DEFAULT_MAX_LOG_BYTES = 10 * 1024 * 1024;
/** containerd's max_container_log_line_size default */
export const MAX_LINE_BYTES = 16 * 1024;
/** containerLogMaxFiles' default: the live file and four rotated ones */
const MAX_FILES = 5;
/** bytes an entry costs beyond its text (its timestamp, tags and bookkeeping) */
const ENTRY_OVERHEAD = 48;

export type LogStream = 'stdout' | 'stderr';

/** One entry of a run's log (one line of a CRI log file). */
export interface LogEntry {
  /** nanoseconds since the epoch */
  ns: bigint;
  stream: LogStream;
  /** true for a P entry: its text does not end the line */
  partial: boolean;
  /** the text, without its newline */
  text: Buffer;
}

/** pods/log's options, as the kubelet applies them. */
export interface LogReadOptions {
  tailLines?: number;
  limitBytes?: number;
  /** entries stamped before this time (ns since the epoch) are skipped */
  sinceNs?: bigint;
  /** prefix each line with its RFC3339Nano timestamp and a space */
  timestamps?: boolean;
}

export interface LogFollowOptions extends LogReadOptions {
  /** stops following (the client went away) */
  signal?: AbortSignal;
}

/** What the store knows of one run. */
export interface LogRunInfo {
  restart: number;
  /** the run ended (end() was called): following it returns what it wrote */
  ended: boolean;
  /** the run was written to (a sink was opened for it) */
  started: boolean;
}

/** What pods/log reads: the store's view by container and run. */
export interface ContainerLogReader {
  /** the runs the store keeps for a container, oldest first */
  runs(key: ContainerKey): LogRunInfo[];
  /** the run's log as the kubelet prints it now (empty when the store has no such run) */
  read(key: ContainerKey, restart: number, opts?: LogReadOptions): Buffer;
  /** the run's log, then what it writes until it ends, the pod goes, `signal` aborts or limitBytes is
   *  reached; a run not yet started is waited for */
  follow(key: ContainerKey, restart: number, opts?: LogFollowOptions): AsyncIterable<Buffer>;
}

/** A ContainerLogs that pods/log can read. */
export type ReadableContainerLogs = ContainerLogs & ContainerLogReader;

/** The reader on a runtime (`runtime.logs`) or the runtime itself, when it has one. */
export function logReaderOf(x: unknown): ContainerLogReader | undefined {
  const isReader = (v: any): v is ContainerLogReader => !!v && typeof v.runs === 'function' && typeof v.read === 'function' && typeof v.follow === 'function';
  if (isReader(x)) return x;
  const logs = (x as any)?.logs;
  return isReader(logs) ? logs : undefined;
}

// wall-clock nanoseconds that never go backwards (hrtime from a wall-clock base)
const wallBase = BigInt(Date.now()) * 1_000_000n;
const hrBase = process.hrtime.bigint();
let lastNs = 0n;
export function nowNs(): bigint {
  let ns = wallBase + (process.hrtime.bigint() - hrBase);
  if (ns <= lastNs) ns = lastNs + 1n;
  lastNs = ns;
  return ns;
}

/** Go's time.RFC3339Nano in UTC (the fraction's trailing zeros dropped). */
export function rfc3339NanoOf(ns: bigint): string {
  const sec = ns / 1_000_000_000n;
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  const base = new Date(Number(sec) * 1000).toISOString().replace(/\.\d+Z$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

/** An RFC3339 time (fraction and offset allowed) in ns since the epoch; undefined when it is not one. */
export function parseRFC3339Ns(s: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$/i.exec(s);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}${m[3].toUpperCase()}`);
  if (Number.isNaN(ms)) return undefined;
  const frac = BigInt((m[2] ?? '').slice(0, 9).padEnd(9, '0'));
  return BigInt(ms) * 1_000_000n + frac;
}

/** kubelet's rotated-file suffix (pkg/kubelet/logs/container_log_manager.go timestampFormat) */
function rotationStamp(d = new Date()): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}-${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

/** A file-system-safe path segment (names and uids are DNS-ish, but never trust them with a path). */
const seg = (s: string) => (s.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_') || '_');

interface Run {
  key: ContainerKey;
  restart: number;
  entries: LogEntry[];
  /** entries[0] is entry number `head` of the run (older ones were dropped) */
  head: number;
  bytes: number;
  ended: boolean;
  started: boolean;
  pending: Record<LogStream, Buffer[]>;
  pendingBytes: Record<LogStream, number>;
  waiters: Set<() => void>;
  file?: { path: string; fd: number; size: number };
}

/** A formatting cursor: where a reader is and whether its next entry starts a line. */
interface Cursor {
  next: number;
  newLine: boolean;
  remain: number;
}

export interface LogStoreOptions {
  /** write the runs' logs in the CRI format under this directory (as /var/log/pods) */
  dir?: string;
  /** per run (default 10 MiB): the oldest entries go beyond it; with a directory, the file rotates */
  maxBytes?: number;
  logger?: Logger;
  /** the clock (ns since the epoch), for tests */
  now?: () => bigint;
}

export class LogStore implements ContainerLogs, ContainerLogReader {
  private readonly containers = new Map<string, Map<number, Run>>();
  private readonly removed = new Set<string>();
  private readonly maxBytes: number;
  private readonly now: () => bigint;

  constructor(private readonly opts: LogStoreOptions = {}) {
    this.maxBytes = Math.max(1024, opts.maxBytes ?? DEFAULT_MAX_LOG_BYTES);
    this.now = opts.now ?? nowNs;
  }

  private static id(key: ContainerKey): string {
    return `${key.uid}\u0000${key.container}`;
  }

  /** the run's record: created when missing (a follower may wait for a run that has not started) */
  private run(key: ContainerKey, restart: number): Run | undefined {
    if (this.removed.has(key.uid)) return undefined;
    const id = LogStore.id(key);
    let runs = this.containers.get(id);
    if (!runs) this.containers.set(id, (runs = new Map()));
    let r = runs.get(restart);
    if (!r) {
      r = {
        key: { ...key },
        restart,
        entries: [],
        head: 0,
        bytes: 0,
        ended: false,
        started: false,
        pending: { stdout: [], stderr: [] },
        pendingBytes: { stdout: 0, stderr: 0 },
        waiters: new Set(),
      };
      runs.set(restart, r);
      // the kubelet keeps one dead container per container: the current run and the one before it
      const keep = [...runs.keys()].sort((a, b) => b - a).slice(0, 2);
      for (const [n, old] of runs) if (!keep.includes(n)) this.drop(old, runs);
    }
    return runs.get(restart);
  }

  private find(key: ContainerKey, restart: number): Run | undefined {
    return this.containers.get(LogStore.id(key))?.get(restart);
  }

  private drop(r: Run, runs: Map<number, Run>): void {
    runs.delete(r.restart);
    r.ended = true;
    this.closeFile(r, true);
    this.wake(r);
  }

  private wake(r: Run): void {
    const ws = [...r.waiters];
    r.waiters.clear();
    for (const w of ws) w();
  }

  // ---- writing ----

  sink(key: ContainerKey, restart: number): ContainerLogSink {
    const r = this.run(key, restart);
    if (!r) return { write: () => {} };
    r.started = true;
    r.ended = false;
    return {
      write: (stream, data) => {
        try {
          // a run dropped (or its pod removed) since: its output goes nowhere
          if (this.find(key, restart) !== r || r.ended) return;
          this.append(r, stream === 'stderr' ? 'stderr' : 'stdout', typeof data === 'string' ? Buffer.from(data) : Buffer.from(data));
        } catch (err) {
          this.opts.logger?.warn({ err }, 'container log write failed');
        }
      },
    };
  }

  private append(r: Run, stream: LogStream, data: Buffer): void {
    const out: LogEntry[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl < 0) break;
      let line = this.takePending(r, stream, data.subarray(start, nl));
      if (line.length && line[line.length - 1] === 0x0d) line = line.subarray(0, line.length - 1);
      this.splitLong(stream, line, out, false);
      start = nl + 1;
    }
    if (start < data.length) {
      const rest = Buffer.from(data.subarray(start));
      r.pending[stream].push(rest);
      r.pendingBytes[stream] += rest.length;
      // a line beyond the maximum line size goes out in partial entries
      if (r.pendingBytes[stream] >= MAX_LINE_BYTES) {
        const all = this.takePending(r, stream, Buffer.alloc(0));
        const whole = Math.floor(all.length / MAX_LINE_BYTES) * MAX_LINE_BYTES;
        this.splitLong(stream, all.subarray(0, whole), out, true);
        if (whole < all.length) {
          r.pending[stream].push(Buffer.from(all.subarray(whole)));
          r.pendingBytes[stream] = all.length - whole;
        }
      }
    }
    if (out.length) this.push(r, out);
  }

  private takePending(r: Run, stream: LogStream, tail: Buffer): Buffer {
    if (!r.pending[stream].length) return tail;
    const all = Buffer.concat([...r.pending[stream], tail]);
    r.pending[stream] = [];
    r.pendingBytes[stream] = 0;
    return all;
  }

  /** entries for one line: P entries of the maximum size, the last F (or P when `partial`) */
  private splitLong(stream: LogStream, line: Buffer, out: LogEntry[], partial: boolean): void {
    let off = 0;
    while (line.length - off > MAX_LINE_BYTES) {
      out.push({ ns: this.now(), stream, partial: true, text: Buffer.from(line.subarray(off, off + MAX_LINE_BYTES)) });
      off += MAX_LINE_BYTES;
    }
    if (partial && off === line.length) return;
    out.push({ ns: this.now(), stream, partial, text: Buffer.from(line.subarray(off)) });
  }

  private push(r: Run, entries: LogEntry[]): void {
    for (const e of entries) {
      r.entries.push(e);
      r.bytes += e.text.length + ENTRY_OVERHEAD;
    }
    // rotation: the oldest entries go
    let drop = 0;
    while (r.bytes > this.maxBytes && drop < r.entries.length - 1) {
      r.bytes -= r.entries[drop].text.length + ENTRY_OVERHEAD;
      drop++;
    }
    if (drop) {
      r.entries.splice(0, drop);
      r.head += drop;
    }
    this.writeFile(r, entries);
    this.wake(r);
  }

  end(key: ContainerKey, restart: number): void {
    const r = this.find(key, restart);
    if (!r || r.ended) return;
    // what is left without a newline is flushed as a partial line (redirectLogs at EOF)
    const out: LogEntry[] = [];
    for (const s of ['stdout', 'stderr'] as const) {
      const rest = this.takePending(r, s, Buffer.alloc(0));
      if (rest.length) this.splitLong(s, rest, out, true);
    }
    if (out.length) this.push(r, out);
    r.ended = true;
    this.closeFile(r, false);
    this.wake(r);
  }

  remove(uid: string): void {
    this.removed.add(uid);
    // a bounded memory of removed pods, so that late writes do not bring their logs back
    if (this.removed.size > 10_000) this.removed.delete(this.removed.values().next().value as string);
    let podDir: string | undefined;
    for (const [id, runs] of this.containers) {
      if (!id.startsWith(`${uid}\u0000`)) continue;
      for (const r of [...runs.values()]) {
        if (r.file) podDir = path.dirname(path.dirname(r.file.path));
        this.drop(r, runs);
      }
      this.containers.delete(id);
    }
    if (this.opts.dir) {
      try {
        const dirs = podDir ? [podDir] : fs.readdirSync(this.opts.dir).filter((d) => d.endsWith(`_${seg(uid)}`)).map((d) => path.join(this.opts.dir!, d));
        for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      } catch (err: any) {
        if (err?.code !== 'ENOENT') this.opts.logger?.warn({ err, uid }, 'removing container logs failed');
      }
    }
  }

  /** Ends every run and closes every file (the runtime shuts down). */
  close(): void {
    for (const runs of this.containers.values())
      for (const r of runs.values()) {
        if (!r.ended) this.end(r.key, r.restart);
        this.closeFile(r, false);
      }
  }

  // ---- the CRI files ----

  private filePath(r: Run): string {
    const k = r.key;
    return path.join(this.opts.dir!, `${seg(k.namespace)}_${seg(k.pod)}_${seg(k.uid)}`, seg(k.container), `${r.restart}.log`);
  }

  private writeFile(r: Run, entries: LogEntry[]): void {
    if (!this.opts.dir) return;
    try {
      if (!r.file) {
        const p = this.filePath(r);
        fs.mkdirSync(path.dirname(p), { recursive: true });
        const fd = fs.openSync(p, 'a');
        r.file = { path: p, fd, size: fs.fstatSync(fd).size };
      }
      const text = entries.map((e) => `${rfc3339NanoOf(e.ns)} ${e.stream} ${e.partial ? 'P' : 'F'} ${e.text.toString('latin1')}\n`).join('');
      const buf = Buffer.from(text, 'latin1');
      fs.writeSync(r.file.fd, buf);
      r.file.size += buf.length;
      if (r.file.size > this.maxBytes) this.rotate(r);
    } catch (err) {
      this.opts.logger?.warn({ err }, 'writing a container log file failed');
    }
  }

  private rotate(r: Run): void {
    const f = r.file!;
    fs.closeSync(f.fd);
    r.file = undefined;
    let rotated = `${f.path}.${rotationStamp()}`;
    for (let i = 1; fs.existsSync(rotated); i++) rotated = `${f.path}.${rotationStamp()}.${i}`;
    fs.renameSync(f.path, rotated);
    const dir = path.dirname(f.path);
    const base = path.basename(f.path);
    const old = fs
      .readdirSync(dir)
      .filter((n) => n.startsWith(`${base}.`))
      .sort();
    for (const n of old.slice(0, Math.max(0, old.length - (MAX_FILES - 1)))) fs.rmSync(path.join(dir, n), { force: true });
  }

  private closeFile(r: Run, unlink: boolean): void {
    const f = r.file;
    if (!f) return;
    r.file = undefined;
    try {
      fs.closeSync(f.fd);
      if (unlink) {
        const dir = path.dirname(f.path);
        const base = path.basename(f.path);
        for (const n of fs.readdirSync(dir)) if (n === base || n.startsWith(`${base}.`)) fs.rmSync(path.join(dir, n), { force: true });
      }
    } catch (err: any) {
      if (err?.code !== 'ENOENT') this.opts.logger?.warn({ err }, 'closing a container log file failed');
    }
  }

  // ---- reading ----

  runs(key: ContainerKey): LogRunInfo[] {
    const runs = this.containers.get(LogStore.id(key));
    if (!runs) return [];
    return [...runs.values()].sort((a, b) => a.restart - b.restart).map((r) => ({ restart: r.restart, ended: r.ended, started: r.started }));
  }

  /** the entries a reader starts from: the last tailLines of the run */
  private startCursor(r: Run, opts: LogReadOptions): Cursor {
    let next = r.head;
    if (opts.tailLines !== undefined) next = Math.max(r.head, r.head + r.entries.length - Math.max(0, Math.floor(opts.tailLines)));
    return { next, newLine: true, remain: opts.limitBytes !== undefined && opts.limitBytes > 0 ? Math.floor(opts.limitBytes) : Infinity };
  }

  /** formats the entries from the cursor on (kuberuntime logWriter.write) */
  private format(r: Run, c: Cursor, opts: LogReadOptions): Buffer {
    const parts: Buffer[] = [];
    if (c.next < r.head) c.next = r.head; // dropped by rotation while the reader waited
    for (; c.next < r.head + r.entries.length && c.remain > 0; c.next++) {
      const e = r.entries[c.next - r.head];
      const prefix = c.newLine;
      c.newLine = !e.partial;
      if (opts.sinceNs !== undefined && e.ns < opts.sinceNs) continue;
      let line = e.partial ? e.text : Buffer.concat([e.text, NL]);
      if (opts.timestamps && prefix) line = Buffer.concat([Buffer.from(`${rfc3339NanoOf(e.ns)} `), line]);
      if (line.length > c.remain) line = line.subarray(0, c.remain);
      c.remain -= line.length;
      parts.push(line);
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }

  read(key: ContainerKey, restart: number, opts: LogReadOptions = {}): Buffer {
    const r = this.find(key, restart);
    if (!r) return Buffer.alloc(0);
    return this.format(r, this.startCursor(r, opts), opts);
  }

  follow(key: ContainerKey, restart: number, opts: LogFollowOptions = {}): AsyncIterable<Buffer> {
    const store = this;
    return {
      [Symbol.asyncIterator]: async function* () {
        const r = store.find(key, restart) ?? store.run(key, restart);
        if (!r) return;
        const c = store.startCursor(r, opts);
        const signal = opts.signal;
        while (!signal?.aborted) {
          const chunk = store.format(r, c, opts);
          if (chunk.length) yield chunk;
          if (c.remain <= 0 || signal?.aborted) return;
          if (c.next >= r.head + r.entries.length && (r.ended || store.find(key, restart) !== r)) return;
          if (c.next < r.head + r.entries.length) continue;
          await new Promise<void>((resolve) => {
            const done = () => {
              r.waiters.delete(done);
              signal?.removeEventListener('abort', done);
              resolve();
            };
            r.waiters.add(done);
            signal?.addEventListener('abort', done, { once: true });
          });
        }
      },
    };
  }
}

const NL = Buffer.from('\n');
