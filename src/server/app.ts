// The HTTP server: one Fastify instance, one catch-all route that parses RequestInfo and
// dispatches to discovery, OpenAPI, health, version or the generic resource handler.
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type Logger } from 'pino';
import { allResources } from '../resources/index.js';
import { Registry } from '../registry/registry.js';
import { ObjectStore } from '../storage/store.js';
import { StatusError, internalError, resourceNotFound, tooLarge, methodNotAllowed } from '../registry/errors.js';
import { Discovery, aggregatedDiscoveryVersion } from './discovery.js';
import { handleResource, sendJSON, sendStatusError, type HandlerContext } from './handlers.js';
import { parseRequestInfo } from './requestinfo.js';
import { ensureProtobuf } from './negotiation.js';
import { WatchHub } from './watch.js';
import { emulatedMinor, versionInfo } from './version.js';
import { ControllerManager } from '../controllers/manager.js';
import { allControllers } from '../controllers/index.js';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE, openapiV2ETag, openapiV2Json, openapiV2Protobuf, openapiV3Document, openapiV3Root } from '../schema/index.js';
import { bootstrap } from './bootstrap.js';
import { installAdmission } from '../registry/admission.js';
import { installStorageAdmission } from '../registry/admission-storage.js';
import { startDNSServer } from '../dns/server.js';

export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;

export interface ServerOptions {
  host?: string;
  port?: number;
  /** directory for the SQLite database; ignored with inMemory */
  dataDir?: string;
  inMemory?: boolean;
  emulatedVersion?: string;
  logLevel?: string;
  logger?: Logger;
  retentionCount?: number;
  retentionAgeMs?: number;
  serviceCIDR?: string;
  /** controllers to run (`*` = all, `-name` disables one, [] = none); default all */
  controllers?: string[];
  /** simulated nodes (default 1) */
  nodes?: number;
  /** pod lifecycle timing: 'default' or 'fast' (zero delay) */
  podStages?: 'default' | 'fast';
  /** mark the built-in `standard` StorageClass as the cluster default */
  defaultStorageClass?: boolean;
  /** cluster DNS port (UDP+TCP) on `host`; 0 or unset = no DNS server */
  dnsPort?: number;
  /** called when the database cannot commit writes (the CLI exits); the server refuses writes after it */
  onStorageFailure?: (err: unknown) => void;
}

export interface KubeEmulator {
  app: FastifyInstance<any, any, any, any>;
  registry: Registry;
  store: ObjectStore;
  watches: WatchHub;
  logger: Logger;
  controllers: ControllerManager;
  /** http://host:port once listening */
  url: string;
  /** the cluster DNS port (UDP and TCP), when DNS is on */
  dnsPort?: number;
  close(): Promise<void>;
}

