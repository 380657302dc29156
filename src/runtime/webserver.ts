// The web servers of web-server images (nginx, httpd, ikubernetes/myapp): static files from the
// container's filesystem under the image's document root, error pages and access-log lines worded
// as those servers word them. One real HTTP listener on 127.0.0.1 serves every container (started on
// the first connection): a connection is told apart by its client port, so 1,000 replicas cost nothing
// until someone connects.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { posix } from 'node:path';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { ContainerFS, ContainerLogSink } from './types.js';
import type { ServerFlavor } from './config.js';

export interface Site {
  flavor: ServerFlavor;
  /** `nginx/1.27.3`, `Apache/2.4.62 (Unix)` */
  server: string;
  root: string;
  fs: () => Promise<ContainerFS>;
  log: ContainerLogSink;
}

interface Conn {
  site: Site;
  remote: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** nginx's $time_local / Apache's %t (UTC): `02/Dec/2026:14:53:48 +0000`. */
export function timeLocal(d = new Date()): string {
  return `${p2(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())} +0000`;
}

/** nginx's error-log time: `2026/12/02 14:53:48`. */
export function errorLogTime(d = new Date()): string {
  return `${d.getUTCFullYear()}/${p2(d.getUTCMonth() + 1)}/${p2(d.getUTCDate())} ${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`;
}

const MIME: Record<string, string> = {
  html: 'text/html', htm: 'text/html', shtml: 'text/html', css: 'text/css', xml: 'text/xml', gif: 'image/gif', jpeg: 'image/jpeg', jpg: 'image/jpeg',
  js: 'application/javascript', txt: 'text/plain', png: 'image/png', svg: 'image/svg+xml', svgz: 'image/svg+xml', ico: 'image/x-icon', json: 'application/json',
  webp: 'image/webp', pdf: 'application/pdf', zip: 'application/zip', wasm: 'application/wasm', mp4: 'video/mp4', woff: 'font/woff', woff2: 'font/woff2',
  tar: 'application/x-tar', gz: 'application/octet-stream', md: 'application/octet-stream',
};

/** nginx's mime.types (default_type application/octet-stream). */
export function contentType(path: string, flavor: ServerFlavor): string {
  const ext = posix.extname(path).slice(1).toLowerCase();
  const t = MIME[ext];
  if (flavor === 'httpd') return t ? (t.startsWith('text/') ? `${t}` : t) : 'application/octet-stream';
  return t ?? 'application/octet-stream';
}

const STATUS_TEXT: Record<number, string> = { 301: 'Moved Permanently', 304: 'Not Modified', 400: 'Bad Request', 403: 'Forbidden', 404: 'Not Found', 405: 'Not Allowed', 500: 'Internal Server Error' };

/** ngx_http_special_response.c: the error pages (CRLF; old versions have `bgcolor="white"`). */
export function nginxErrorPage(status: number, server: string): string {
  const title = `${status} ${STATUS_TEXT[status] ?? ''}`;
  const old = /^nginx\/1\.(\d+)\./.exec(server);
  const body = old && Number(old[1]) < 17 ? '<body bgcolor="white">' : '<body>';
  return `<html>\r\n<head><title>${title}</title></head>\r\n${body}\r\n<center><h1>${title}</h1></center>\r\n<hr><center>${server}</center>\r\n</body>\r\n</html>\r\n`;
}

const HTTPD_MESSAGES: Record<number, [string, string]> = {
  301: ['Moved Permanently', ''],
  400: ['Bad Request', '<p>Your browser sent a request that this server could not understand.<br />\n</p>\n'],
  403: ['Forbidden', "<p>You don't have permission to access this resource.</p>\n"],
  404: ['Not Found', '<p>The requested URL was not found on this server.</p>\n'],
  405: ['Method Not Allowed', '<p>The requested method is not allowed for this URL.</p>\n'],
};

export function httpdErrorPage(status: number, location?: string): string {
  const [title, text] = HTTPD_MESSAGES[status] ?? ['Internal Server Error', ''];
  const p = status === 301 ? `<p>The document has moved <a href="${location}">here</a>.</p>\n` : text;
  return `<!DOCTYPE HTML PUBLIC "-//IETF//DTD HTML 2.0//EN">\n<html><head>\n<title>${status} ${title}</title>\n</head><body>\n<h1>${title}</h1>\n${p}</body></html>\n`;
}

/** The welcome page of the official nginx image (615 bytes). */
export const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
`;

export const NGINX_50X = `<!DOCTYPE html>
<html>
<head>
<title>Error</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>An error occurred.</h1>
<p>Sorry, the page you are looking for is currently unavailable.<br/>
Please try again later.</p>
<p>If you are the system administrator of this resource then you should check
the error log for details.</p>
<p><em>Faithfully yours, nginx.</em></p>
</body>
</html>
`;

export const HTTPD_INDEX = '<html><body><h1>It works!</h1></body></html>\n';

export const myappIndex = (version: string) => `Hello MyApp | Version: ${version} | <a href="hostname.html">Pod Name</a>\n`;

/** The files a web-server image ships in its document root (the image layer). */
export function builtinDocuments(flavor: ServerFlavor, tag: string | undefined): Record<string, string> {
  switch (flavor) {
    case 'nginx':
      return { 'index.html': NGINX_INDEX, '50x.html': NGINX_50X };
    case 'httpd':
      return { 'index.html': HTTPD_INDEX };
    case 'myapp':
      return { 'index.html': myappIndex(/^v\d+$/.test(tag ?? '') ? tag! : 'v1'), '50x.html': NGINX_50X };
  }
}

/** The Server header of a flavor and image tag. */
export function serverToken(flavor: ServerFlavor, tag: string | undefined): string {
  if (flavor === 'myapp') return 'nginx/1.12.2';
  if (flavor === 'httpd') return `Apache/${/^2\.4\.\d+$/.test(tag ?? '') ? tag : '2.4.62'} (Unix)`;
  const v = /^(\d+\.\d+)(\.\d+)?/.exec(tag ?? '');
  return `nginx/${v ? `${v[1]}${v[2] ?? '.0'}` : '1.27.3'}`;
}

/** What nginx's entrypoint prints when it starts. */
export function startupLines(flavor: ServerFlavor, server: string): string[] {
  const t = errorLogTime();
  if (flavor === 'httpd')
    return [
      `AH00558: httpd: Could not reliably determine the server's fully qualified domain name. Set the 'ServerName' directive globally to suppress this message`,
      `[${new Date().toUTCString().replace(/^(\w+), (\d+) (\w+) (\d+) ([\d:]+) GMT$/, '$1 $3 $2 $5.000000 $4')}] [mpm_event:notice] [pid 1:tid 1] AH00489: ${server} configured -- resuming normal operations`,
    ];
  if (flavor === 'myapp') return [];
  return [
    '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
    '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
    '/docker-entrypoint.sh: Configuration complete; ready for start up',
    `${t} [notice] 1#1: using the "epoll" event method`,
    `${t} [notice] 1#1: ${server}`,
    `${t} [notice] 1#1: start worker processes`,
  ];
}

