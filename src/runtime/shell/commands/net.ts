// Network commands over the pod's network (ctx.network): wget (busybox), curl, nslookup (busybox).
// HTTP runs on node:http with `createConnection` returning the pod network's Duplex; names resolve with
// network.lookup (the pod's search path and ndots live there).
import * as http from 'node:http';
import { isIP } from 'node:net';
import * as tls from 'node:tls';
import type { Duplex, Writable } from 'node:stream';
import { abs, err, out, strerror, type Command, type Proc } from '../proc.js';
import { write } from '../io.js';
import { fail } from './util.js';

interface Target {
  url: URL;
  ip: string;
  port: number;
}

type NetError =
  | { kind: 'nxdomain'; host: string }
  | { kind: 'refused'; host: string; ip: string; port: number }
  | { kind: 'unreachable'; host: string; ip: string; port: number; code: string }
  | { kind: 'timeout'; host: string; ip?: string; port: number; ms: number; phase: 'connect' | 'transfer'; bytes: number }
  | { kind: 'tls'; message: string }
  | { kind: 'protocol'; message: string };

class NetFailure extends Error {
  constructor(readonly info: NetError) {
    super(info.kind);
  }
}

/** `host`, `host:port/path` or a full URL → URL (http:// by default) */
export function parseUrl(s: string): URL | undefined {
  const withScheme = /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(s) ? s : 'http://' + s;
  try {
    const u = new URL(withScheme);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
    return u;
  } catch {
    return undefined;
  }
}

async function resolveTarget(p: Proc, url: URL): Promise<Target> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  let ip: string;
  if (isIP(host)) ip = host;
  else if (host === 'localhost') ip = '127.0.0.1';
  else {
    const r = await p.network.lookup(host).catch(() => undefined);
    if (!r || !r.addresses.length) throw new NetFailure({ kind: 'nxdomain', host });
    ip = r.addresses[0]!;
  }
  return { url, ip, port };
}

interface ReqOpts {
  method: string;
  headers: Record<string, string>;
  body?: Buffer;
  connectTimeoutMs?: number;
  timeoutMs?: number;
  insecure?: boolean;
  /** absolute time by which the response must have started */
  deadline?: number;
  signal: AbortSignal;
}

async function connect(p: Proc, t: Target, o: ReqOpts): Promise<Duplex> {
  const host = t.url.hostname;
  const started = Date.now();
  const limit = o.connectTimeoutMs ?? o.timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_r, reject) => {
    if (limit !== undefined) timer = setTimeout(() => reject(new NetFailure({ kind: 'timeout', host, ip: t.ip, port: t.port, ms: Date.now() - started, phase: 'connect', bytes: 0 })), limit);
  });
  try {
    let sock: Duplex;
    try {
      sock = await Promise.race([p.network.connect(t.ip, t.port), timeout]);
    } catch (e) {
      if (e instanceof NetFailure) throw e;
      const code = (e as NodeJS.ErrnoException).code ?? 'ECONNREFUSED';
      if (code === 'ECONNREFUSED') throw new NetFailure({ kind: 'refused', host, ip: t.ip, port: t.port });
      if (code === 'ETIMEDOUT') throw new NetFailure({ kind: 'timeout', host, ip: t.ip, port: t.port, ms: Date.now() - started, phase: 'connect', bytes: 0 });
      throw new NetFailure({ kind: 'unreachable', host, ip: t.ip, port: t.port, code });
    }
    if (t.url.protocol === 'https:') {
      const s = tls.connect({ socket: sock as never, servername: isIP(host) ? undefined : host, rejectUnauthorized: !o.insecure });
      await Promise.race([
        new Promise<void>((resolve, reject) => {
          s.once('secureConnect', () => resolve());
          s.once('error', (e) => reject(new NetFailure({ kind: 'tls', message: e.message })));
        }),
        timeout,
      ]);
      sock = s;
    }
    return sock;
  } finally {
    clearTimeout(timer);
  }
}

