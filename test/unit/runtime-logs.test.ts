// The containers' logs (src/runtime/logs.ts): lines and partial lines as containerd's CRI logger writes
// them, the current and previous run, tail/since/timestamps/limitBytes as the kubelet reads them, follow
// ending when the run ends or the pod goes, the CRI files on disk.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LogStore, logReaderOf, parseRFC3339Ns, rfc3339NanoOf } from '../../src/runtime/logs.js';
import type { ContainerKey } from '../../src/runtime/types.js';

const key: ContainerKey = { namespace: 'default', pod: 'web', uid: 'u-1', container: 'c' };
const s = (b: Buffer) => b.toString();

/** a clock that moves 1 s per entry from 2026-01-02T03:04:05.123456789Z */
function clock(start = parseRFC3339Ns('2026-01-02T03:04:05.123456789Z')!) {
  let t = start;
  return () => {
    const v = t;
    t += 1_000_000_000n;
    return v;
  };
}

async function collect(it: AsyncIterable<Buffer>, into: string[]): Promise<void> {
  for await (const c of it) into.push(c.toString());
}
const tick = () => new Promise((r) => setTimeout(r, 5));

describe('LogStore: writing and reading', () => {
  it('splits output into lines; a line is complete only at its newline; stdout and stderr interleave in order', () => {
    const logs = new LogStore();
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'hel');
    expect(s(logs.read(key, 0))).toBe('');
    sink.write('stdout', 'lo\nwor');
    sink.write('stderr', Buffer.from('oops\r\n'));
    sink.write('stdout', 'ld\n\n');
    expect(s(logs.read(key, 0))).toBe('hello\noops\nworld\n\n');
  });

  it('a last line without a newline is flushed (as a P entry) when the run ends, printed without a newline', () => {
    const logs = new LogStore({ now: clock() });
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'one\nprompt> ');
    logs.end(key, 0);
    expect(s(logs.read(key, 0))).toBe('one\nprompt> ');
    // output after the end goes nowhere
    sink.write('stdout', 'late\n');
    expect(s(logs.read(key, 0))).toBe('one\nprompt> ');
  });

  it('timestamps: RFC3339Nano as the kubelet prints them, one per line (none inside a long line)', () => {
    const logs = new LogStore({ now: clock() });
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'a\n');
    sink.write('stdout', `${'x'.repeat(20_000)}\nb\n`);
    const lines = s(logs.read(key, 0, { timestamps: true })).split('\n');
    expect(lines[0]).toBe('2026-01-02T03:04:05.123456789Z a');
    // the long line was cut in two entries (16 KiB and the rest) and comes out whole, with one prefix
    expect(lines[1]).toBe(`2026-01-02T03:04:06.123456789Z ${'x'.repeat(20_000)}`);
    expect(lines[2]).toBe('2026-01-02T03:04:08.123456789Z b');
    expect(rfc3339NanoOf(parseRFC3339Ns('2026-01-02T03:04:05.1Z')!)).toBe('2026-01-02T03:04:05.1Z');
    expect(rfc3339NanoOf(parseRFC3339Ns('2026-01-02T05:04:05+02:00')!)).toBe('2026-01-02T03:04:05Z');
  });

  it('tailLines, then sinceNs; limitBytes cuts the output (timestamps count)', () => {
    const logs = new LogStore({ now: clock() });
    const sink = logs.sink(key, 0);
    for (let i = 1; i <= 5; i++) sink.write('stdout', `line ${i}\n`);
    expect(s(logs.read(key, 0, { tailLines: 2 }))).toBe('line 4\nline 5\n');
    expect(s(logs.read(key, 0, { tailLines: 0 }))).toBe('');
    expect(s(logs.read(key, 0, { tailLines: 99 }))).toBe('line 1\nline 2\nline 3\nline 4\nline 5\n');
    const since = parseRFC3339Ns('2026-01-02T03:04:07Z')!; // lines 3.. are at :07.12 and later
    expect(s(logs.read(key, 0, { sinceNs: since }))).toBe('line 3\nline 4\nline 5\n');
    expect(s(logs.read(key, 0, { sinceNs: since, tailLines: 4 }))).toBe('line 3\nline 4\nline 5\n');
    expect(s(logs.read(key, 0, { limitBytes: 10 }))).toBe('line 1\nlin');
    expect(s(logs.read(key, 0, { limitBytes: 10, timestamps: true }))).toBe('2026-01-02');
  });

  it('keeps each run apart, and the current run and the one before it only', () => {
    const logs = new LogStore();
    for (let r = 0; r < 4; r++) {
      logs.sink(key, r).write('stdout', `run ${r}\n`);
      logs.end(key, r);
    }
    expect(logs.runs(key).map((r) => r.restart)).toEqual([2, 3]);
    expect(s(logs.read(key, 3))).toBe('run 3\n');
    expect(s(logs.read(key, 2))).toBe('run 2\n');
    expect(s(logs.read(key, 1))).toBe('');
    // another container of the pod has its own log
    expect(s(logs.read({ ...key, container: 'sidecar' }, 3))).toBe('');
  });

  it('bounded: the oldest entries go when a run exceeds its size', () => {
    const logs = new LogStore({ maxBytes: 4096 });
    const sink = logs.sink(key, 0);
    for (let i = 0; i < 1000; i++) sink.write('stdout', `entry number ${i}\n`);
    const out = s(logs.read(key, 0));
    expect(out.length).toBeLessThan(4096);
    expect(out.endsWith('entry number 999\n')).toBe(true);
    expect(out).not.toContain('entry number 0\n');
  });

  it('remove: the pod is gone, its logs go, and late writes do not bring them back', () => {
    const logs = new LogStore();
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'x\n');
    logs.remove('u-1');
    sink.write('stdout', 'y\n');
    logs.sink(key, 0).write('stdout', 'z\n');
    expect(logs.runs(key)).toEqual([]);
    expect(s(logs.read(key, 0))).toBe('');
  });

  it('logReaderOf finds the reader on a runtime or takes the store itself', () => {
    const logs = new LogStore();
    expect(logReaderOf(logs)).toBe(logs);
    expect(logReaderOf({ logs })).toBe(logs);
    expect(logReaderOf({ exec() {} })).toBeUndefined();
    expect(logReaderOf(undefined)).toBeUndefined();
  });
});

