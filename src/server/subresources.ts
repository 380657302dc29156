// Subresources: status (every kind that has one), scale (statefulsets), finalize (namespaces),
// and the pod ones (binding, log, exec/attach/portforward without a container runtime).
import { toYAML } from '../util/yamltext.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { KObject, ResourceDef, TablePrinter } from '../resources/types.js';
import { parseIncludeObject, partialObjectMetadata, SCALE_TABLE, toTable } from './table.js';
import { badRequest, conflict, invalidObject, methodNotAllowed, methodNotSupported, notFound, resourceNotFound, StatusError } from '../registry/errors.js';
import { parseFieldValidation } from '../registry/fieldvalidation.js';
import { checkName, typeMetaError } from '../registry/typemeta.js';
import { applyScale, scaleBodyError, scaleOf, scalePreconditionError } from '../resources/scale.js';
import { decodeBody, negotiateOutput } from './negotiation.js';
import { validateWriteOptions } from './writeoptions.js';
import { logParams } from './listoptions.js';
import type { RequestInfo } from './requestinfo.js';
import type { HandlerContext } from './handlers.js';
import { requestUser } from '../auth/filters.js';
import { addWarnings, protobufFor, sendJSON, sendProtobuf, strictDecode, strictYAMLErrors } from './handlers.js';
import { findDuplicateFields } from '../schema/duplicates.js';
import { admittedPatch, applyPatchDocument, checkPatchType, parsePatchBody, patchTypeOf } from '../patch/index.js';
import { admittedAction, admittedWrite, decodedDefaulted, optionsObject } from '../admission/run.js';

import { bindPod } from '../registry/binding.js';
import { evictPod } from '../resources/policy/eviction.js';
import { queryFlag } from './query.js';
import { servePodLog } from './podlog.js';
import { serveStreaming } from './streaming/index.js';
import type { Logger } from 'pino';
import { createTokenRequest } from '../resources/authentication/tokenrequest.js';
import { serviceAccountTokens } from '../auth/tokens/serviceaccount.js';
import { logReaderOf } from '../runtime/logs.js';

type Query = Record<string, string | undefined>;

const SCALE_DEF = { group: 'autoscaling', kind: 'Scale', plural: 'scale' } as const;

function send(reply: FastifyReply, req: FastifyRequest, code: number, obj: KObject, warnings: string[] = [], printer?: TablePrinter): FastifyReply {
  const accepted = negotiateOutput(req.headers.accept, !!printer, protobufFor(String(obj.apiVersion), String(obj.kind)));
  addWarnings(reply, warnings);
  if (accepted.format === 'table' && printer) {
    // the subresource's ConvertToTable is the store's: the kind's printer (StatusREST / ScaleREST)
    const q = req.query as Record<string, string | undefined>;
    const t = toTable({ table: printer } as ResourceDef, [obj], {
      include: parseIncludeObject(q.includeObject),
      noHeaders: queryFlag(q['-']), // TableOptions.NoHeaders is json:"-": its query key is "-"
      metaVersion: accepted.metaVersion,
      listMeta: { resourceVersion: obj.metadata?.resourceVersion },
    });
    return sendJSON(reply, code, t);
  }
  if (accepted.format === 'pom' && obj.metadata) return sendJSON(reply, code, partialObjectMetadata(obj, accepted.metaVersion));
  if (accepted.format === 'protobuf') return sendProtobuf(reply, code, obj);
  if (accepted.format === 'yaml') return reply.code(code).header('Content-Type', 'application/yaml').send(toYAML(obj));
  return sendJSON(reply, code, obj);
}

