// The framework's own ceiling, measured in the same run on the same machine: a bare Fastify
// server that inserts the request JSON into better-sqlite3 (WAL) and answers 201, and returns a
// cached object for GET, and a bare watch fan-out (a merge patch of a stored object's annotations,
// the same SQLite write, the event line encoded once, batched every 5 ms and framed once per
// batch, written to every watcher's socket). Prints its URL on stdout.
import Fastify from 'fastify';
import Database from 'better-sqlite3';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const dir = mkdtempSync(join(tmpdir(), 'ceiling-'));
const db = new Database(join(dir, 'c.db'));
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.exec('CREATE TABLE objects (key TEXT PRIMARY KEY, rv INTEGER, value TEXT)');
const insert = db.prepare('INSERT OR REPLACE INTO objects (key, rv, value) VALUES (?, ?, ?)');
let rv = 0;
let cached = '{}';

const app = Fastify({ logger: false, bodyLimit: 3 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'string' }, (_r, body, done) => done(null, body));
app.post('/api/v1/namespaces/:ns/pods', async (req, reply) => {
  const obj = JSON.parse(req.body as string);
  rv++;
  obj.metadata.resourceVersion = String(rv);
  const json = JSON.stringify(obj);
  insert.run(`${(req.params as any).ns}/${obj.metadata.name}`, rv, json);
  cached = json;
  return reply.code(201).header('content-type', 'application/json').send(json);
});
app.put('/api/v1/namespaces/:ns/pods/:name', async (req, reply) => {
  const obj = JSON.parse(req.body as string);
  rv++;
  obj.metadata.resourceVersion = String(rv);
  const json = JSON.stringify(obj);
  insert.run(`${(req.params as any).ns}/${obj.metadata.name}`, rv, json);
  return reply.code(200).header('content-type', 'application/json').send(json);
});
app.get('/api/v1/namespaces/:ns/pods/:name', async (_req, reply) => reply.code(200).header('content-type', 'application/json').send(cached));
app.get('/readyz', async () => 'ok');

// bare watch fan-out
const objects = new Map<string, string>();
const watchers = new Set<import('node:net').Socket>();
let pending: Buffer[] = [];
let timer: NodeJS.Timeout | undefined;
let last = 0;
const flush = () => {
  timer = undefined;
  last = performance.now();
  const parts = pending;
  pending = [];
  let n = 0;
  for (const p of parts) n += p.length;
  const framed = Buffer.concat([Buffer.from(`${n.toString(16)}\r\n`), ...parts, Buffer.from('\r\n')]);
  for (const s of watchers) s.write(framed);
};
app.post('/api/v1/namespaces/w/pods', async (req, reply) => {
  const obj = JSON.parse(req.body as string);
  rv++;
  obj.metadata.resourceVersion = String(rv);
  const json = JSON.stringify(obj);
  insert.run(`w/${obj.metadata.name}`, rv, json);
  objects.set(obj.metadata.name, json);
  return reply.code(201).header('content-type', 'application/json').send(json);
});
app.patch('/api/v1/namespaces/w/pods/:name', async (req, reply) => {
  const name = (req.params as any).name as string;
  const obj = JSON.parse(objects.get(name)!);
  const patch = JSON.parse(req.body as string);
  obj.metadata.annotations = { ...obj.metadata.annotations, ...patch.metadata.annotations };
  rv++;
  obj.metadata.resourceVersion = String(rv);
  const json = JSON.stringify(obj);
  insert.run(`w/${name}`, rv, json);
  objects.set(name, json);
  pending.push(Buffer.from(`{"type":"MODIFIED","object":${json}}\n`));
  if (!timer) timer = setTimeout(flush, Math.max(0, last + 5 - performance.now()));
  return reply.code(200).header('content-type', 'application/json').send(json);
});
app.get('/api/v1/namespaces/w/pods', async (req, reply) => {
  if ((req.query as any).watch !== 'true') return reply.code(200).header('content-type', 'application/json').send(`{"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"${rv}"},"items":[]}`);
  reply.hijack();
  const sock = req.raw.socket;
  sock.setNoDelay(true);
  sock.write('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n');
  watchers.add(sock);
  sock.on('close', () => watchers.delete(sock));
});

await app.listen({ host: '127.0.0.1', port: 0 });
const a = app.server.address() as { port: number };
process.stdout.write(`http://127.0.0.1:${a.port}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