export async function createServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  const logger = opts.logger ?? pino({ level: opts.logLevel ?? 'warn', base: undefined });
  const emulated = opts.emulatedVersion ?? 'v1.33.0';
  const defs = allResources(emulatedMinor(emulated));
  const store = new ObjectStore({
    dataDir: opts.inMemory ? undefined : (opts.dataDir ?? './data'),
    retentionCount: opts.retentionCount,
    retentionAgeMs: opts.retentionAgeMs,
    attrs: Registry.attrsFor(defs),
    logger,
    onFatal: (err) => onStorageFailure(err),
  });
  // set once the server exists: answer the writes in flight first (see answerThenStop)
  let onStorageFailure = (err: unknown) => opts.onStorageFailure?.(err);
  const registry = new Registry(store, defs, { logger });
  const allocators = installAdmission(registry, { serviceCIDR: opts.serviceCIDR ?? '10.96.0.0/12' });
  installStorageAdmission(registry);
  bootstrap(registry, allocators.ips.first());
  const watches = new WatchHub(registry, logger);
  const controllers = new ControllerManager(
    registry,
    logger,
    {
      nodes: opts.nodes ?? 1,
      podStages: opts.podStages ?? 'default',
      emulatedMinor: emulatedMinor(emulated),
      kubeletVersion: versionInfo(emulated).gitVersion,
      defaultStorageClass: opts.defaultStorageClass ?? false,
      volumesDir: join(opts.inMemory ? tmpdir() : resolve(opts.dataDir ?? './data'), 'volumes'),
    },
    allControllers(),
  );
  const discovery = new Discovery(defs);
  const version = versionInfo(emulated);
  const ctx: HandlerContext = { registry, watches, emulatedMinor: emulatedMinor(emulated) };

  const httpLogger = logger.child({ component: 'http' }, { level: logger.isLevelEnabled('debug') ? logger.level : 'warn' });
  const app = Fastify({
    // per-request logs are debug-level noise: the http logger only reports warnings and errors
    loggerInstance: httpLogger,
    // one logger for every request, not a child per request (1.5-3% of a create)
    childLoggerFactory: () => httpLogger,
    bodyLimit: MAX_REQUEST_BODY_BYTES,
    keepAliveTimeout: 65_000,
    requestTimeout: 0,
    connectionTimeout: 0,
    return503OnClosing: false,
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 10_000 },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: any, req, reply) => {
    if (reply.sent) return;
    if (err instanceof StatusError) return sendStatusError(reply, err);
    if (err?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendStatusError(reply, tooLarge(MAX_REQUEST_BODY_BYTES));
    if (err?.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return sendStatusError(reply, new StatusError(err.statusCode, 'BadRequest', err.message));
    logger.error({ err, url: req.url, method: req.method }, 'request failed');
    return sendStatusError(reply, internalError(err));
  });
  app.setNotFoundHandler((_req, reply) => sendStatusError(reply, resourceNotFound()));
  // Writes are committed in groups (ObjectStore.inBatch): no response leaves before every write
  // made so far is on disk, so an acknowledged write (or a read of one) survives kill -9.
  app.addHook('onSend', (_req, _reply, payload, done) => {
    const durable = store.durable();
    if (!durable) return done(null, payload);
    durable.then(() => done(null, payload), (err) => done(err as Error));
  });

  const serverAddress = () => {
    const a = app.server.address();
    return a && typeof a === 'object' ? `${a.address}:${a.port}` : '';
  };

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const url = req.url;
    const qi = url.indexOf('?');
    const path = qi >= 0 ? url.slice(0, qi) : url;
    const clean = path.length > 1 ? path.replace(/\/+$/, '') : path;
    const isRead = req.method === 'GET' || req.method === 'HEAD';
    switch (clean) {
      case '/healthz':
      case '/livez':
      case '/readyz':
        return reply.code(200).header('Content-Type', 'text/plain; charset=utf-8').send('ok');
      case '/version':
        return sendJSON(reply, 200, version);
      case '/api': {
        if (!isRead) throw methodNotAllowed();
        const agg = aggregatedDiscoveryVersion(req.headers.accept);
        if (agg) return sendAggregated(reply, agg, discovery.aggregated(true, agg));
        return sendJSON(reply, 200, discovery.apiVersions(serverAddress()));
      }
      case '/apis': {
        if (!isRead) throw methodNotAllowed();
        const agg = aggregatedDiscoveryVersion(req.headers.accept);
        if (agg) return sendAggregated(reply, agg, discovery.aggregated(false, agg));
        return sendJSON(reply, 200, discovery.apiGroupList());
      }
      case '/openapi/v2':
      case '/swagger-2.0.0.pb-v1': {
        const accept = String(req.headers.accept ?? '');
        if (accept.includes('protobuf') || clean === '/swagger-2.0.0.pb-v1')
          return reply.code(200).header('Content-Type', OPENAPI_V2_PROTOBUF_CONTENT_TYPE).header('Etag', openapiV2ETag()).send(openapiV2Protobuf());
        return reply.code(200).header('Content-Type', 'application/json').header('Etag', openapiV2ETag()).send(openapiV2Json());
      }
      case '/openapi/v3':
        return sendJSON(reply, 200, openapiV3Root());
    }
    if (clean.startsWith('/openapi/v3/')) {
      const doc = openapiV3Document(clean.slice('/openapi/v3/'.length));
      if (!doc) throw resourceNotFound();
      return reply
        .code(200)
        .header('Content-Type', 'application/json')
        .header('Cache-Control', 'public, immutable')
        .header('Etag', `"${doc.hash}"`)
        .send(doc.body);
    }
    if (clean.startsWith('/livez/') || clean.startsWith('/readyz/') || clean.startsWith('/healthz/'))
      return reply.code(200).header('Content-Type', 'text/plain; charset=utf-8').send('ok');

    if (String(req.headers['content-type'] ?? '').includes('protobuf')) await ensureProtobuf();
    const info = parseRequestInfo(req.method, clean, req.query as Record<string, unknown>);
    if (!info.apiPrefix) throw resourceNotFound();
    if (!info.isResourceRequest) {
      if (!isRead) throw methodNotAllowed();
      if (info.apiPrefix === 'api') {
        if (info.version === 'v1') return sendJSON(reply, 200, discovery.resourceList('', 'v1'));
        throw resourceNotFound();
      }
      if (info.group && info.version) {
        if (!discovery.hasGroupVersion(info.group, info.version)) throw resourceNotFound();
        return sendJSON(reply, 200, discovery.resourceList(info.group, info.version));
      }
      // /apis/{group}
      const group = clean.split('/')[2];
      if (!discovery.hasGroup(group)) throw resourceNotFound();
      return sendJSON(reply, 200, discovery.apiGroup(group));
    }
    return handleResource(ctx, info, req, reply);
  };
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', handler });
  app.route({ method: ['GET', 'HEAD'], url: '/', handler: async (_req, reply) => sendJSON(reply, 200, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] }) });

  let dns: Awaited<ReturnType<typeof startDNSServer>> | undefined;
  try {
    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 6443 });
    controllers.start(opts.controllers ?? ['*']);
    if (opts.dnsPort) dns = await startDNSServer({ informers: controllers.informers, host: opts.host ?? '127.0.0.1', port: opts.dnsPort, logger });
  } catch (err) {
    // a port in use: leave nothing running behind
    controllers.stop();
    await app.close().catch(() => {});
    store.close();
    throw err;
  }
  const a = app.server.address();
  const url = a && typeof a === 'object' ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : '';

  if (opts.onStorageFailure) {
    let failing = false;
    onStorageFailure = (err) => {
      if (failing) return;
      failing = true;
      answerThenStop(app.server, watches, () => opts.onStorageFailure!(err));
    };
  }

  let closed = false;
  return {
    app,
    registry,
    store,
    watches,
    logger,
    controllers,
    url,
    dnsPort: dns?.port,
    async close() {
      if (closed) return;
      closed = true;
      await dns?.close();
      controllers.stop();
      watches.closeAll();
      await app.close();
      store.close();
    },
  };
}

/**
 * After a batch could not be committed: the requests that waited for it are answered (a 500
 * Status each, sent from the promise callbacks of this turn) before the host is told, since the
 * CLI exits then and an exit resets every open connection. Watches end, the listener stops taking
 * connections, idle ones are closed as their answers finish; once none is left (at most 2 s), done().
 */
function answerThenStop(server: import('node:http').Server, watches: WatchHub, done: () => void): void {
  setImmediate(() => {
    watches.closeAll();
    server.close();
    const deadline = Date.now() + 2000;
    let over = false;
    const poll = setInterval(() => {
      server.closeIdleConnections();
      server.getConnections((_err, n) => {
        if (over || (n > 0 && Date.now() < deadline)) return;
        over = true;
        clearInterval(poll);
        done();
      });
    }, 10);
  });
}

function sendAggregated(reply: FastifyReply, v: 'v2' | 'v2beta1', body: string): FastifyReply {
  // a Buffer, so that Fastify sends the media type exactly as upstream does (a string body would get
  // its parameters quoted and a charset appended)
  return reply.code(200).header('Content-Type', `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`).send(Buffer.from(body));
}