export async function serveSubresource(ctx: HandlerContext, def: ResourceDef, info: RequestInfo, req: FastifyRequest, reply: FastifyReply, q: Query): Promise<unknown> {
  const sub = def.subresources.find((s) => s.name === info.subresource);
  if (!sub) throw resourceNotFound();
  const { registry } = ctx;
  const ns = info.namespace;
  const name = info.name;
  const verb = info.verb;
  const writeOpts = () => ({
    dryRun: q.dryRun === 'All',
    fieldManager: q.fieldManager,
    fieldValidation: parseFieldValidation(q.fieldValidation),
    subresource: sub.name,
    userAgent: String(req.headers['user-agent'] ?? ''),
    user: requestUser(req),
  });
  const allowed = (v: string) => {
    if (!sub.verbs.includes(v)) throw methodNotSupported(def, v);
  };

  switch (sub.name) {
    case 'status': {
      if (verb === 'get') return send(reply, req, 200, registry.get(def, ns, name), [], def.table);
      if (verb === 'update') {
        allowed('update');
        validateWriteOptions('UpdateOptions', req.query);
        const body = decodeBody(req.headers['content-type'], req.body as Buffer);
        // decoded as a PUT of the object (handlers/update.go): strict decoding, then checkName
        const opts = writeOpts();
        const dups = body.raw ? findDuplicateFields(body.raw) : [];
        const fieldsChecked = strictDecode(def, body.object, opts.fieldValidation, dups, strictYAMLErrors(req, opts.fieldValidation, reply));
        if (!typeMetaError(def, body.object.kind, body.object.apiVersion, registry.isRegistered)) checkName(body.object, name, ns);
        const r = await admittedWrite(ctx.admission, req, {
          operation: 'UPDATE', def, namespace: ns, name, subresource: 'status', dryRun: !!opts.dryRun, options: optionsObject('UpdateOptions', q),
          object: () => decodedDefaulted(def, body.object),
          oldObject: () => registry.tryGet(def, ns, name),
          write: (o, dry) => registry.update(def, ns, name, o ?? (dry ? structuredClone(body.object) : body.object), { ...opts, duplicates: o ? [] : dups, fieldsChecked: o ? false : fieldsChecked, dryRun: dry }),
        });
        return send(reply, req, 200, r.object, r.warnings);
      }
      if (verb === 'patch') {
        allowed('patch');
        validateWriteOptions('PatchOptions', req.query, patchTypeOf(req.headers['content-type']));
        const r = await admittedPatch(ctx, req, def, ns, name, q, 'status');
        return send(reply, req, 200, r.object, r.warnings);
      }
      throw methodNotSupported(def, verb);
    }
    case 'scale':
      return serveScale(ctx, def, info, req, reply, q);
    case 'finalize': {
      // namespaces/{name}/finalize: only spec.finalizers changes (pkg/registry/core/namespace/storage FinalizeREST)
      allowed('update');
      if (verb !== 'update') throw methodNotSupported(def, verb);
      const body = decodeBody(req.headers['content-type'], req.body as Buffer).object;
      const r = registry.modify(
        def,
        '',
        name,
        (live) => {
          if (body.metadata?.resourceVersion) live.metadata.resourceVersion = body.metadata.resourceVersion;
          live.spec = { ...(live.spec ?? {}) };
          const f = body.spec?.finalizers;
          if (f && f.length) live.spec.finalizers = f;
          else delete live.spec.finalizers;
        },
        { ...writeOpts(), subresource: 'finalize' },
      );
      return send(reply, req, 200, r.object);
    }
    case 'binding':
      return serveBinding(ctx, def, ns, name, req, reply, q);
    case 'eviction': {
      // pods/eviction: resources/policy/eviction.ts (POST only, as go-restful routes it)
      if (verb !== 'create') throw methodNotAllowed();
      validateWriteOptions('CreateOptions', req.query);
      const body = decodeBody(req.headers['content-type'], req.body as Buffer).object;
      // admission: a CREATE of the Eviction (policy/v1), subResource eviction (EvictionREST.Create's createValidation)
      const a = await admittedAction(ctx.admission, req, {
        def, namespace: ns, name, subresource: 'eviction', kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
        dryRun: q.dryRun === 'All', options: optionsObject('CreateOptions', q), object: body,
      });
      const r = evictPod(registry, ns, name, a.object, { dryRun: q.dryRun !== undefined ? [q.dryRun] : undefined });
      return send(reply, req, r.code, r.status, a.warnings);
    }
    case 'token': {
      // serviceaccounts/token: TokenRequest (POST only)
      if (verb !== 'create') throw methodNotAllowed();
      validateWriteOptions('CreateOptions', req.query);
      // admission: a CREATE of the TokenRequest (authentication.k8s.io/v1), subResource token (TokenREST.Create)
      const a = await admittedAction(ctx.admission, req, {
        def, namespace: ns, name, subresource: 'token', kind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' },
        dryRun: q.dryRun === 'All', options: optionsObject('CreateOptions', q), object: decodeBody(req.headers['content-type'], req.body as Buffer).object,
      });
      const r = createTokenRequest(registry, serviceAccountTokens(registry), ns, name, a.object);
      return send(reply, req, 201, r.object, [...a.warnings, ...r.warnings]);
    }
    case 'log':
      return servePodLog(registry, def, ns, name, logParams(req.query as Record<string, unknown>, name), req, reply, logReaderOf(ctx.runtime));
    case 'exec':
    case 'attach':
    case 'portforward':
      // streaming/index.ts: the apiserver's and kubelet's checks, then the WebSocket or SPDY upgrade
      return serveStreaming({ registry, runtime: ctx.runtime, logger: req.log as unknown as Logger }, def, sub.name, ns, name, req, reply);
    default:
      throw resourceNotFound();
  }
}

