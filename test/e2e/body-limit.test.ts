// A body over the 3 MB limit (apiserver pkg/server/config.go MaxRequestBodyBytes) gets the 413
// Status (handlers/rest.go limitedReadBody) and the client can read it: sent without
// `Expect: 100-continue`, as Go and Node clients send bodies, the server answers while the client is
// still sending and closes gently as Go's server does (half-close, then linger), not with a reset.
// Runs the built CLI in its own process (npm test builds dist/ first): in one process the client's
// writes and the server's reads interleave too politely to show the reset.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../../dist/src/main.js', import.meta.url));
let proc: ChildProcess;
let port = 0;

beforeAll(async () => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does)`);
  proc = spawn(process.execPath, [MAIN, '--in-memory', '--insecure', '--port', '0', '--dns-port', '0', '--kubeconfig', '', '--log-level', 'info', '--controllers', ''], { stdio: ['ignore', 'pipe', 'pipe'] });
  port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 10 s')), 10_000);
    proc.stdout!.setEncoding('utf8');
    proc.stdout!.on('data', (c: string) => {
      buf += c;
      const m = /"url":"http:\/\/[^"]*:(\d+)"/.exec(buf);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    proc.on('exit', (code) => reject(new Error(`server exited early (${code})`)));
  });
});
afterAll(() => {
  proc?.kill();
});

interface Answer {
  status?: number;
  body: string;
  requestError?: string;
}

/** POSTs `size` bytes with a Content-Length, written as one buffer or streamed in 64 KB chunks. */
function post(size: number, how: 'buffer' | 'stream'): Promise<Answer> {
  return new Promise((resolve) => {
    const answer: Answer = { body: '' };
    let done = false;
    const finish = () => {
      if (!done) {
        done = true;
        resolve(answer);
      }
    };
    const req = http.request(
      { host: '127.0.0.1', port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', headers: { 'Content-Type': 'application/json', 'Content-Length': String(size) }, agent: false },
      (res) => {
        answer.status = res.statusCode;
        res.setEncoding('utf8');
        res.on('data', (c: string) => (answer.body += c));
        res.on('end', finish);
        res.on('error', finish);
      },
    );
    req.on('error', (e: NodeJS.ErrnoException) => {
      answer.requestError = e.code ?? e.message;
      // an error after the whole answer arrived is the client still writing into a closed socket
      if (answer.status === undefined) finish();
    });
    if (how === 'buffer') {
      req.end(Buffer.alloc(size, 0x20));
      return;
    }
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    const pump = () => {
      while (sent < size) {
        sent += chunk.length;
        if (!req.write(chunk)) {
          req.once('drain', pump);
          return;
        }
      }
      req.end();
    };
    req.on('error', () => (sent = size));
    pump();
  });
}

const STATUS = {
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message: 'Request entity too large: limit is 3145728',
  reason: 'RequestEntityTooLarge',
  code: 413,
};

describe('413 for a body over the limit', () => {
  it('4 MB in one write, eight times in a row: every client reads the Status', async () => {
    for (let i = 0; i < 8; i++) {
      const a = await post(4 << 20, 'buffer');
      expect({ i, status: a.status, requestError: a.status ? undefined : a.requestError }).toEqual({ i, status: 413, requestError: undefined });
      expect(JSON.parse(a.body)).toEqual(STATUS);
    }
  });

  it('4 MB streamed, four times', async () => {
    for (let i = 0; i < 4; i++) {
      const a = await post(4 << 20, 'stream');
      expect(a.status).toBe(413);
      expect(JSON.parse(a.body)).toEqual(STATUS);
    }
  });

  it('100 MB streamed, three times', async () => {
    for (let i = 0; i < 3; i++) {
      const a = await post(100 << 20, 'stream');
      expect(a.status).toBe(413);
      expect(JSON.parse(a.body)).toEqual(STATUS);
    }
  }, 60_000);

  it('a body at the limit is read (and decoded)', async () => {
    const a = await post(3 << 20, 'buffer');
    // 3 MB of spaces: read whole, then refused by the JSON decoder
    expect(a.status).toBe(400);
    expect(JSON.parse(a.body).message).toContain('unexpected end of JSON input');
  });

  it('the server still serves afterwards', async () => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/namespaces/default/configmaps`);
    expect(res.status).toBe(200);
  });
});
