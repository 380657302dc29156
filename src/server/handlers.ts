// Resource requests: one generic handler for every kind and verb (apiserver
// pkg/endpoints/handlers/{get,create,update,patch,delete}.go), answering JSON / YAML / Table.
import { toYAML } from '../util/yamltext.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KObject, ResourceDef } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import type { Registry, DeleteOptions } from '../registry/registry.js';
import { badRequest, methodNotAllowed, methodNotSupported, notFound, pageNotFound, resourceNotFound, StatusError, unsupportedMediaType } from '../registry/errors.js';
import { parseFieldValidation } from '../registry/fieldvalidation.js';
import { checkName, typeMetaError } from '../registry/typemeta.js';
import type { Entry } from '../storage/store.js';
import { decodeBody, decodeJSON, negotiateOutput, prefersProtobuf, protobufCodec, type Accepted } from './negotiation.js';
import type { RequestInfo } from './requestinfo.js';
import { queryBool, queryFlag } from './query.js';
import { parseIncludeObject, partialObjectMetadata, toTable } from './table.js';
import type { WatchHub } from './watch.js';
import { admittedPatch, patchTypeOf } from '../patch/index.js';
import { validateWriteOptions } from './writeoptions.js';
import { int64Param, listParams } from './listoptions.js';
import { serveSubresource } from './subresources.js';
import { decodeDeleteOptions } from './deleteoptions.js';
import { findDuplicateYAMLKeys, yamlUnmarshalErrors } from '../schema/duplicates.js';
import { checkKindFields } from '../registry/fieldvalidation.js';
import { duplicateFieldMessage, findDuplicateFields, strictDecodingMessage, unknownFieldMessage } from '../schema/index.js';
import { stringifyJSON } from '../util/json.js';
import type { AdmissionChain } from '../admission/types.js';
import { requestUser } from '../auth/filters.js';
import { admittedDelete, admittedDeleteCollection, admittedWrite, decodedDefaulted, optionsObject } from '../admission/run.js';


export interface HandlerContext {
  registry: Registry;
  watches: WatchHub;
  /** the emulated Kubernetes minor version (33 for v1.33.0) */
  emulatedMinor: number;
  /** webhooks and admission policies, run around the registry's writes */
  admission: AdmissionChain;
  /** authenticators, authorizer and rules (reviews, TokenRequest and escalation checks use them) */
  security: import('../auth/filters.js').SecurityRuntime;
  /** the simulated container runtime behind pods/exec, attach, portforward and log (src/runtime/) */
  runtime?: import('../runtime/types.js').ContainerRuntime;
}

type Query = Record<string, string | undefined>;

function q1(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[v.length - 1]) : undefined;
  return v === undefined ? undefined : String(v);
}

export function flatQuery(raw: unknown): Query {
  const out: Query = {};
  for (const [k, v] of Object.entries((raw ?? {}) as Record<string, unknown>)) out[k] = q1(v);
  return out;
}


function intParam(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  // metav1.ParameterCodec: strconv.ParseInt's error is the 400's message
  return int64Param({ [name]: v }, name);
}

function dryRunParam(q: Query): boolean {
  const v = q.dryRun;
  if (v === undefined || v === '') return false;
  if (v !== 'All') throw badRequest(`dryRun: Unsupported value: "${v}": supported values: "All"`);
  return true;
}

/** Appends Warning headers (299 - "text"), keeping any already set (e.g. a deprecation warning). */
export function addWarnings(reply: FastifyReply, warnings: string[]): void {
  if (!warnings.length) return;
  const prev = reply.getHeader('Warning');
  const list = prev === undefined ? [] : Array.isArray(prev) ? prev.map(String) : [String(prev)];
  reply.header('Warning', [...list, ...warnings.map((w) => `299 - ${JSON.stringify(w)}`)]);
}

export function sendJSON(reply: FastifyReply, code: number, body: string | KObject, warnings: string[] = []): FastifyReply {
  addWarnings(reply, warnings);
  return reply.code(code).header('Content-Type', 'application/json').send(typeof body === 'string' ? body : stringifyJSON(body));
}

