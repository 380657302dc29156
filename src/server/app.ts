// The HTTP server: one Fastify instance, one catch-all route that parses RequestInfo and
// dispatches to discovery, OpenAPI, health, version or the generic resource handler.
import type { Clock } from '../controllers/runtime/clock.js';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import pino, { type Logger } from 'pino';
import { allResources } from '../resources/index.js';
import { Registry } from '../registry/registry.js';
import { KindRegistry } from '../registry/kinds.js';
import { CustomResourceServing } from '../apiextensions/serving.js';
import { loadCustomResourceSupport } from '../apiextensions/load.js';
import { ObjectStore } from '../storage/store.js';
import { StatusError, badRequest, internalError, pageNotFound, resourceNotFound, tooLarge, methodNotAllowed } from '../registry/errors.js';
import { Discovery, aggregatedDiscoveryVersion } from './discovery.js';
import { handleResource, sendJSON, sendStatusError, type HandlerContext } from './handlers.js';
import { parseRequestInfo, type RequestInfo } from './requestinfo.js';
import { BodyDecodeError, ensureProtobuf } from './negotiation.js';
import { patchTooDeep } from './body.js';
import { sendTooLarge } from './toolarge.js';
import { escapeHTML, indentJSON, isPrettyPrint } from './jsonwire.js';
import { WatchHub } from './watch.js';
import { emulatedMinor, versionInfo } from './version.js';
import { ControllerManager } from '../controllers/manager.js';
import { allControllers } from '../controllers/index.js';
import { admissionPluginErrors } from '../admission/plugins.js';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { OPENAPI_V2_PROTOBUF_CONTENT_TYPE } from '../schema/index.js';
import { ServedOpenAPI } from '../schema/openapi-served.js';
import { bootstrap } from './bootstrap.js';
import { ensureBootstrapPolicy } from '../auth/rbac/bootstrap.js';
import { serviceAllocators } from '../resources/core/service-allocation.js';
import { startDNSServer } from '../dns/server.js';
import { buildSecurity, type SecurityOptions } from '../auth/security.js';
import { filteredRequestInfo, installSecurity } from '../auth/filters.js';
import { OIDC_DISCOVERY_PATH, OIDC_JWKS_PATH, serviceAccountIssuerDocument } from '../auth/tokens/discovery.js';
import { AdmissionChain } from '../admission/types.js';
import { kubeconfigYAML } from './kubeconfig.js';
import { installWebhookAdmission } from '../admission/webhook/index.js';
import { setAdmissionChain } from '../admission/run.js';
import { loadAdmissionCEL } from '../admission/cel.js';
import { installPolicyAdmission } from '../admission/policy/index.js';
import { loadPolicySupport } from '../admission/policy/load.js';
import { installUpgrade } from './streaming/upgrade.js';
import { buildRuntime, type RuntimeOptions, type SimulatedRuntime } from '../runtime/index.js';

// apiserver pkg/server/config.go: MaxRequestBodyBytes is 3 MB
export const MAX_REQUEST_BODY_BYTES = 3 * 1024 * 1024;
export const MAX_HEADER_BYTES = 1 << 20;

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
  /** the controllers' clock (tests pass a FakeClock; default real time) */
  clock?: Clock;
  /** mark the built-in `standard` StorageClass as the cluster default */
  defaultStorageClass?: boolean;
  /** cluster DNS port (UDP+TCP) on `host`; 'free' = any free port; 0 or unset = no DNS server */
  dnsPort?: number | 'free';
  /** when dnsPort is in use: serve DNS on a free port (with a warning) instead of failing */
  dnsPortFallback?: boolean;
  /** called when the database cannot commit writes (the CLI exits); the server refuses writes after it */
  onStorageFailure?: (err: unknown) => void;
  /** --disable-admission-plugins: admission plugins to turn off (upstream names; see src/admission/plugins.ts) */
  disableAdmissionPlugins?: string[];
  /** TLS, authentication and authorization (default: HTTPS with the cluster CA, RBAC); `{ open: true }` is the old open mode */
  security?: SecurityOptions;
  /** the container runtime behind exec / attach / port-forward (tests inject a double) */
  runtime?: import('../runtime/types.js').ContainerRuntime;
  /** the simulated container runtime (--image-dir, --nfs-root, --runtime-config, --exec-mode; tests: parts) */
  runtimeOptions?: RuntimeOptions;
}