/** one HTTP request over the pod network; resolves with the response (its body not read yet) */
async function request(p: Proc, t: Target, o: ReqOpts): Promise<{ res: http.IncomingMessage; sock: Duplex }> {
  const sock = await connect(p, t, o);
  return new Promise((resolve, reject) => {
    const req = http.request({
      method: o.method,
      host: t.url.hostname,
      port: t.port,
      path: (t.url.pathname || '/') + t.url.search,
      headers: o.headers,
      createConnection: () => sock as never,
    });
    const onAbort = () => req.destroy(new Error('aborted'));
    o.signal.addEventListener('abort', onAbort, { once: true });
    let timedOut = false;
    const timer =
      o.deadline !== undefined
        ? setTimeout(() => {
            timedOut = true;
            req.destroy();
            reject(new NetFailure({ kind: 'timeout', host: t.url.hostname, ip: t.ip, port: t.port, ms: 0, phase: 'transfer', bytes: 0 }));
          }, Math.max(0, o.deadline - Date.now()))
        : undefined;
    req.on('response', (res) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      resolve({ res, sock });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      o.signal.removeEventListener('abort', onAbort);
      if (!timedOut) reject(new NetFailure({ kind: 'protocol', message: e.message }));
    });
    if (o.body) req.end(o.body);
    else req.end();
  });
}

function statusText(res: http.IncomingMessage): string {
  return `HTTP/${res.httpVersion} ${res.statusCode} ${res.statusMessage ?? http.STATUS_CODES[res.statusCode ?? 0] ?? ''}`.trimEnd();
}

/** pumps a response body into `dest`, honouring an overall deadline */
async function pumpBody(p: Proc, res: http.IncomingMessage, dest: Writable | undefined, deadline: number | undefined, onBytes?: (n: number) => void): Promise<number> {
  let n = 0;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    if (deadline !== undefined) timer = setTimeout(() => resolve('timeout'), Math.max(0, deadline - Date.now()));
  });
  const aborted = new Promise<'abort'>((resolve) => p.signal.addEventListener('abort', () => resolve('abort'), { once: true }));
  const it = res[Symbol.asyncIterator]();
  try {
    for (;;) {
      const r = await Promise.race([it.next(), timedOut, aborted]);
      if (r === 'timeout') {
        res.destroy();
        throw new NetFailure({ kind: 'timeout', host: '', port: 0, ms: 0, phase: 'transfer', bytes: n });
      }
      if (r === 'abort') {
        res.destroy();
        throw Object.assign(new Error('aborted'), { name: 'Aborted' });
      }
      if (r.done) break;
      const chunk = r.value as Buffer;
      n += chunk.length;
      onBytes?.(chunk.length);
      if (dest) await write(dest, chunk, p.signal);
    }
  } finally {
    clearTimeout(timer);
  }
  return n;
}

function filenameFromUrl(u: URL): string {
  const last = decodeURIComponent(u.pathname.split('/').pop() ?? '');
  return last || 'index.html';
}

// ---- wget (busybox) ----