export function sendStatusError(reply: FastifyReply, err: StatusError): FastifyReply {
  if (err.plainText !== undefined)
    return reply.code(err.code).header('Content-Type', 'text/plain; charset=utf-8').header('X-Content-Type-Options', 'nosniff').send(err.plainText);
  // ErrorNegotiated: a Status naming a retry period says so in Retry-After (the eviction's 429)
  if (err.details?.retryAfterSeconds) reply.header('Retry-After', String(err.details.retryAfterSeconds));
  // a client that prefers protobuf gets its errors as a protobuf meta.v1.Status too
  if (prefersProtobuf(reply.request?.headers.accept)) return sendProtobuf(reply, err.code, err.toStatus());
  return sendJSON(reply, err.code, err.toStatus());
}

/** An object as `application/vnd.kubernetes.protobuf` (JSON when its kind has no protobuf form). */
export function sendProtobuf(reply: FastifyReply, code: number, obj: KObject): FastifyReply {
  const body = protobufCodec()?.encodeKubernetesProtobuf(obj);
  if (!body) return sendJSON(reply, code, obj);
  return reply.code(code).header('Content-Type', 'application/vnd.kubernetes.protobuf').send(body);
}

/** Whether the kind has a protobuf form (asked only for Accept headers naming protobuf). */
export const protobufFor = (apiVersion: string, kind: string) => (): boolean => protobufCodec()?.isSupportedProtobufKind(apiVersion, kind) ?? false;

const sendAs = (reply: FastifyReply, accepted: Accepted, code: number, obj: KObject): FastifyReply =>
  accepted.format === 'protobuf' ? sendProtobuf(reply, code, obj) : sendJSON(reply, code, obj);

/** Sends one object in the negotiated form. */
function sendObject(reply: FastifyReply, def: ResourceDef, accepted: Accepted, q: Query, code: number, obj: KObject, warnings: string[] = [], json?: string): FastifyReply {
  addWarnings(reply, warnings);
  if (accepted.format === 'table' && def.table && obj.kind === def.kind) {
    const t = toTable(def, [obj], {
      include: parseIncludeObject(q.includeObject),
      noHeaders: queryFlag(q['-']), // TableOptions.NoHeaders is json:"-": its query key is "-"
      metaVersion: accepted.metaVersion,
      listMeta: { resourceVersion: obj.metadata?.resourceVersion },
    });
    return sendJSON(reply, code, t);
  }
  if (accepted.format === 'pom' && obj.metadata) {
    const pom = partialObjectMetadata(obj, accepted.metaVersion);
    return accepted.protobuf ? sendProtobuf(reply, code, pom) : sendJSON(reply, code, pom);
  }
  if (accepted.format === 'protobuf') return sendProtobuf(reply, code, obj);
  if (accepted.format === 'yaml') return reply.code(code).header('Content-Type', 'application/yaml').send(toYAML(obj));
  return sendJSON(reply, code, json ?? obj);
}

function sendList(reply: FastifyReply, def: ResourceDef, accepted: Accepted, q: Query, r: ReturnType<Registry['listEntries']>): FastifyReply {
  const listMeta: KObject = { resourceVersion: r.resourceVersion };
  if (r.continue) listMeta.continue = r.continue;
  if (r.remainingItemCount !== undefined) listMeta.remainingItemCount = r.remainingItemCount;
  if (accepted.format === 'table') {
    const t = toTable(def, r.entries.map((e) => JSON.parse(e.json)), {
      include: parseIncludeObject(q.includeObject),
      noHeaders: queryFlag(q['-']), // TableOptions.NoHeaders is json:"-": its query key is "-"
      metaVersion: accepted.metaVersion,
      listMeta,
    });
    return sendJSON(reply, 200, t);
  }
  if (accepted.format === 'pom') {
    const list = {
      kind: 'PartialObjectMetadataList',
      apiVersion: `meta.k8s.io/${accepted.metaVersion ?? 'v1'}`,
      metadata: listMeta,
      items: r.entries.map((e) => partialObjectMetadata(JSON.parse(e.json), accepted.metaVersion)),
    };
    return accepted.protobuf ? sendProtobuf(reply, 200, list) : sendJSON(reply, 200, list);
  }
  if (accepted.format === 'protobuf') {
    const list = { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta, items: r.entries.map((e: Entry) => JSON.parse(e.json)) };
    return sendProtobuf(reply, 200, list);
  }
  if (accepted.format === 'yaml') {
    const list = { kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta, items: r.entries.map((e: Entry) => JSON.parse(e.json)) };
    return reply.code(200).header('Content-Type', 'application/yaml').send(toYAML(list));
  }
  // the stored JSON is spliced in as is: no parse, no re-serialisation
  const head = JSON.stringify({ kind: def.listKind, apiVersion: apiVersionOf(def), metadata: listMeta });
  let body = head.slice(0, -1) + ',"items":[';
  for (let i = 0; i < r.entries.length; i++) body += (i ? ',' : '') + r.entries[i].json;
  body += ']}';
  return sendJSON(reply, 200, body);
}