export interface KubeEmulator {
  app: FastifyInstance<any, any, any, any>;
  registry: Registry;
  store: ObjectStore;
  watches: WatchHub;
  logger: Logger;
  controllers: ControllerManager;
  /** http(s)://host:port once listening */
  url: string;
  /** the cluster CA certificate (PEM) */
  ca?: string;
  /** the cluster CA's private key (PEM), as kubeadm's /etc/kubernetes/pki/ca.key: to sign client certificates */
  caKey?: string;
  /** the admin client certificate and key (PEM): kubernetes-admin, system:masters */
  adminCert?: string;
  adminKey?: string;
  /** a kubeconfig for this server (the admin credentials over HTTPS; none over plain HTTP) */
  kubeconfig(opts?: { server?: string; dns?: string }): string;
  /** the cluster DNS port (UDP and TCP), when DNS is on */
  dnsPort?: number;
  /** the simulated container runtime (exec, attach, port-forward, logs), when it runs */
  runtime?: import('../runtime/types.js').ContainerRuntime;
  close(): Promise<void>;
}

export async function createServer(opts: ServerOptions = {}): Promise<KubeEmulator> {
  const logger = opts.logger ?? pino({ level: opts.logLevel ?? 'warn', base: undefined });
  const emulated = opts.emulatedVersion ?? 'v1.33.0';
  const admissionErrors = admissionPluginErrors(opts.disableAdmissionPlugins ?? []);
  if (admissionErrors.length) throw new Error(admissionErrors.join('; '));
  const kinds = new KindRegistry(allResources(emulatedMinor(emulated)));
  const store = new ObjectStore({
    dataDir: opts.inMemory ? undefined : (opts.dataDir ?? './data'),
    retentionCount: opts.retentionCount,
    retentionAgeMs: opts.retentionAgeMs,
    attrs: Registry.attrsFor(kinds),
    logger,
    onFatal: (err) => onStorageFailure(err),
  });
  // set once the server exists: answer the writes in flight first (see answerThenStop)
  let onStorageFailure = (err: unknown) => opts.onStorageFailure?.(err);
  const registry = new Registry(store, kinds, { logger, kindConfig: { serviceCIDR: opts.serviceCIDR ?? '10.96.0.0/12', disabledAdmissionPlugins: opts.disableAdmissionPlugins } });
  const serviceIP = serviceAllocators(registry)!.ips.first();
  bootstrap(registry, serviceIP);
  // the bootstrap RBAC policy, reconciled at every start (storage_rbac.go PostStartHook)
  ensureBootstrapPolicy(registry, logger);
  // secure by default: HTTPS with the cluster CA, authentication, authorization
  const security = await buildSecurity(opts.security ?? {}, {
    registry,
    logger,
    dataDir: opts.inMemory ? undefined : resolve(opts.dataDir ?? './data'),
    host: opts.host ?? '127.0.0.1',
    serviceIP,
  });
  const customResources = new CustomResourceServing(registry, logger);
  await customResources.start();
  const watches = new WatchHub(registry, logger);
  const controllerOptions: import('../controllers/manager.js').ControllerOptions = {
    nodes: opts.nodes ?? 1,
    podStages: opts.podStages ?? 'default',
    emulatedMinor: emulatedMinor(emulated),
    kubeletVersion: versionInfo(emulated).gitVersion,
    defaultStorageClass: opts.defaultStorageClass ?? false,
    volumesDir: join(opts.inMemory ? tmpdir() : resolve(opts.dataDir ?? './data'), 'volumes'),
    clock: opts.clock,
    rootCA: security.pki?.caCert,
  };
  const controllers = new ControllerManager(registry, logger, controllerOptions, allControllers());
  // the simulated container runtime, when the node agent runs pods (it tells the runtime about them)
  let runtime: SimulatedRuntime | undefined;
  if (runsNodeAgent(opts.controllers ?? ['*']) && (opts.nodes ?? 1) > 0) {
    runtime = await buildRuntime(opts.runtimeOptions ?? {}, {
      registry,
      informers: controllers.informers,
      logger,
      dataDir: opts.inMemory ? undefined : resolve(opts.dataDir ?? './data'),
      volumesDir: controllerOptions.volumesDir,
      nameserver: clusterDNSAddress(opts.serviceCIDR ?? '10.96.0.0/12'),
    });
    controllerOptions.containers = runtime;
  }
  const discovery = new Discovery(kinds);
  const openapi = new ServedOpenAPI(kinds);
  const version = versionInfo(emulated);
  const admission = new AdmissionChain();
  // upstream's plugin order: MutatingAdmissionWebhook, ValidatingAdmissionPolicy, ValidatingAdmissionWebhook
  // (the policy plugin adds a validating admitter only: installed first, it runs before the webhooks)
  installPolicyAdmission(admission, { registry, authorizer: () => security.runtime.authorizer, logger: logger.child({ component: 'admission' }) });
  installWebhookAdmission(admission, { registry, logger: logger.child({ component: 'admission' }) });
  // the in-process controllers' pod creates go through the chain too
  setAdmissionChain(registry, admission);
  const ctx: HandlerContext = { registry, watches, emulatedMinor: emulatedMinor(emulated), admission, security: security.runtime, runtime: opts.runtime ?? runtime };

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
    // one small line per request instead (logRequests below); fastify's own would serialise the
    // whole Node request and response objects
    logController: new LogController({ disableRequestLogging: true }),
    forceCloseConnections: true,
    // request line and headers up to 1 MB, as Go's http.Server (DefaultMaxHeaderBytes): a 40 KB
    // label selector is a legitimate request (Node's default is 16 KB)
    http: { maxHeaderSize: MAX_HEADER_BYTES },
    // HTTPS: client certificates are asked for and checked against the cluster CA, but a request
    // without one (or with a bad one) still reaches the authenticators, as Go's
    // tls.VerifyClientCertIfGiven (the x509 authenticator answers 401 for a bad one)
    ...(security.tls
      ? { https: { key: security.tls.key, cert: security.tls.cert, ca: security.tls.ca, requestCert: true, rejectUnauthorized: false, maxHeaderSize: MAX_HEADER_BYTES } }
      : {}),
    routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true, maxParamLength: 10_000 },
    // no route has a JSON schema (bodies are decoded and validated by the kinds' own schemas): the
    // default compilers would load ajv and fast-json-stringify at start-up for nothing (~20 ms)
    schemaController: { compilersFactory: { buildValidator: (() => () => () => true) as any, buildSerializer: (() => () => JSON.stringify) as any } },
  });
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_REQUEST_BODY_BYTES }, (_req, body, done) => done(null, body));

  app.setErrorHandler((err: any, req, reply) => {
    if (reply.sent) return;
    if (err instanceof StatusError) return sendStatusError(reply, err);
    // apiserver handlers/rest.go limitedReadBody: "Request entity too large: limit is 3145728"
    if (err?.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return sendTooLarge(req, reply, tooLarge(MAX_REQUEST_BODY_BYTES));
    if (err?.statusCode && err.statusCode >= 400 && err.statusCode < 500)
      return sendStatusError(reply, new StatusError(err.statusCode, 'BadRequest', err.message));
    logger.error({ err, url: req.url, method: req.method }, 'request failed');
    return sendStatusError(reply, internalError(err));
  });
  if (httpLogger.isLevelEnabled('debug')) logRequests(app, httpLogger);
  app.setNotFoundHandler((_req, reply) => sendStatusError(reply, pageNotFound()));
  installSecurity(app, security.runtime);
  // upgrade requests (exec, attach, port-forward) are routed through the same filters (streaming/upgrade.ts)
  installUpgrade(app);
  // once storage has failed (see answerThenStop) every answer closes its connection, so that no
  // client sends another request on a connection the server is about to close
  const stopping = { now: false };
  app.addHook('onRequest', (_req, reply, done) => {
    if (stopping.now) reply.header('Connection', 'close');
    done();
  });
  // Writes are committed in groups (ObjectStore.inBatch): no response leaves before every write
  // made so far is on disk, so an acknowledged write (or a read of one) survives kill -9.
  app.addHook('onSend', (req, reply, payload, done) => {
    if (stopping.now) reply.header('Connection', 'close');
    // apimachinery's JSON serializer writes with json.Encoder: HTML-safe escapes, and a newline
    // after every document (objects, lists, Status errors, Tables, discovery), or indented without
    // one when pretty (runtime/serializer/json/json.go doEncode); raw JSON (/version, OpenAPI) is
    // sent as a Buffer and left as it is
    if (typeof payload === 'string' && String(reply.getHeader('content-type')).startsWith('application/json')) {
      let json = escapeHTML(payload);
      if (isPrettyPrint(req.query as Record<string, unknown>, req.headers['user-agent'])) json = indentJSON(json);
      else if (json.charCodeAt(json.length - 1) !== 10) json += '\n';
      payload = json;
    }
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
        return sendRawJSON(reply, version);
      case OIDC_DISCOVERY_PATH:
      case OIDC_JWKS_PATH: {
        // service-account issuer discovery (auth/tokens/discovery.ts)
        if (!isRead) throw methodNotAllowed();
        const doc = serviceAccountIssuerDocument(registry, clean, serverAddress(), security.tls ? 'https' : 'http');
        if (!doc) throw pageNotFound();
        return reply.code(200).header('Content-Type', doc.contentType).header('Cache-Control', doc.cacheControl).send(doc.body);
      }
      case '/api': {
        if (!isRead) throw methodNotAllowed();
        const agg = aggregatedDiscoveryVersion(req.headers.accept);
        if (agg) return sendAggregated(req, reply, agg, discovery.aggregated(true, agg), discovery.aggregatedETag(true, agg));
        return sendJSON(reply, 200, discovery.apiVersions(serverAddress()));
      }
      case '/apis': {
        if (!isRead) throw methodNotAllowed();
        const agg = aggregatedDiscoveryVersion(req.headers.accept);
        if (agg) return sendAggregated(req, reply, agg, discovery.aggregated(false, agg), discovery.aggregatedETag(false, agg));
        return sendJSON(reply, 200, discovery.apiGroupList());
      }
      case '/openapi/v2':
      case '/swagger-2.0.0.pb-v1': {
        const accept = String(req.headers.accept ?? '');
        if (accept.includes('protobuf') || clean === '/swagger-2.0.0.pb-v1')
          return reply.code(200).header('Content-Type', OPENAPI_V2_PROTOBUF_CONTENT_TYPE).header('Etag', openapi.v2ETag()).send(await openapi.v2Protobuf());
        return reply.code(200).header('Content-Type', 'application/json').header('Etag', openapi.v2ETag()).send(openapi.v2Json());
      }
      case '/openapi/v3':
        // kube-openapi handler3 writes json.Marshal's bytes: no newline
        return reply.code(200).header('Content-Type', 'application/json').send(Buffer.from(JSON.stringify(openapi.v3Root())));
    }
    if (clean.startsWith('/openapi/v3/')) {
      const doc = openapi.v3Document(clean.slice('/openapi/v3/'.length));
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

    if (String(req.headers['content-type'] ?? '').includes('protobuf') || String(req.headers.accept ?? '').includes('protobuf')) await ensureProtobuf();
    // a CustomResourceDefinition write validates its schemas: the custom-resource machinery first
    if (!isRead && clean.startsWith('/apis/apiextensions.k8s.io/')) await loadCustomResourceSupport();
    // a policy or webhook configuration write compiles its CEL expressions (matchConditions)
    if (!isRead && clean.startsWith('/apis/admissionregistration.k8s.io/')) await Promise.all([loadPolicySupport(), loadAdmissionCEL()]);
    // parsed once: the authorization filter's, from the same path and query
    const info = filteredRequestInfo(req) ?? parseRequestInfo(req.method, clean, req.query as Record<string, unknown>);
    (req as RequestWithInfo)[REQUEST_INFO] = info;
    if (!info.apiPrefix) throw pageNotFound();
    if (!info.isResourceRequest) {
      if (!isRead) throw methodNotAllowed();
      if (info.apiPrefix === 'api') {
        if (info.version === 'v1') return sendJSON(reply, 200, discovery.resourceList('', 'v1'));
        throw resourceNotFound();
      }
      if (info.group && info.version) {
        if (!discovery.hasGroupVersion(info.group, info.version)) throw discovery.hasGroup(info.group) ? resourceNotFound() : pageNotFound();
        return sendJSON(reply, 200, discovery.resourceList(info.group, info.version));
      }
      // /apis/{group}
      const group = clean.split('/')[2];
      if (!discovery.hasGroup(group)) throw pageNotFound();
      return sendJSON(reply, 200, discovery.apiGroup(group));
    }
    if (req.method === 'PATCH' && Buffer.isBuffer(req.body)) {
      // no patch decoder (recursive ones included) sees a body deeper than Go's limit
      const deep = patchTooDeep(req.headers['content-type'], req.body, (req.query as Record<string, unknown>).fieldValidation);
      if (deep) throw badRequest(deep);
    }
    try {
      return await handleResource(ctx, info, req, reply);
    } catch (err) {
      // a body the decoder could not read, worded by the kind this endpoint decodes into
      if (err instanceof BodyDecodeError && (info.verb === 'create' || info.verb === 'update')) {
        const def = registry.defAt(info.group, info.version, info.resource);
        if (def) throw err.forKind(SUBRESOURCE_KINDS[info.subresource] ?? def.kind);
      }
      throw err;
    }
  };
  app.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'], url: '/*', handler });
  app.route({ method: ['GET', 'HEAD'], url: '/', handler: async (_req, reply) => sendRawJSON(reply, { paths: ['/api', '/api/v1', '/apis', '/healthz', '/livez', '/openapi/v2', '/openapi/v3', '/readyz', '/version'] }) });

  let dns: Awaited<ReturnType<typeof startDNSServer>> | undefined;
  try {
    await app.listen({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 6443 });
    controllers.start(opts.controllers ?? ['*']);
    if (opts.dnsPort)
      dns = await startDNSServer({ informers: controllers.informers, host: opts.host ?? '127.0.0.1', port: opts.dnsPort === 'free' ? 0 : opts.dnsPort, fallbackToFree: opts.dnsPortFallback, logger });
  } catch (err) {
    // a port in use: leave nothing running behind
    controllers.stop();
    await runtime?.close().catch(() => {});
    await app.close().catch(() => {});
    store.close();
    throw err;
  }
  const a = app.server.address();
  const url = a && typeof a === 'object' ? `${security.tls ? 'https' : 'http'}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}` : '';

  if (opts.onStorageFailure) {
    let failing = false;
    onStorageFailure = (err) => {
      if (failing) return;
      failing = true;
      stopping.now = true;
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
    runtime: ctx.runtime,
    ca: security.pki?.caCert,
    caKey: security.pki?.caKey,
    adminCert: security.pki?.adminCert,
    adminKey: security.pki?.adminKey,
    kubeconfig: (k = {}) =>
      kubeconfigYAML(k.server ?? url, k.dns, security.tls && !security.runtime.open
          ? // with the user's own serving certificate, the client trusts what the system trusts
            { ca: security.tls.cert === security.pki?.serverCert ? security.pki?.caCert : undefined, cert: security.pki?.adminCert, key: security.pki?.adminKey }
          : {}),
    async close() {
      if (closed) return;
      closed = true;
      await dns?.close();
      controllers.stop();
      customResources.stop();
      watches.closeAll();
      await app.close();
      await runtime?.close();
      store.close();
    },
  };
}

/** Whether a --controllers list runs the node agent (ControllerManager.start's rule). */
function runsNodeAgent(enabled: string[]): boolean {
  return (enabled.includes('*') && !enabled.includes('-nodeagent')) || enabled.includes('nodeagent');
}

/** The cluster DNS address pods are given: the service CIDR's 10th address (kubeadm's choice). */
export function clusterDNSAddress(cidr: string): string {
  const base = cidr.split('/')[0];
  const parts = base.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p))) return '10.96.0.10';
  const n = ((parts[0] << 24) >>> 0) + (parts[1] << 16) + (parts[2] << 8) + parts[3] + 10;
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