const wget: Command = async (p) => {
  const args = p.argv.slice(1);
  let outFile: string | undefined;
  let quiet = false;
  let showHeaders = false;
  let spider = false;
  let timeoutS: number | undefined;
  let ua = 'Wget';
  let postData: string | undefined;
  let insecure = false;
  const headers: Record<string, string> = {};
  const urls: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const val = () => args[++i];
    if (a === '-O' || a === '--output-document') outFile = val();
    else if (a.startsWith('-O') && a.length > 2) outFile = a.slice(2);
    else if (a.startsWith('--output-document=')) outFile = a.slice(18);
    else if (a === '-q' || a === '--quiet') quiet = true;
    else if (a === '-S' || a === '--server-response') showHeaders = true;
    else if (a === '--spider') spider = true;
    else if (a === '-T' || a === '--timeout') timeoutS = Number(val());
    else if (a.startsWith('-T') && a.length > 2) timeoutS = Number(a.slice(2));
    else if (a.startsWith('--timeout=')) timeoutS = Number(a.slice(10));
    else if (a === '-U' || a === '--user-agent') ua = val() ?? ua;
    else if (a.startsWith('--user-agent=')) ua = a.slice(13);
    else if (a === '--header') {
      const h = val() ?? '';
      const c = h.indexOf(':');
      if (c > 0) headers[h.slice(0, c).trim()] = h.slice(c + 1).trim();
    } else if (a.startsWith('--post-data=')) postData = a.slice(12);
    else if (a === '--post-data') postData = val();
    else if (a === '--no-check-certificate') insecure = true;
    else if (a === '-c' || a === '--continue' || a === '-nv' || a === '--no-verbose' || a === '-s') continue;
    else if (/^-[qS]+$/.test(a)) {
      if (a.includes('q')) quiet = true;
      if (a.includes('S')) showHeaders = true;
    } else if (a.startsWith('-') && a !== '-') return fail(p, `unrecognized option '${a}'`);
    else urls.push(a);
  }
  if (!urls.length) {
    await err(p, 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR]\n\t[--post-data STR | --post-file FILE] [-Y on/off]\n\t[-P DIR] [-U AGENT] [-T SEC] URL...\n');
    return 1;
  }
  let status = 0;
  for (const raw of urls) {
    let url = parseUrl(raw);
    if (!url) {
      await err(p, `wget: not an http or ftp url: ${raw}\n`);
      status = 1;
      continue;
    }
    const deadline = timeoutS !== undefined ? timeoutS * 1000 : undefined;
    try {
      let res: http.IncomingMessage | undefined;
      for (let hops = 0; hops < 20; hops++) {
        const t = await resolveTarget(p, url);
        if (!quiet) await err(p, `Connecting to ${url.host} (${t.ip}:${t.port})\n`);
        const hdrs: Record<string, string> = { Host: url.host, 'User-Agent': ua, Connection: 'close', ...headers };
        if (postData !== undefined) hdrs['Content-Type'] ??= 'application/x-www-form-urlencoded';
        const r = await request(p, t, {
          method: postData !== undefined ? 'POST' : spider ? 'HEAD' : 'GET',
          headers: hdrs,
          body: postData !== undefined ? Buffer.from(postData) : undefined,
          timeoutMs: deadline,
          deadline: deadline !== undefined ? Date.now() + deadline : undefined,
          insecure,
          signal: p.signal,
        });
        res = r.res;
        if (showHeaders) {
          await err(p, `  ${statusText(res)}\n`);
          for (let i = 0; i < res.rawHeaders.length; i += 2) await err(p, `  ${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\n`);
        }
        const code = res.statusCode ?? 0;
        if (code >= 300 && code < 400 && res.headers.location) {
          res.resume();
          url = new URL(res.headers.location, url);
          continue;
        }
        break;
      }
      if (!res) throw new NetFailure({ kind: 'protocol', message: 'too many redirections' });
      const code = res.statusCode ?? 0;
      if (code >= 400 || code < 200) {
        res.resume();
        await err(p, `wget: server returned error: ${statusText(res)}\n`);
        status = 1;
        continue;
      }
      if (spider) {
        res.resume();
        if (!quiet) await err(p, 'remote file exists\n');
        continue;
      }
      const toStdout = outFile === '-';
      const name = outFile ?? filenameFromUrl(url);
      let dest: Writable;
      let close = async () => {};
      if (toStdout) dest = p.stdout;
      else {
        const path = abs(p, name);
        if (outFile === undefined && (await p.fs.lstat(path).catch(() => undefined))) {
          res.resume();
          await err(p, `wget: can't open '${name}': File exists\n`);
          status = 1;
          continue;
        }
        try {
          dest = await p.fs.createWriteStream(path);
        } catch (e) {
          res.resume();
          await err(p, `wget: can't open '${name}': ${strerror(e)}\n`);
          status = 1;
          continue;
        }
        const d = dest;
        close = () => new Promise<void>((r) => d.end(() => r()));
      }
      if (!quiet) await err(p, toStdout ? 'writing to stdout\n' : `saving to '${name}'\n`);
      let n: number;
      try {
        n = await pumpBody(p, res, dest, deadline !== undefined ? Date.now() + deadline : undefined);
      } finally {
        await close();
      }
      if (!quiet) {
        const label = (toStdout ? '-' : name).slice(0, 20).padEnd(20);
        await err(p, `${label} 100% |********************************| ${String(n).padStart(5)}  0:00:00 ETA\n`);
        await err(p, toStdout ? 'written to stdout\n' : `'${name}' saved\n`);
      }
    } catch (e) {
      if (!(e instanceof NetFailure)) throw e;
      const i = e.info;
      if (i.kind === 'nxdomain') await err(p, `wget: bad address '${i.host}'\n`);
      else if (i.kind === 'refused') await err(p, `wget: can't connect to remote host (${i.ip}): Connection refused\n`);
      else if (i.kind === 'unreachable') await err(p, `wget: can't connect to remote host (${i.ip}): ${i.code === 'EHOSTUNREACH' ? 'No route to host' : i.code === 'ENETUNREACH' ? 'Network is unreachable' : strerror(Object.assign(new Error(), { code: i.code }))}\n`);
      else if (i.kind === 'timeout') await err(p, `wget: download timed out\n`);
      else await err(p, `wget: ${i.kind === 'tls' ? 'TLS error: ' : ''}${i.message}\n`);
      status = 1;
    }
  }
  return status;
};