async function serveScale(ctx: HandlerContext, def: ResourceDef, info: RequestInfo, req: FastifyRequest, reply: FastifyReply, q: Query): Promise<FastifyReply> {
  const { registry } = ctx;
  const ns = info.namespace;
  const name = info.name;
  const scaleDef = def.scale;
  if (!scaleDef) throw resourceNotFound();
  const opts = {
    dryRun: q.dryRun === 'All',
    fieldManager: q.fieldManager,
    subresource: 'scale',
    userAgent: String(req.headers['user-agent'] ?? ''),
    user: requestUser(req),
  };
  if (info.verb === 'get') return send(reply, req, 200, scaleOf(scaleDef, registry.get(def, ns, name)), [], SCALE_TABLE);
  if (info.verb !== 'update' && info.verb !== 'patch') throw methodNotSupported(def, info.verb);
  if (info.verb === 'update') validateWriteOptions('UpdateOptions', req.query);
  else validateWriteOptions('PatchOptions', req.query, patchTypeOf(req.headers['content-type']));
  const live = registry.get(def, ns, name);
  const liveScale = scaleOf(scaleDef, live);
  let scale: KObject;
  if (info.verb === 'update') {
    scale = decodeBody(req.headers['content-type'], req.body as Buffer).object;
    const bad = scaleBodyError(scale, name, ns, registry.isRegistered);
    if (bad) throw bad;
  } else {
    const type = checkPatchType(def, req.headers['content-type']);
    if (type === 'apply') throw badRequest('server-side apply of the scale subresource is not supported');
    scale = applyPatchDocument(def, 'io.k8s.api.autoscaling.v1.Scale', liveScale, type, parsePatchBody(type, req.body as Buffer));
    checkName(scale, name, ns); // patch.go applyPatch: the patched object still names the URL's
    if (scale.metadata?.resourceVersion === liveScale.metadata.resourceVersion) delete scale.metadata.resourceVersion;
  }
  // admission sees the Scale (kind autoscaling/v1 Scale, the parent's resource, subResource scale):
  // mutating on the request's Scale, validating on the Scale of the updated object with the live
  // one's as oldObject (registry/apps/deployment/storage ScaleREST: scaleUpdatedObjectInfo,
  // toScaleUpdateValidation)
  const write = (s: KObject, dry: boolean) => {
    const obj = dry ? registry.get(def, ns, name) : live;
    // scaleUpdatedObjectInfo: ValidateScale, then the uid precondition
    const pre = scalePreconditionError(obj, s);
    const causes = applyScale(obj, s, scaleDef);
    if (causes.length) throw invalidObject(SCALE_DEF, name, causes);
    if (pre) throw conflict(def, name, pre);
    if (obj.metadata.resourceVersion === undefined) obj.metadata.resourceVersion = '';
    try {
      const r = registry.update(def, ns, name, obj, { ...opts, dryRun: dry || opts.dryRun });
      return { ...r, object: scaleOf(scaleDef, r.object), json: undefined };
    } catch (err) {
      if (err instanceof StatusError && err.code === 404) throw notFound(def, name);
      throw err;
    }
  };
  const r = await admittedWrite(ctx.admission, req, {
    operation: 'UPDATE', def, namespace: ns, name, subresource: 'scale', kind: { group: 'autoscaling', version: 'v1', kind: 'Scale' },
    dryRun: opts.dryRun, options: optionsObject(info.verb === 'update' ? 'UpdateOptions' : 'PatchOptions', q),
    object: () => structuredClone(scale),
    oldObject: () => liveScale,
    write: (o, dry) => write(o ?? (dry ? structuredClone(scale) : scale), dry),
  });
  return send(reply, req, 200, r.object, r.warnings);
}

async function serveBinding(ctx: HandlerContext, def: ResourceDef, ns: string, name: string, req: FastifyRequest, reply: FastifyReply, q: Query): Promise<FastifyReply> {
  // pods/binding (pkg/registry/core/pod/storage BindingREST): sets spec.nodeName once; admission
  // sees a CREATE of the v1 Binding, subResource binding (BindingREST.Create's createValidation)
  const a = await admittedAction(ctx.admission, req, {
    def, namespace: ns, name, subresource: 'binding', kind: { group: '', version: 'v1', kind: 'Binding' },
    dryRun: q.dryRun === 'All', options: optionsObject('CreateOptions', q), object: decodeBody(req.headers['content-type'], req.body as Buffer).object,
  });
  const binding = a.object;
  const node = binding.target?.name;
  if (!node) throw invalidObject({ group: '', kind: 'Binding' }, name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
  if (binding.metadata?.name && binding.metadata.name !== name)
    throw badRequest(`the name of the object (${binding.metadata.name}) does not match the name on the URL (${name})`);
  bindPod(ctx.registry, ns, name, node, {
    annotations: binding.metadata?.annotations,
    uid: binding.metadata?.uid,
    resourceVersion: binding.metadata?.resourceVersion,
    dryRun: q.dryRun === 'All',
  });
  return send(reply, req, 201, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 }, a.warnings);
}