export function parseDeleteOptions(req: FastifyRequest, q: Query): DeleteOptions {
  const raw = req.body as Buffer | undefined;
  const ct = (req.headers['content-type'] ?? 'application/json').toString();
  const opts = raw && raw.length ? decodeDeleteOptions(decodeBody(ct, raw).object) : {};
  // query parameters apply where the body is silent
  if (opts.gracePeriodSeconds === undefined) {
    const g = intParam('gracePeriodSeconds', q.gracePeriodSeconds);
    if (g !== undefined) opts.gracePeriodSeconds = g;
  }
  if (!opts.propagationPolicy && q.propagationPolicy) opts.propagationPolicy = q.propagationPolicy as DeleteOptions['propagationPolicy'];
  if (opts.orphanDependents === undefined) {
    const o = queryBool(q.orphanDependents);
    if (o !== undefined) opts.orphanDependents = o;
  }
  opts.dryRun = opts.dryRun || dryRunParam(q);
  return opts;
}

/**
 * fieldValidation=Strict on a create/update body: the decoder in the handler fails first, so the
 * message carries the decode prefix (apiserver handlers/create.go + rest.go transformDecodeError):
 * `Service in version "v1" cannot be handled as a Service: strict decoding error: unknown field "spec.foo"`.
 */
export function strictDecode(def: ResourceDef, obj: KObject, mode: string, dups: string[], yamlErrors: string[] = []): boolean {
  if (mode !== 'Strict' || obj === null || typeof obj !== 'object' || Array.isArray(obj)) return false;
  // a body of another kind fails its conversion first: the registry words that
  if ((obj.kind && obj.kind !== def.kind) || (obj.apiVersion && obj.apiVersion !== apiVersionOf(def))) return false;
  const { unknown, causes } = checkKindFields(def, obj);
  if (causes.length) return false; // type errors: the registry reports the first one, worded the same way
  // a YAML body's duplicate keys come first (json.go unmarshal: YAMLToJSONStrict, then the JSON)
  const errs = [...yamlErrors, ...unknown.map(unknownFieldMessage), ...dups.map(duplicateFieldMessage)];
  // clean: the registry need not walk the object again
  if (!errs.length) return true;
  // kind and apiVersion default from the URL when the body has none (json.go Decode)
  throw badRequest(`${def.kind} in version ${JSON.stringify(def.version)} cannot be handled as a ${def.kind}: ${strictDecodingMessage(errs)}`);
}

const isYAML = (ct: unknown) => /^\s*(application\/yaml|text\/yaml|application\/x-yaml)\s*(;|$)/i.test(String(ct ?? ''));

/**
 * Duplicate keys of a YAML body (goyaml.v2 strict decoding): under Strict the one error to fail
 * with; under Warn one warning per key, sent on reply (handlers/rest.go parseYAMLWarnings).
 */
export function strictYAMLErrors(req: FastifyRequest, mode: string, reply?: FastifyReply): string[] {
  if (mode === 'Ignore' || !isYAML(req.headers['content-type']) || !Buffer.isBuffer(req.body)) return [];
  const dups = findDuplicateYAMLKeys(req.body.toString('utf8'));
  if (!dups.length) return [];
  if (mode === 'Strict') return [yamlUnmarshalErrors(dups)];
  if (reply) addWarnings(reply, dups);
  return [];
}