// ---- curl ----

const CURL_VERSION = '8.5.0';

const curl: Command = async (p) => {
  const args = p.argv.slice(1);
  let silent = false;
  let showError = false;
  let outFile: string | undefined;
  let remoteName = false;
  let failOnError = false;
  let headOnly = false;
  let include = false;
  let method: string | undefined;
  let data: string | undefined;
  let verbose = false;
  let follow = false;
  let writeOut: string | undefined;
  let insecure = false;
  let maxTime: number | undefined;
  let connectTimeout: number | undefined;
  let ua = `curl/${CURL_VERSION}`;
  let user: string | undefined;
  const headers: [string, string][] = [];
  const urls: string[] = [];
  const expandedValue = new Set<number>();
  const withVal = new Set(['-o', '-X', '-d', '-H', '-w', '-m', '-A', '-u', '-e', '--output', '--request', '--data', '--data-raw', '--data-binary', '--data-urlencode', '--header', '--write-out', '--max-time', '--connect-timeout', '--user-agent', '--user', '--retry', '--retry-delay', '--retry-max-time', '--referer', '--url', '--resolve', '--cacert', '--unix-socket']);
  // combined short flags: -sS, -fsSL, -so FILE, -XPOST
  const expanded: string[] = [];
  for (const a of p.argv.slice(1)) {
    const prev = expanded[expanded.length - 1];
    if (prev !== undefined && withVal.has(prev) && expanded.length > 0 && !expandedValue.has(expanded.length - 1)) {
      expanded.push(a);
      expandedValue.add(expanded.length - 1);
      continue;
    }
    if (/^-[A-Za-z#]{2,}/.test(a) && !a.startsWith('--')) {
      const chars = a.slice(1);
      for (let j = 0; j < chars.length; j++) {
        const c = '-' + chars[j];
        expanded.push(c);
        if (withVal.has(c)) {
          const rest = chars.slice(j + 1);
          if (rest) {
            expanded.push(rest);
            expandedValue.add(expanded.length - 1);
          }
          break;
        }
      }
    } else expanded.push(a);
  }
  args.splice(0, args.length, ...expanded);
  for (let i = 0; i < args.length; i++) {
    let a = args[i]!;
    let v: string | undefined;
    if (a.startsWith('--') && a.includes('=')) {
      v = a.slice(a.indexOf('=') + 1);
      a = a.slice(0, a.indexOf('='));
    } else if (withVal.has(a)) v = args[++i];
    switch (a) {
      case '-s':
      case '--silent':
        silent = true;
        break;
      case '-S':
      case '--show-error':
        showError = true;
        break;
      case '-o':
      case '--output':
        outFile = v;
        break;
      case '-O':
      case '--remote-name':
        remoteName = true;
        break;
      case '-f':
      case '--fail':
        failOnError = true;
        break;
      case '-I':
      case '--head':
        headOnly = true;
        break;
      case '-i':
      case '--include':
        include = true;
        break;
      case '-X':
      case '--request':
        method = v;
        break;
      case '-d':
      case '--data':
      case '--data-raw':
      case '--data-binary':
      case '--data-urlencode':
        data = data === undefined ? v : data + '&' + v;
        break;
      case '-H':
      case '--header': {
        const h = v ?? '';
        const c = h.indexOf(':');
        if (c > 0) headers.push([h.slice(0, c).trim(), h.slice(c + 1).trim()]);
        break;
      }
      case '-v':
      case '--verbose':
        verbose = true;
        break;
      case '-L':
      case '--location':
        follow = true;
        break;
      case '-w':
      case '--write-out':
        writeOut = v;
        break;
      case '-k':
      case '--insecure':
        insecure = true;
        break;
      case '-m':
      case '--max-time':
        maxTime = Number(v);
        break;
      case '--connect-timeout':
        connectTimeout = Number(v);
        break;
      case '-A':
      case '--user-agent':
        ua = v ?? ua;
        break;
      case '-u':
      case '--user':
        user = v;
        break;
      case '--url':
        if (v) urls.push(v);
        break;
      case '-V':
      case '--version':
        await out(p, `curl ${CURL_VERSION} (x86_64-alpine-linux-musl) libcurl/${CURL_VERSION}\nProtocols: http https\nFeatures: IPv6 Largefile\n`);
        return 0;
      case '--retry':
      case '--retry-delay':
      case '--retry-max-time':
      case '-e':
      case '--referer':
      case '--resolve':
      case '--cacert':
      case '--unix-socket':
      case '--compressed':
      case '-#':
      case '--progress-bar':
      case '--no-progress-meter':
      case '-N':
      case '--no-buffer':
      case '-g':
      case '--http1.1':
      case '-4':
        if (a === '--no-progress-meter') silent = silent || false;
        break;
      default:
        if (a.startsWith('-') && a !== '-') {
          await err(p, `curl: option ${a}: is unknown\ncurl: try 'curl --help' or 'curl --manual' for more information\n`);
          return 2;
        }
        urls.push(a);
    }
  }
  const showErr = !silent || showError;
  const error = async (code: number, msg: string): Promise<number> => {
    if (showErr) await err(p, `curl: (${code}) ${msg}\n`);
    return code;
  };
  if (!urls.length) {
    await err(p, "curl: no URL specified!\ncurl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  let status = 0;
  for (const raw of urls) {
    let url = parseUrl(raw);
    if (!url) {
      const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw)?.[1];
      status = await error(scheme ? 1 : 3, scheme ? `Protocol "${scheme}" not supported` : `URL rejected: Malformed input to a URL function`);
      continue;
    }
    const started = Date.now();
    const deadline = maxTime !== undefined ? started + maxTime * 1000 : undefined;
    let m = method ?? (headOnly ? 'HEAD' : data !== undefined ? 'POST' : 'GET');
    let body = data !== undefined ? Buffer.from(data) : undefined;
    let total = 0;
    let res: http.IncomingMessage | undefined;
    const wo: Record<string, string> = {};
    try {
      for (let hops = 0; ; hops++) {
        const t = await resolveTarget(p, url);
        if (verbose) await err(p, `*   Trying ${t.ip}:${t.port}...\n* Connected to ${url.hostname} (${t.ip}) port ${t.port}\n`);
        const hdrs: Record<string, string> = { Host: url.host, 'User-Agent': ua, Accept: '*/*' };
        if (user) hdrs.Authorization = 'Basic ' + Buffer.from(user).toString('base64');
        if (body) {
          hdrs['Content-Length'] = String(body.length);
          hdrs['Content-Type'] = 'application/x-www-form-urlencoded';
        }
        for (const [k, val] of headers) {
          for (const key of Object.keys(hdrs)) if (key.toLowerCase() === k.toLowerCase()) delete hdrs[key];
          if (val !== '') hdrs[k] = val;
        }
        if (verbose) {
          await err(p, `> ${m} ${url.pathname}${url.search} HTTP/1.1\n`);
          for (const [k, val] of Object.entries(hdrs)) await err(p, `> ${k}: ${val}\n`);
          await err(p, '> \n');
        }
        const r = await request(p, t, {
          method: m,
          headers: hdrs,
          body,
          connectTimeoutMs: connectTimeout !== undefined ? connectTimeout * 1000 : deadline !== undefined ? deadline - Date.now() : undefined,
          deadline,
          insecure,
          signal: p.signal,
        });
        res = r.res;
        wo.remote_ip = t.ip;
        wo.remote_port = String(t.port);
        if (verbose) {
          await err(p, `< ${statusText(res)}\n`);
          for (let i = 0; i < res.rawHeaders.length; i += 2) await err(p, `< ${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\n`);
          await err(p, '< \n');
        }
        const code = res.statusCode ?? 0;
        if (follow && code >= 300 && code < 400 && res.headers.location && hops < 50) {
          if (include || headOnly) await emitHeaders(p, res);
          res.resume();
          url = new URL(res.headers.location, url);
          if (code === 303 || ((code === 301 || code === 302) && m === 'POST')) {
            m = 'GET';
            body = undefined;
          }
          continue;
        }
        break;
      }
      const code = res.statusCode ?? 0;
      wo.http_code = String(code).padStart(3, '0');
      wo.response_code = wo.http_code;
      wo.content_type = String(res.headers['content-type'] ?? '');
      wo.url_effective = url.href;
      if (failOnError && code >= 400) {
        res.resume();
        status = await error(22, `The requested URL returned error: ${code}`);
        if (writeOut) await out(p, formatWriteOut(writeOut, { ...wo, size_download: '0', time_total: ((Date.now() - started) / 1000).toFixed(6) }));
        continue;
      }
      let dest: Writable = p.stdout;
      let close = async () => {};
      const fileName = remoteName ? filenameFromUrl(url) : outFile && outFile !== '-' ? outFile : undefined;
      if (fileName) {
        try {
          dest = await p.fs.createWriteStream(abs(p, fileName));
        } catch (e) {
          res.resume();
          status = await error(23, `Failure writing output to destination${strerror(e) ? '' : ''}`);
          continue;
        }
        const d = dest;
        close = () => new Promise<void>((r) => d.end(() => r()));
      }
      try {
        if (include || headOnly) await emitHeaders(p, res, dest);
        total = await pumpBody(p, res, headOnly ? undefined : dest, deadline);
      } finally {
        await close();
      }
      if (!silent && (fileName || true) && !verbose && p.tty !== true && !headOnly) await progress(p, total);
      if (writeOut) await out(p, formatWriteOut(writeOut, { ...wo, size_download: String(total), time_total: ((Date.now() - started) / 1000).toFixed(6) }));
    } catch (e) {
      if (!(e instanceof NetFailure)) throw e;
      const i = e.info;
      const ms = Date.now() - started;
      if (writeOut) await out(p, formatWriteOut(writeOut, { ...wo, http_code: '000', size_download: String(total), time_total: (ms / 1000).toFixed(6) }));
      if (i.kind === 'nxdomain') status = await error(6, `Could not resolve host: ${i.host}`);
      else if (i.kind === 'refused') status = await error(7, `Failed to connect to ${i.host} port ${i.port} after ${ms} ms: Couldn't connect to server`);
      else if (i.kind === 'unreachable') status = await error(7, `Failed to connect to ${i.host} port ${i.port} after ${ms} ms: Couldn't connect to server`);
      else if (i.kind === 'timeout')
        status = await error(28, i.phase === 'connect' ? `Failed to connect to ${url.hostname} port ${i.port} after ${ms} ms: Timeout was reached` : `Operation timed out after ${ms} milliseconds with ${i.bytes} bytes received`);
      else if (i.kind === 'tls') status = await error(60, `SSL certificate problem: ${i.message}`);
      else status = await error(52, `Empty reply from server`);
    }
  }
  return status;
};

async function emitHeaders(p: Proc, res: http.IncomingMessage, dest: Writable = p.stdout): Promise<void> {
  let s = statusText(res) + '\r\n';
  for (let i = 0; i < res.rawHeaders.length; i += 2) s += `${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}\r\n`;
  await write(dest, s + '\r\n', p.signal);
}

async function progress(p: Proc, n: number): Promise<void> {
  const c = (x: number) => String(x).padStart(5);
  await err(
    p,
    '  % Total    % Received % Xferd  Average Speed   Time    Time     Time  Current\n' +
      '                                 Dload  Upload   Total   Spent    Left  Speed\n' +
      `\r100${c(n)}  100${c(n)}    0     0  ${c(n * 10).padStart(6)}      0 --:--:-- --:--:-- --:--:--${c(n * 10).padStart(6)}\n`,
  );
}

function formatWriteOut(fmt: string, vars: Record<string, string>): string {
  return fmt
    .replace(/%\{(\w+)\}/g, (_m, k: string) => vars[k] ?? '')
    .replace(/\\n/g, '\n')
    .replace(/\\t/g, '\t')
    .replace(/\\r/g, '\r');
}

// ---- nslookup (busybox) ----

const nslookup: Command = async (p) => {
  const args = p.argv.slice(1).filter((a) => !a.startsWith('-'));
  const name = args[0];
  if (!name) {
    await err(p, 'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n');
    return 1;
  }
  const server = args[1] ?? p.network.nameserver;
  await out(p, `Server:\t\t${server}\nAddress:\t${server}:53\n\n`);
  if (isIP(name)) {
    const rev = name.split('.').reverse().join('.') + '.in-addr.arpa';
    await out(p, `** server can't find ${rev}: NXDOMAIN\n\n`);
    return 1;
  }
  const r = await p.network.lookup(name).catch(() => undefined);
  if (!r || !r.addresses.length) {
    await out(p, `** server can't find ${name}: NXDOMAIN\n\n`);
    return 1;
  }
  for (const a of r.addresses) await out(p, `Name:\t${r.name}\nAddress: ${a}\n`);
  await out(p, '\n');
  return 0;
};

export const NET_COMMANDS: Record<string, Command> = { wget, curl, nslookup };