function etag(mtimeMs: number, size: number): string {
  return `"${Math.floor(mtimeMs / 1000).toString(16)}-${size.toString(16)}"`;
}

export class WebServers {
  private server?: Server;
  private listening?: Promise<number>;
  private readonly conns = new Map<number, Conn>();
  private readonly sockets = new Set<Socket>();

  constructor(private readonly logger: Logger) {}

  private start(): Promise<number> {
    if (this.listening) return this.listening;
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      const conn = this.conns.get(req.socket.remotePort ?? -1);
      if (!conn) {
        res.statusCode = 502;
        res.end();
        return;
      }
      this.handle(conn, req, res).catch((err) => {
        this.logger.warn({ err: (err as Error)?.message }, 'runtime: web server request failed');
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end();
        } else res.destroy();
      });
    });
    // Node's default Date/Connection handling is close to nginx's; no request timeout
    server.requestTimeout = 0;
    this.server = server;
    this.listening = new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve((server.address() as { port: number }).port);
      });
    });
    return this.listening;
  }

  /** A connection to the site, as from `remote` (the client's address, for the access log). */
  async connect(site: Site, remote: string): Promise<Duplex> {
    const port = await this.start();
    const sock = connect(port, '127.0.0.1');
    this.sockets.add(sock);
    await new Promise<void>((resolve, reject) => {
      sock.once('connect', () => {
        sock.off('error', reject);
        resolve();
      });
      sock.once('error', reject);
    });
    const local = sock.localPort!;
    this.conns.set(local, { site, remote });
    sock.once('close', () => {
      this.sockets.delete(sock);
      if (this.conns.get(local)?.site === site) this.conns.delete(local);
    });
    return sock;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.conns.clear();
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  }

  private async handle(conn: Conn, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { site } = conn;
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    let sent = 0;
    const finish = (status: number, headers: Record<string, string | number>, body?: Buffer | string) => {
      const buf = body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(body) ? body : Buffer.from(body);
      res.statusCode = status;
      if (site.flavor === 'nginx' || site.flavor === 'myapp') res.statusMessage = STATUS_TEXT[status] ?? res.statusMessage;
      res.setHeader('Server', site.server);
      for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
      if (!('Content-Length' in headers)) res.setHeader('Content-Length', buf.length);
      if (method === 'HEAD' || status === 304) res.end();
      else {
        sent = buf.length;
        res.end(buf);
      }
      this.accessLog(conn, req, status, sent);
    };
    const error = (status: number, extra: Record<string, string> = {}) => {
      const page = site.flavor === 'httpd' ? httpdErrorPage(status, extra.Location) : nginxErrorPage(status, site.server);
      finish(status, { 'Content-Type': site.flavor === 'httpd' ? 'text/html; charset=iso-8859-1' : 'text/html', ...extra }, page);
    };
    if (method !== 'GET' && method !== 'HEAD') return error(405, site.flavor === 'httpd' ? { Allow: 'GET,POST,OPTIONS,HEAD' } : {});
    let path: string;
    try {
      path = decodeURIComponent(url.split('?')[0].split('#')[0]);
    } catch {
      return error(400);
    }
    if (!path.startsWith('/') || path.includes('\0')) return error(400);
    // nginx refuses a path that climbs above the root
    let depth = 0;
    for (const seg of path.split('/')) {
      if (seg === '..') depth--;
      else if (seg && seg !== '.') depth++;
      if (depth < 0) return error(400);
    }
    const clean = posix.normalize(path);
    const full = posix.join(site.root, clean);
    const fs = await site.fs();
    const errLog = (msg: string) =>
      site.flavor !== 'httpd' &&
      site.log.write('stderr', `${errorLogTime()} [error] 29#29: *1 ${msg}, client: ${conn.remote}, server: localhost, request: "${method} ${url} HTTP/${req.httpVersion}", host: "${req.headers.host ?? ''}"\n`);
    let target = full;
    let st;
    try {
      st = await fs.stat(full);
    } catch (err: any) {
      if (err?.code === 'EACCES') return error(403);
      errLog(`open() "${full}" failed (2: No such file or directory)`);
      return error(404);
    }
    if (st.type === 'dir') {
      if (!clean.endsWith('/')) {
        const host = req.headers.host ?? 'localhost';
        const location = site.flavor === 'httpd' ? `http://${host}${clean}/` : `http://${host}${clean}/`;
        return error(301, { Location: location });
      }
      target = posix.join(full, 'index.html');
      try {
        st = await fs.stat(target);
      } catch {
        errLog(`directory index of "${full.endsWith('/') ? full : `${full}/`}" is forbidden`);
        return error(403);
      }
      if (st.type === 'dir') return error(403);
    }
    let data: Buffer;
    try {
      data = await fs.readFile(target);
    } catch (err: any) {
      if (err?.code === 'EACCES') return error(403);
      return error(404);
    }
    const tag = etag(st.mtimeMs, data.length);
    const headers: Record<string, string | number> = {
      'Content-Type': contentType(target, site.flavor),
      'Content-Length': data.length,
      'Last-Modified': new Date(Math.floor(st.mtimeMs / 1000) * 1000).toUTCString(),
      ETag: tag,
      'Accept-Ranges': 'bytes',
    };
    if (req.headers['if-none-match'] === tag) return finish(304, { ETag: tag, 'Last-Modified': headers['Last-Modified'] as string });
    finish(200, headers, data);
  }

  private accessLog(conn: Conn, req: IncomingMessage, status: number, bytes: number): void {
    const h = (v: string | string[] | undefined) => (Array.isArray(v) ? v.join(', ') : v) || '-';
    const request = `${req.method} ${req.url} HTTP/${req.httpVersion}`;
    const line =
      conn.site.flavor === 'httpd'
        ? `${conn.remote} - - [${timeLocal()}] "${request}" ${status} ${bytes || '-'}\n`
        : `${conn.remote} - - [${timeLocal()}] "${request}" ${status} ${bytes} "${h(req.headers.referer)}" "${h(req.headers['user-agent'])}" "${h(req.headers['x-forwarded-for'])}"\n`;
    conn.site.log.write('stdout', line);
  }
}