export async function handleResource(ctx: HandlerContext, info: RequestInfo, req: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { registry } = ctx;
  const def = registry.defAt(info.group, info.version, info.resource);
  if (!def) throw info.group && !registry.kinds.hasGroup(info.group) ? pageNotFound() : resourceNotFound();
  if (!def.namespaced && info.namespace && info.resource !== 'namespaces') throw resourceNotFound();
  const q = flatQuery(req.query);
  const ns = info.namespace;
  const deprecation = def.deprecationWarning?.(ctx.emulatedMinor);
  if (deprecation) addWarnings(reply, [deprecation]);

  if (def.protobuf === false && (info.verb === 'create' || info.verb === 'update') && /^\s*application\/vnd\.kubernetes\.protobuf\s*(;|$)/i.test(String(req.headers['content-type'] ?? '')))
    // custom resources are served as JSON and YAML only (customresource_handler.go's serializers)
    throw unsupportedMediaType('application/vnd.kubernetes.protobuf', ['application/json', 'application/yaml']);
  if (info.subresource) return serveSubresource(ctx, def, info, req, reply, q);

  // no route for these method/path pairs upstream: go-restful answers 405 before any handler runs
  if (!info.verb || (info.verb === 'create' && info.name) || ((info.verb === 'update' || info.verb === 'patch') && !info.name)) throw methodNotAllowed();
  const accepted = negotiateOutput(req.headers.accept, true, protobufFor(apiVersionOf(def), def.kind));
  switch (info.verb) {
    case 'get': {
      if (!def.verbs.includes('get')) throw methodNotSupported(def, 'get');
      if (accepted.format === 'json') {
        // the stored JSON is the answer: no parse, no re-serialisation
        const e = registry.getEntry(def, ns, info.name);
        if (!e) throw notFound(def, info.name);
        return sendJSON(reply, 200, e.json);
      }
      return sendObject(reply, def, accepted, q, 200, registry.get(def, ns, info.name));
    }
    case 'list': {
      if (!def.verbs.includes('list')) throw methodNotSupported(def, 'list');
      const r = registry.listEntries(def, ns || undefined, {
        labelSelector: q.labelSelector,
        fieldSelector: q.fieldSelector,
        ...listParams(req.query as Record<string, unknown>),
      });
      return sendList(reply, def, accepted, q, r);
    }
    case 'watch': {
      if (!def.verbs.includes('watch')) throw methodNotSupported(def, 'watch');
      let fieldSelector = q.fieldSelector;
      if (info.name) fieldSelector = [`metadata.name=${info.name}`, fieldSelector].filter(Boolean).join(',');
      const filter = registry.filterFor(def, { labelSelector: q.labelSelector, fieldSelector });
      const params = {
        resourceVersion: q.resourceVersion,
        resourceVersionMatch: q.resourceVersionMatch,
        allowWatchBookmarks: queryBool(q.allowWatchBookmarks),
        sendInitialEvents: queryBool(q.sendInitialEvents),
        timeoutSeconds: intParam('timeoutSeconds', q.timeoutSeconds),
        includeObject: parseIncludeObject(q.includeObject),
      };
      ctx.watches.validate(params);
      reply.hijack();
      const warning = reply.getHeader('Warning');
      ctx.watches.serve(req.raw, reply.raw, def, ns || undefined, filter, params, accepted, warning === undefined ? {} : { Warning: Array.isArray(warning) ? warning.map(String) : String(warning) });
      return;
    }
    case 'create': {
      if (!def.verbs.includes('create')) throw methodNotSupported(def, 'create');
      validateWriteOptions('CreateOptions', req.query);
      const body = decodeBody(req.headers['content-type'], req.body as Buffer);
      const mode = parseFieldValidation(q.fieldValidation);
      const dups = body.raw ? findDuplicateFields(body.raw) : [];
      const fieldsChecked = strictDecode(def, body.object, mode, dups, strictYAMLErrors(req, mode, reply));
      if (def.create) {
        const out = await def.create(body.object, { user: requestUser(req), namespace: ns, registry, security: ctx.security });
        return sendObject(reply, def, accepted, q, 201, out);
      }
      const wopts = { fieldManager: q.fieldManager, fieldValidation: mode, duplicates: dups, fieldsChecked, userAgent: String(req.headers['user-agent'] ?? ''), user: requestUser(req) };
      const dryRun = dryRunParam(q);
      const r = await admittedWrite(ctx.admission, req, {
        operation: 'CREATE', def, namespace: ns, name: '', dryRun, options: optionsObject('CreateOptions', q),
        object: () => decodedDefaulted(def, body.object),
        // a mutated object was changed by admission: its fields are checked again
        write: (o, dry) => registry.create(def, ns, o ?? (dry ? structuredClone(body.object) : body.object), { ...wopts, ...(o ? { fieldsChecked: false, duplicates: [] } : {}), dryRun: dry }),
      });
      return sendObject(reply, def, accepted, q, 201, r.object, r.warnings, r.json);
    }
    case 'update': {
      if (!def.verbs.includes('update')) throw methodNotSupported(def, 'update');
      validateWriteOptions('UpdateOptions', req.query);
      const body = decodeBody(req.headers['content-type'], req.body as Buffer);
      const mode = parseFieldValidation(q.fieldValidation);
      const dups = body.raw ? findDuplicateFields(body.raw) : [];
      const fieldsChecked = strictDecode(def, body.object, mode, dups, strictYAMLErrors(req, mode, reply));
      if (!typeMetaError(def, body.object.kind, body.object.apiVersion, registry.isRegistered)) checkName(body.object, info.name, ns);
      const existed = !!registry.getEntry(def, ns, info.name);
      const wopts = { fieldManager: q.fieldManager, fieldValidation: mode, duplicates: dups, fieldsChecked, userAgent: String(req.headers['user-agent'] ?? ''), user: requestUser(req) };
      // a PUT that creates (allowCreateOnUpdate) is a CREATE to admission; one of a missing object is the registry's 404
      const r = await admittedWrite(existed || def.allowCreateOnUpdate ? ctx.admission : undefined, req, {
        operation: existed ? 'UPDATE' : 'CREATE', def, namespace: ns, name: info.name, dryRun: dryRunParam(q), options: optionsObject(existed ? 'UpdateOptions' : 'CreateOptions', q),
        object: () => decodedDefaulted(def, body.object),
        oldObject: () => registry.tryGet(def, ns, info.name),
        write: (o, dry) => registry.update(def, ns, info.name, o ?? (dry ? structuredClone(body.object) : body.object), { ...wopts, ...(o ? { fieldsChecked: false, duplicates: [] } : {}), dryRun: dry }),
      });
      return sendObject(reply, def, accepted, q, existed ? 200 : 201, r.object, r.warnings, r.json);
    }
    case 'patch': {
      if (!def.verbs.includes('patch')) throw methodNotSupported(def, 'patch');
      validateWriteOptions('PatchOptions', req.query, patchTypeOf(req.headers['content-type']));
      if (patchTypeOf(req.headers['content-type']) === 'apply' && q.fieldValidation !== 'Ignore' && Buffer.isBuffer(req.body)) {
        // applyPatcher: sigs.k8s.io/yaml UnmarshalStrict of the configuration (Strict: 400, Warn: warnings)
        const dups = findDuplicateYAMLKeys(req.body.toString('utf8'));
        if (dups.length && q.fieldValidation === 'Strict') throw badRequest(`error strict decoding patch: error converting YAML to JSON: ${yamlUnmarshalErrors(dups)}`);
        addWarnings(reply, dups);
      }
      const r = await admittedPatch(ctx, req, def, ns, info.name, q);
      return sendObject(reply, def, accepted, q, r.created ? 201 : 200, r.object, r.warnings, r.json);
    }
    case 'delete': {
      const opts = parseDeleteOptions(req, q);
      const { result: r, warnings } = await admittedDelete(ctx.admission, req, {
        def, namespace: ns, name: info.name, dryRun: !!opts.dryRun, options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...opts, dryRun: opts.dryRun ? ['All'] : undefined },
        oldObject: () => registry.tryGet(def, ns, info.name),
        write: () => registry.delete(def, ns, info.name, opts),
      });
      addWarnings(reply, warnings);
      if (!r.deleted || def.returnDeletedObject) return sendObject(reply, def, accepted, q, 200, r.object);
      const status: KObject = {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: info.name, ...(def.group ? { group: def.group } : {}), kind: def.plural, uid: r.object.metadata?.uid },
      };
      return sendAs(reply, accepted, 200, status);
    }
    case 'deletecollection': {
      const opts = parseDeleteOptions(req, q);
      // each item's delete is admitted (store.go DeleteCollection with the delete's validation)
      if (!def.verbs.includes('deletecollection')) throw methodNotSupported(def, 'deletecollection');
      const { list, warnings } = await admittedDeleteCollection(ctx.admission, req, {
        def, namespace: ns, query: { labelSelector: q.labelSelector, fieldSelector: q.fieldSelector }, deleteOptions: opts, registry,
        options: { kind: 'DeleteOptions', apiVersion: 'meta.k8s.io/v1', ...opts, dryRun: opts.dryRun ? ['All'] : undefined },
      });
      addWarnings(reply, warnings);
      return sendAs(reply, accepted, 200, list);
    }
    default:
      throw methodNotSupported(def, info.verb || req.method);
  }
}

export { notFound, decodeJSON };
