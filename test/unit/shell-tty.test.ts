import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prompt } from '../../src/runtime/shell/index.js';
import { makeContainer, run, type Container } from './shell-harness.js';

let c: Container;
beforeAll(async () => {
  c = await makeContainer();
});
afterAll(async () => {
  await c.cleanup();
});

/** types `text` into a tty session, waiting until the output contains `until` between steps */
function session(argv: string[]) {
  const stdin = new PassThrough();
  let seen = '';
  const waiters: { s: string; r: () => void }[] = [];
  const result = run(c, argv, {
    stdin,
    tty: true,
    raw: (b) => {
      seen += b.toString();
      for (const w of [...waiters]) if (seen.includes(w.s)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.r();
      }
    },
  });
  return {
    stdin,
    result,
    get seen() {
      return seen;
    },
    waitFor(s: string) {
      if (seen.includes(s)) return Promise.resolve();
      return new Promise<void>((r) => waiters.push({ s, r }));
    },
  };
}

describe('interactive shell on a tty', () => {
  it('prompts like busybox, echoes input, translates newlines, exits', async () => {
    const s = session(['/bin/sh']);
    await s.waitFor('/ # ');
    s.stdin.write('echo hello\r');
    await s.waitFor('hello\r\n/ # ');
    s.stdin.write('cd ~\r');
    await s.waitFor('~ # ');
    s.stdin.write('exit 3\r');
    const r = await s.result;
    expect(r.code).toBe(3);
    expect(s.seen).toContain('/ # echo hello\r\nhello\r\n/ # ');
    expect(s.seen).toContain('~ # exit 3\r\n');
  });

  it('Ctrl-C interrupts the running command, Ctrl-D ends the shell', async () => {
    const s = session(['sh']);
    await s.waitFor('/ # ');
    s.stdin.write('sleep 100\r');
    await s.waitFor('sleep 100\r\n');
    s.stdin.write('\x03');
    await s.waitFor('^C\r\n/ # ');
    s.stdin.write('echo $?\r');
    await s.waitFor('130\r\n');
    s.stdin.write('ab\x7fc\r');
    await s.waitFor('sh: ac: not found');
    s.stdin.write('\x04');
    const r = await s.result;
    expect(r.code).toBe(127);
  });

  it('continues multi-line constructs with the PS2 prompt', async () => {
    const s = session(['sh']);
    await s.waitFor('/ # ');
    s.stdin.write('for i in 1 2\r');
    await s.waitFor('> ');
    s.stdin.write('do echo n$i; done\r');
    await s.waitFor('n2\r\n');
    s.stdin.end();
    await s.result;
  });

  it('a tty command (not a shell): output translated, Ctrl-C stops it', async () => {
    const r = await run(c, ['echo', 'a'], { tty: true });
    expect(r.stdout).toBe('a\r\n');
    const s = session(['sleep', '100']);
    setTimeout(() => s.stdin.write('\x03'), 50);
    const res = await s.result;
    expect(res.code).toBe(130);
  });

  it('without a tty, sh reads stdin silently', async () => {
    const r = await run(c, ['sh'], { stdin: 'echo quiet\n' });
    expect(r.stdout).toBe('quiet\n');
    expect(r.stderr).toBe('');
  });

  it('prompt()', () => {
    expect(prompt('/', '/root')).toBe('/ # ');
    expect(prompt('/root', '/root')).toBe('~ # ');
    expect(prompt('/root/x', '/root')).toBe('~/x # ');
    expect(prompt('/usr/share', '/root')).toBe('/usr/share # ');
  });
});