// the kind a subresource's body decodes into, where it is not the resource's own
const SUBRESOURCE_KINDS: Record<string, string> = { scale: 'Scale', binding: 'Binding', eviction: 'Eviction', token: 'TokenRequest' };

const REQUEST_INFO = Symbol('requestInfo');
type RequestWithInfo = FastifyRequest & { [REQUEST_INFO]?: RequestInfo };

/**
 * One debug line per request when it ends, with what kube-apiserver's httplog reports
 * (apiserver pkg/server/httplog/httplog.go respLogger.Log: verb, URI, latency, userAgent,
 * contentType, srcIP, resp) and the resource the request addressed.
 */
function logRequests(app: FastifyInstance<any, any, any, any>, log: Logger): void {
  app.addHook('onRequest', (req, reply, done) => {
    const start = process.hrtime.bigint();
    const res = reply.raw;
    res.once('close', () => {
      const info = (req as RequestWithInfo)[REQUEST_INFO];
      const fields: Record<string, unknown> = {
        method: req.method,
        verb: info?.verb ?? req.method.toLowerCase(),
        URI: req.url,
        latencyMs: Number(process.hrtime.bigint() - start) / 1e6,
        userAgent: req.headers['user-agent'],
        contentType: req.headers['content-type'],
        srcIP: `${req.socket?.remoteAddress ?? ''}:${req.socket?.remotePort ?? ''}`,
        resp: res.statusCode,
      };
      if (info?.isResourceRequest) {
        fields.resource = info.resource;
        if (info.subresource) fields.subresource = info.subresource;
        if (info.namespace) fields.namespace = info.namespace;
        if (info.name) fields.name = info.name;
        if (info.group) fields.group = info.group;
      }
      if (!res.writableFinished) fields.aborted = true;
      log.debug(fields, 'HTTP');
    });
    done();
  });
}

