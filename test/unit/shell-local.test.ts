import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localRunCommand } from '../../src/runtime/shell/local.js';
import { FakeNetwork, httpServer, makeContainer, run, sh, type Container } from './shell-harness.js';

let c: Container;
beforeAll(async () => {
  c = await makeContainer();
});
afterAll(async () => {
  await c.cleanup();
});

describe('local exec mode', () => {
  it('runs the real command in the container root dir with the container env', async () => {
    await fsp.writeFile(path.join(c.root, 'marker'), 'm');
    const r = await run(c, ['/bin/sh', '-c', 'ls marker; echo $HOSTNAME; echo err >&2; exit 4'], { runner: localRunCommand });
    expect(r.stdout).toBe('marker\npod-0\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(4);
    expect((await run(c, ['cat'], { runner: localRunCommand, stdin: 'in\n' })).stdout).toBe('in\n');
  });

  it('missing binaries and abort', async () => {
    const r = await run(c, ['no-such-binary-xyz'], { runner: localRunCommand });
    expect(r.startError).toMatch(/executable file not found in \$PATH: unknown$/);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 100);
    const t0 = Date.now();
    const s = await run(c, ['sleep', '30'], { runner: localRunCommand, signal: ac.signal });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(s.code).toBe(143);
  });
});

describe('HTTP over a plain Duplex from the pod network', () => {
  it('works when connect() gives a Duplex that is not a net.Socket', async () => {
    const server = await httpServer((_req, res) => res.end('duplex ok'));
    const net = c.ctx.network as FakeNetwork;
    net.ports.set('10.0.0.9:80', server.port);
    const orig = net.connect.bind(net);
    net.connect = async (ip, port) => {
      const sock = await orig(ip, port);
      return Duplex.from({ readable: sock, writable: sock });
    };
    try {
      expect((await sh(c, 'wget -q -O - 10.0.0.9; curl -s 10.0.0.9')).stdout).toBe('duplex okduplex ok');
    } finally {
      net.connect = orig;
      await server.close();
    }
  });
});
