// Streams for the built-in shell: a pull-style reader over a Readable (shared by the commands of one
// session without ever destroying it), backpressure-aware writes, and a pty-like terminal layer.
import { PassThrough, Writable, type Readable } from 'node:stream';

/** Raised by a write to a pipe whose reader has gone (the command ends as if by SIGPIPE). */
export class BrokenPipe extends Error {
  readonly code = 'EPIPE';
  constructor() {
    super('broken pipe');
  }
}

/** Raised when the session's abort signal fires while a command waits. */
export class Aborted extends Error {
  constructor() {
    super('aborted');
  }
}

/** A pull reader over a Readable: read() gives the next chunk (null at the end), unshift() puts data back. */
export class Input {
  private buf: Buffer[] = [];
  private ended: boolean;
  private waiters: (() => void)[] = [];

  constructor(private readonly src?: Readable) {
    this.ended = !src;
    if (src) {
      const wake = () => {
        const w = this.waiters;
        this.waiters = [];
        for (const f of w) f();
      };
      src.on('readable', wake);
      src.on('end', () => {
        this.ended = true;
        wake();
      });
      src.on('close', () => {
        this.ended = true;
        wake();
      });
      src.on('error', () => {
        this.ended = true;
        wake();
      });
    }
  }

  /** the next chunk, or null at the end of input (or when `signal` aborts) */
  async read(signal?: AbortSignal): Promise<Buffer | null> {
    for (;;) {
      if (this.buf.length) return this.buf.shift()!;
      if (signal?.aborted) return null;
      const c = this.src?.read() as Buffer | string | null | undefined;
      if (c !== null && c !== undefined) return typeof c === 'string' ? Buffer.from(c) : c;
      if (this.ended || this.src?.readableEnded || this.src?.destroyed) return null;
      await new Promise<void>((resolve) => {
        const onAbort = () => resolve();
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(() => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        });
      });
    }
  }

  unshift(b: Buffer): void {
    if (b.length) this.buf.unshift(b);
  }

  /** one line without its newline; null at the end of input with nothing read */
  async readLine(signal?: AbortSignal): Promise<string | null> {
    const parts: Buffer[] = [];
    for (;;) {
      const c = await this.read(signal);
      if (c === null) return parts.length ? Buffer.concat(parts).toString() : null;
      const i = c.indexOf(10);
      if (i >= 0) {
        parts.push(c.subarray(0, i));
        this.unshift(c.subarray(i + 1));
        return Buffer.concat(parts).toString();
      }
      parts.push(c);
    }
  }

  /** everything up to the end */
  async readAll(signal?: AbortSignal): Promise<Buffer> {
    const parts: Buffer[] = [];
    for (let c = await this.read(signal); c !== null; c = await this.read(signal)) parts.push(c);
    return Buffer.concat(parts);
  }
}

/** writes with backpressure; throws BrokenPipe when the reader has gone */
export async function write(w: Writable, data: string | Buffer, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) throw new Aborted();
  if (w.destroyed || w.writableEnded) throw new BrokenPipe();
  if (typeof data === 'string' ? data.length === 0 : data.length === 0) return;
  const ok = w.write(data);
  if (ok) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      w.off('drain', done);
      w.off('close', done);
      w.off('error', done);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    w.on('drain', done);
    w.on('close', done);
    w.on('error', done);
    signal?.addEventListener('abort', done, { once: true });
  });
  if (signal?.aborted) throw new Aborted();
  if (w.destroyed) throw new BrokenPipe();
}

/** a Writable that discards everything */
export function nullSink(): Writable {
  return new Writable({ write: (_c, _e, cb) => cb() });
}

/** ends a Writable and waits for it to finish (files flushed) */
export async function finish(w: Writable): Promise<void> {
  if (w.destroyed || w.writableFinished) return;
  await new Promise<void>((resolve) => {
    w.once('finish', resolve);
    w.once('close', resolve);
    w.once('error', () => resolve());
    w.end();
  });
}

/** waits `ms`, or less when `signal` aborts (then throws Aborted) */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Aborted());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new Aborted());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A pty's line discipline over a session's streams: the output side turns `\n` into `\r\n` (onlcr);
 * the input side echoes what is typed, edits the line (backspace, Ctrl-U), hands over whole lines,
 * turns Ctrl-C into an interrupt and Ctrl-D on an empty line into the end of input.
 */
export interface Terminal {
  input: Readable;
  output: Writable;
  /** `fn` gets the number of lines handed over so far (a line typed before Ctrl-C is interrupted too) */
  onInterrupt(fn: (linesSoFar: number) => void): () => void;
}

export function makeTerminal(stdin: Readable | undefined, stdout: Writable | undefined): Terminal {
  const interrupts = new Set<(n: number) => void>();
  let emitted = 0;
  const output = new Writable({
    write(chunk: Buffer, _e, cb) {
      if (!stdout || stdout.destroyed) return cb();
      const s = chunk.toString('latin1').replace(/\r?\n/g, '\r\n');
      if (stdout.write(Buffer.from(s, 'latin1'))) cb();
      else {
        const done = () => {
          stdout.off('drain', done);
          stdout.off('close', done);
          cb();
        };
        stdout.on('drain', done);
        stdout.on('close', done);
      }
    },
  });
  const input = new PassThrough();
  let line = '';
  let esc = 0;
  const echo = (s: string) => {
    if (stdout && !stdout.destroyed && !stdout.writableEnded) stdout.write(s);
  };
  if (stdin) {
    stdin.on('data', (chunk: Buffer) => {
      for (const ch of chunk.toString('utf8')) {
        if (esc === 1) {
          esc = ch === '[' || ch === 'O' ? 2 : 0;
          continue;
        }
        if (esc === 2) {
          if (/[@-~]/.test(ch)) esc = 0;
          continue;
        }
        switch (ch) {
          case '\x1b':
            esc = 1;
            break;
          case '\r':
          case '\n':
            echo('\r\n');
            if (!input.writableEnded) input.write(line + '\n');
            emitted++;
            line = '';
            break;
          case '\x7f':
          case '\b':
            if (line.length) {
              line = [...line].slice(0, -1).join('');
              echo('\b \b');
            }
            break;
          case '\x15':
            echo('\b \b'.repeat([...line].length));
            line = '';
            break;
          case '\x03':
            echo('^C\r\n');
            line = '';
            for (const f of [...interrupts]) f(emitted);
            break;
          case '\x04':
            if (line === '') {
              if (!input.writableEnded) input.end();
            } else {
              if (!input.writableEnded) input.write(line);
              line = '';
            }
            break;
          default:
            if (ch >= ' ' || ch === '\t') {
              line += ch;
              echo(ch);
            }
        }
      }
    });
    stdin.on('end', () => {
      if (!input.writableEnded) input.end(line || undefined);
    });
    stdin.on('error', () => {
      if (!input.writableEnded) input.end();
    });
  } else input.end();
  return {
    input,
    output,
    onInterrupt(fn) {
      interrupts.add(fn);
      return () => interrupts.delete(fn);
    },
  };
}