/** A non-API object as responsewriters.WriteRawJSON writes it: indented by two spaces, no newline. */
function sendRawJSON(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.code(200).header('Content-Type', 'application/json').send(Buffer.from(JSON.stringify(body, null, 2)));
}

/**
 * After a batch could not be committed: the requests that waited for it are answered (a 500
 * Status each, sent from the promise callbacks of this turn) before the host is told, since the
 * CLI exits then and an exit resets every open connection. Watches end at once; for a grace period
 * requests still coming in on open connections are answered too (writes refused with the 500), each
 * answer closing its connection; then the listener closes (and with it the idle connections), and
 * once no connection is left (at most 2 s in all), done().
 */
function answerThenStop(server: import('node:http').Server, watches: WatchHub, done: () => void): void {
  const GRACE_MS = 300;
  const deadline = Date.now() + 2000;
  setImmediate(() => watches.closeAll());
  setTimeout(() => {
    // (http.Server.close also closes the idle keep-alive connections, Node >= 19)
    server.close();
    let over = false;
    const poll = setInterval(() => {
      server.getConnections((_err, n) => {
        if (over || (n > 0 && Date.now() < deadline)) return;
        over = true;
        clearInterval(poll);
        done();
      });
    }, 10);
  }, GRACE_MS);
}

function sendAggregated(req: FastifyRequest, reply: FastifyReply, v: 'v2' | 'v2beta1', body: string, etag: string): FastifyReply {
  // ETag / 304 as upstream (apiserver pkg/endpoints/discovery/aggregated/etag.go ServeHTTPWithETag)
  reply.header('ETag', etag).header('Vary', 'Accept').header('Cache-Control', 'public');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  // a Buffer, so that Fastify sends the media type exactly as upstream does (a string body would get
  // its parameters quoted and a charset appended)
  return reply.code(200).header('Content-Type', `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`).send(Buffer.from(body + '\n'));
}
