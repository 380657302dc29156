// A test double ContainerRuntime for the streaming tests: exec runs a few scripted commands
// (echo, fail N, cat, tty, size, nope, sleep), attach copies stdin to stdout, portForward connects
// port 80 to a local server and refuses the others as containerd words it.
import net from 'node:net';
import type { Duplex } from 'node:stream';
import type { ContainerRef, ContainerRuntime, ProcessResult, SessionStreams } from '../../src/runtime/types.js';
import { StatusError } from '../../src/registry/errors.js';

export interface FakeRuntime extends ContainerRuntime {
  calls: { op: string; ref?: ContainerRef; command?: string[]; tty?: boolean; port?: number }[];
  aborted: number;
}

function copyStdin(s: SessionStreams): Promise<void> {
  return new Promise((resolve) => {
    if (!s.stdin) return resolve();
    s.stdin.on('data', (d: Buffer) => s.stdout?.write(d));
    s.stdin.once('end', () => resolve());
    s.stdin.once('close', () => resolve());
    s.signal.addEventListener('abort', () => resolve());
  });
}

export function fakeRuntime(opts: { forwardTo?: () => number } = {}): FakeRuntime {
  const rt: FakeRuntime = {
    calls: [],
    aborted: 0,
    check(ref, op) {
      if (ref.container === 'stopped') throw new StatusError(500, 'InternalError', `Internal error occurred: unable to upgrade connection: container not found ("stopped")`);
      rt.calls.push({ op: `check:${op}`, ref });
    },
    async exec(ref, command, s): Promise<ProcessResult> {
      rt.calls.push({ op: 'exec', ref, command, tty: s.tty });
      s.signal.addEventListener('abort', () => rt.aborted++);
      const [cmd, ...args] = command;
      switch (cmd) {
        case 'echo':
          s.stdout?.write(args.join(' ') + '\n');
          return { exitCode: 0 };
        case 'fail':
          s.stdout?.write('some output\n');
          s.stderr?.write('oops\n');
          return { exitCode: Number(args[0] ?? 1) };
        case 'cat':
          await copyStdin(s);
          return { exitCode: 0 };
        case 'tty':
          s.stdout?.write(`tty=${s.tty} stderr=${!!s.stderr}\n`);
          return { exitCode: 0 };
        case 'size':
          return new Promise((resolve) => {
            s.onResize?.((z) => {
              s.stdout?.write(`size ${z.width}x${z.height}\n`);
              resolve({ exitCode: 0 });
            });
            s.signal.addEventListener('abort', () => resolve({ exitCode: 130 }));
          });
        case 'big': {
          const n = Number(args[0] ?? 1 << 20);
          const chunk = Buffer.alloc(16 * 1024, 'x');
          for (let sent = 0; sent < n; sent += chunk.length) {
            if (!s.stdout!.write(chunk.subarray(0, Math.min(chunk.length, n - sent)))) await new Promise((r) => s.stdout!.once('drain', r));
          }
          return { exitCode: 0 };
        }
        case 'sleep':
          return new Promise((resolve) => s.signal.addEventListener('abort', () => resolve({ exitCode: 137 })));
        default:
          return {
            exitCode: 126,
            startError: `failed to exec in container: failed to start exec: OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown`,
          };
      }
    },
    async attach(ref, s) {
      rt.calls.push({ op: 'attach', ref, tty: s.tty });
      s.stdout?.write('attached\n');
      await copyStdin(s);
      return { exitCode: 0 };
    },
    portForward(namespace, pod, port): Promise<Duplex> {
      rt.calls.push({ op: 'portforward', port });
      if (port !== 80 || !opts.forwardTo)
        return Promise.reject(new Error(`failed to connect to localhost:${port} inside namespace "${namespace}/${pod}", IP: [] : dial tcp4 127.0.0.1:${port}: connect: connection refused`));
      return new Promise((resolve, reject) => {
        const sock = net.connect(opts.forwardTo!(), '127.0.0.1');
        sock.once('connect', () => resolve(sock));
        sock.once('error', reject);
      });
    },
  };
  return rt;
}

/** A local HTTP/echo server: `GET /` answers `hello from the pod`. */
export function httpBackend(): Promise<{ port: number; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const srv = net.createServer((sock) => {
      let buf = '';
      sock.on('data', (d) => {
        buf += d.toString('latin1');
        if (buf.includes('\r\n\r\n')) {
          const body = 'hello from the pod\n';
          sock.end(`HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        } else if (!buf.startsWith('GET') && !buf.startsWith('HEAD') && buf.length >= 4 && !'GET'.startsWith(buf.slice(0, 3))) {
          // not HTTP: an echo
          sock.write(d);
          buf = '';
        }
      });
      sock.on('error', () => {});
    });
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      resolve({ port, close: () => new Promise((r) => srv.close(() => r())) });
    });
  });
}
