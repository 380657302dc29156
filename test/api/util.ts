// Shared helpers for the HTTP API tests: a watch-stream reader over node http.get that parses
// the newline-delimited JSON events incrementally, and small object builders.
import http from 'node:http';
import { startServer } from '../helpers/server.js';
import type { KubeEmulator, ServerOptions } from '../../src/server/app.js';

export interface WatchEvent {
  type: string;
  object: any;
}

export interface WatchStream {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** the next event; rejects after timeoutMs or when the stream ended first */
  next(timeoutMs?: number): Promise<WatchEvent>;
  /** the next n events */
  take(n: number, timeoutMs?: number): Promise<WatchEvent[]>;
  /** resolves when the server ends the stream */
  ended: Promise<void>;
  isEnded(): boolean;
  /** events already parsed but not consumed */
  pending(): WatchEvent[];
  req: http.ClientRequest;
  res: http.IncomingMessage;
  close(): void;
}

/** Opens a watch (any GET that streams events) and resolves once the response headers arrived. */
export function openWatch(base: string, path: string, headers: Record<string, string> = {}): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(base + path, { headers, agent: false }, (res) => {
      const queue: WatchEvent[] = [];
      const waiters: { resolve: (e: WatchEvent) => void; reject: (e: Error) => void }[] = [];
      let buf = '';
      let ended = false;
      let endResolve!: () => void;
      const endedP = new Promise<void>((r) => (endResolve = r));
      const onEnd = () => {
        if (ended) return;
        ended = true;
        endResolve();
        for (const w of waiters.splice(0)) w.reject(new Error('watch stream ended'));
      };
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).trim();
          buf = buf.slice(i + 1);
          if (!line) continue;
          const ev = JSON.parse(line) as WatchEvent;
          const w = waiters.shift();
          if (w) w.resolve(ev);
          else queue.push(ev);
        }
      });
      res.on('end', onEnd);
      res.on('close', onEnd);
      res.on('error', onEnd);
      const next = (timeoutMs = 3000) =>
        new Promise<WatchEvent>((res2, rej) => {
          const q = queue.shift();
          if (q) return res2(q);
          if (ended) return rej(new Error('watch stream ended'));
          const w = {
            resolve: (e: WatchEvent) => {
              clearTimeout(t);
              res2(e);
            },
            reject: (e: Error) => {
              clearTimeout(t);
              rej(e);
            },
          };
          const t = setTimeout(() => {
            const k = waiters.indexOf(w);
            if (k >= 0) waiters.splice(k, 1);
            rej(new Error(`no watch event within ${timeoutMs} ms`));
          }, timeoutMs);
          waiters.push(w);
        });
      resolve({
        status: res.statusCode ?? 0,
        headers: res.headers,
        next,
        async take(n, timeoutMs) {
          const out: WatchEvent[] = [];
          for (let k = 0; k < n; k++) out.push(await next(timeoutMs));
          return out;
        },
        ended: endedP,
        isEnded: () => ended,
        pending: () => [...queue],
        req,
        res,
        close() {
          req.destroy();
          res.destroy();
        },
      });
    });
    req.on('error', reject);
  });
}

/** Waits until cond() is true, polling every 10 ms. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 3000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

export function cm(name: string, data: Record<string, string> = {}, labels?: Record<string, string>): any {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(labels ? { labels } : {}) }, data };
}

export function pod(name: string, extra: { labels?: Record<string, string>; nodeName?: string } = {}): any {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, ...(extra.labels ? { labels: extra.labels } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(extra.nodeName ? { nodeName: extra.nodeName } : {}) },
  };
}

export const TABLE_ACCEPT = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/**
 * An in-memory server without controllers: these tests pin down the API machinery, and a
 * scheduler or kubelet changing objects underneath them would make them racy.
 */
export function startBare(opts: ServerOptions = {}): Promise<KubeEmulator> {
  return startServer({ controllers: [], ...opts });
}