describe('LogStore: follow', () => {
  it('yields what is there, then new lines, and ends when the run ends', async () => {
    const logs = new LogStore();
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'hello\n');
    const got: string[] = [];
    let ended = false;
    const p = collect(logs.follow(key, 0), got).then(() => (ended = true));
    await tick();
    expect(got.join('')).toBe('hello\n');
    sink.write('stderr', 'more\n');
    await tick();
    expect(got.join('')).toBe('hello\nmore\n');
    expect(ended).toBe(false);
    sink.write('stdout', 'bye');
    logs.end(key, 0);
    await p;
    expect(got.join('')).toBe('hello\nmore\nbye');
  });

  it('waits for a run that has not started yet; ends when the pod is removed', async () => {
    const logs = new LogStore();
    const got: string[] = [];
    const p = collect(logs.follow(key, 1, { timestamps: true }), got);
    await tick();
    logs.sink(key, 1).write('stdout', 'started\n');
    await tick();
    expect(got.join('')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z started\n$/);
    logs.remove(key.uid);
    await p;
  });

  it('tailLines and limitBytes while following: the limit ends the stream', async () => {
    const logs = new LogStore();
    const sink = logs.sink(key, 0);
    sink.write('stdout', 'a\nb\nc\n');
    const got: string[] = [];
    const p = collect(logs.follow(key, 0, { tailLines: 1, limitBytes: 6 }), got);
    await tick();
    expect(got.join('')).toBe('c\n');
    sink.write('stdout', 'dd\neeee\n');
    await p;
    expect(got.join('')).toBe('c\ndd\ne');
  });

  it('the signal stops following (the client went away)', async () => {
    const logs = new LogStore();
    logs.sink(key, 0).write('stdout', 'x\n');
    const ac = new AbortController();
    const got: string[] = [];
    const p = collect(logs.follow(key, 0, { signal: ac.signal }), got);
    await tick();
    ac.abort();
    await p;
    expect(got).toEqual(['x\n']);
  });

  it('an ended run is read to its end at once', async () => {
    const logs = new LogStore();
    logs.sink(key, 0).write('stdout', 'done\n');
    logs.end(key, 0);
    const got: string[] = [];
    await collect(logs.follow(key, 0), got);
    expect(got).toEqual(['done\n']);
  });
});

describe('LogStore: CRI log files', () => {
  it('writes <dir>/<ns>_<pod>_<uid>/<container>/<restart>.log in the CRI format, and removes them with the pod', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ke-logs-'));
    try {
      const logs = new LogStore({ dir, now: clock() });
      const sink = logs.sink(key, 0);
      sink.write('stdout', 'hello\nhalf');
      sink.write('stderr', 'bad\n');
      logs.end(key, 0);
      const file = path.join(dir, 'default_web_u-1', 'c', '0.log');
      expect(fs.readFileSync(file, 'utf8')).toBe(
        '2026-01-02T03:04:05.123456789Z stdout F hello\n' + '2026-01-02T03:04:06.123456789Z stderr F bad\n' + '2026-01-02T03:04:07.123456789Z stdout P half\n',
      );
      logs.sink(key, 1).write('stdout', 'again\n');
      expect(fs.readFileSync(path.join(dir, 'default_web_u-1', 'c', '1.log'), 'utf8')).toMatch(/ stdout F again\n$/);
      logs.remove('u-1');
      expect(fs.existsSync(path.join(dir, 'default_web_u-1'))).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rotates a file beyond the size; hostile names stay inside the directory', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ke-logs-'));
    try {
      const logs = new LogStore({ dir, maxBytes: 2048 });
      const evil: ContainerKey = { namespace: '..', pod: '../../x', uid: '/etc', container: '..' };
      const sink = logs.sink(evil, 0);
      for (let i = 0; i < 200; i++) sink.write('stdout', `line ${i}\n`);
      const podDirs = fs.readdirSync(dir);
      expect(podDirs).toHaveLength(1);
      const cdir = path.join(dir, podDirs[0], fs.readdirSync(path.join(dir, podDirs[0]))[0]);
      const files = fs.readdirSync(cdir).sort();
      expect(files[0]).toBe('0.log');
      expect(files.length).toBeGreaterThan(1);
      expect(files.length).toBeLessThanOrEqual(5);
      expect(files.slice(1).every((f) => /^0\.log\.\d{8}-\d{6}(\.\d+)?$/.test(f))).toBe(true);
      logs.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
