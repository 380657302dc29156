// What a built-in command is given: its argv, the container (fs, env, network), its streams.
import type { Writable } from 'node:stream';
import { normalizePath } from '../fs.js';
import type { ContainerFS, PodNetwork } from '../types.js';
import { write, type Input } from './io.js';

export interface Proc {
  argv: string[];
  fs: ContainerFS;
  /** the exported environment the command sees */
  env: Record<string, string>;
  cwd: string;
  hostname: string;
  network: PodNetwork;
  signal: AbortSignal;
  stdin: Input;
  stdout: Writable;
  stderr: Writable;
  /** stdout is a terminal (ls prints columns, curl no progress meter) */
  tty?: boolean;
  /** runs another command (xargs, env CMD, timeout ...) with this one's context and streams */
  exec(argv: string[], env?: Record<string, string>, signal?: AbortSignal): Promise<number>;
}

export type Command = (p: Proc) => Promise<number>;

export function out(p: Proc, s: string | Buffer): Promise<void> {
  return write(p.stdout, s, p.signal);
}

export function err(p: Proc, s: string | Buffer): Promise<void> {
  return write(p.stderr, s, p.signal).catch(() => undefined);
}

/** the absolute container path of `path` for this command */
export function abs(p: Proc, path: string): string {
  return normalizePath(path, p.cwd);
}

const ERRNO: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ENOTDIR: 'Not a directory',
  EISDIR: 'Is a directory',
  EEXIST: 'File exists',
  ENOTEMPTY: 'Directory not empty',
  EROFS: 'Read-only file system',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ELOOP: 'Symbolic link loop',
  EBUSY: 'Resource busy',
  EINVAL: 'Invalid argument',
  EXDEV: 'Invalid cross-device link',
  ENOSPC: 'No space left on device',
};

/** the C library's text for an error (`No such file or directory`) */
export function strerror(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  return (code && ERRNO[code]) || (e instanceof Error ? e.message : String(e));
}

export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException)?.code;
}

/** Splits combined short options (`-rf`) from operands; `--` ends options. Returns [flags, operands]. */
export function parseFlags(
  args: string[],
  withValue = '',
): { flags: Map<string, string | true>; operands: string[]; bad?: string } {
  const flags = new Map<string, string | true>();
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (a.length > 1 && a[0] === '-' && !/^-\d/.test(a)) {
      for (let j = 1; j < a.length; j++) {
        const f = a[j]!;
        if (withValue.includes(f)) {
          const v = a.slice(j + 1) || args[++i];
          if (v === undefined) return { flags, operands, bad: f };
          flags.set(f, v);
          break;
        }
        flags.set(f, true);
      }
    } else operands.push(a);
  }
  return { flags, operands };
}
