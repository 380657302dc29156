// The framework's own ceiling, measured in the same run on the same machine: a bare Fastify
// server that inserts the request JSON into better-sqlite3 (WAL) and answers 201, and returns a
// cached object for GET. Prints its URL on stdout.
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

await app.listen({ host: '127.0.0.1', port: 0 });
const a = app.server.address() as { port: number };
process.stdout.write(`http://127.0.0.1:${a.port}\n`);
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
