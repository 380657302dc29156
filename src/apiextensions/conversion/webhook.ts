// CRD conversion webhooks (conversion.strategy Webhook): a ConversionReview v1 (or v1beta1) POSTed
// over HTTPS to the CRD's clientConfig (url or service, caBundle), as upstream's
// staging/src/k8s.io/apiextensions-apiserver/pkg/apiserver/conversion/webhook_converter.go, with its
// error wording (`conversion webhook for <group>/<version>, Kind=<kind> failed: ...`).
//
// The registry converts synchronously (StorageView.fromStorage/toStorage in get, list, watch and
// writes), so the call is made by a worker thread while the caller waits on a shared flag
// (Atomics.wait): the server's event loop is blocked for the length of the call (the webhook's
// timeoutSeconds at most, 30). Converted objects are cached per (uid, resourceVersion, version), so
// a list or a watch converts each stored revision once. A webhook served by this same process
// cannot answer while it waits: conversion webhooks must run in another process (or thread).
import { randomUUID } from 'node:crypto';
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { KObject } from '../../resources/types.js';
import type { Registry } from '../../registry/registry.js';
import { StatusError } from '../../registry/errors.js';
import { CallError, goNetError, resolveTarget, type ClientConfig, type Target } from '../../admission/webhook/client.js';

const WORKER = `
const { parentPort } = require('node:worker_threads');
const { request } = require('node:https');
const { checkServerIdentity } = require('node:tls');
parentPort.on('message', (job) => {
  let done = false;
  const finish = (r) => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    job.port.postMessage(r);
    job.port.close();
    Atomics.store(job.flag, 0, 1);
    Atomics.notify(job.flag, 0);
  };
  let req;
  try {
    req = request({
      host: job.host, port: job.tport, path: job.path, method: 'POST',
      servername: /^[\\d.]+$|:/.test(job.servername) ? undefined : job.servername,
      checkServerIdentity: (_h, cert) => checkServerIdentity(job.servername, cert),
      ca: job.ca ? Buffer.from(job.ca, 'base64') : undefined,
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, */*', 'Content-Length': Buffer.byteLength(job.body) },
      agent: false,
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => finish({ ok: true, status: res.statusCode || 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', (e) => finish({ ok: false, code: e.code, message: e.message }));
    });
  } catch (e) {
    finish({ ok: false, code: e.code, message: e.message });
    return;
  }
  const timer = setTimeout(() => { finish({ ok: false, code: 'TIMEOUT', message: 'context deadline exceeded' }); req.destroy(); }, job.timeoutMs);
  req.on('error', (e) => finish({ ok: false, code: e.code, message: e.message }));
  req.end(job.body);
});
`;

let worker: Worker | undefined;
function theWorker(): Worker {
  if (!worker) {
    worker = new Worker(WORKER, { eval: true });
    worker.unref();
    worker.on('error', () => (worker = undefined));
  }
  return worker;
}

type Reply = { ok: true; status: number; body: string } | { ok: false; code?: string; message: string };

/** One POST, waited for synchronously. */
function postSync(t: Target, body: string, ca: string | undefined, timeoutSeconds: number): Reply {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const path = `${t.path}${t.path.includes('?') ? '&' : '?'}timeout=${timeoutSeconds}s`;
  theWorker().postMessage({ port: port2, flag, host: t.host, tport: t.port, path, servername: t.servername, ca, body, timeoutMs: timeoutSeconds * 1000 }, [port2]);
  // the worker answers within the timeout; a little more before giving up on it
  Atomics.wait(flag, 0, 0, timeoutSeconds * 1000 + 2000);
  const m = receiveMessageOnPort(port1);
  port1.close();
  return (m?.message as Reply | undefined) ?? { ok: false, code: 'TIMEOUT', message: 'context deadline exceeded' };
}

export interface ConversionConfig {
  clientConfig: ClientConfig;
  conversionReviewVersions: string[];
  registry?: Registry;
}

const cache = new Map<string, KObject>();
const CACHE_MAX = 10000;

const gvk = (o: KObject, kind: string) => `${o.apiVersion ?? ''}, Kind=${o.kind ?? kind}`;

/** Converts one object to `to` (an apiVersion) through the webhook (`stored`: as read from storage); StatusError 500 on failure. */
export function convertThroughWebhook(cfg: ConversionConfig, obj: KObject, to: string, kind: string, stored = false): KObject {
  const uid = obj.metadata?.uid;
  const rv = obj.metadata?.resourceVersion;
  // a stored object's uid and resourceVersion name its content; an object being written has none yet
  const key = stored && uid && rv ? `${uid}/${rv}/${to}` : undefined;
  const hit = key ? cache.get(key) : undefined;
  if (hit) return structuredClone(hit);
  const failed = (why: string) => new StatusError(500, 'InternalError', `conversion webhook for ${gvk(obj, kind)} failed: ${why}`);
  const invalid = (why: string) => new StatusError(500, 'InternalError', `conversion webhook for ${gvk(obj, kind)} returned invalid response: ${why}`);
  const version = cfg.conversionReviewVersions.find((v) => v === 'v1' || v === 'v1beta1');
  if (!version) throw failed(`none of the conversionReviewVersions ${JSON.stringify(cfg.conversionReviewVersions)} are supported by the server`);
  let t: Target;
  try {
    t = resolveTarget(cfg.clientConfig, cfg.registry);
  } catch (e) {
    throw failed(e instanceof CallError ? e.message : String(e));
  }
  const reqUID = randomUUID();
  const review = { kind: 'ConversionReview', apiVersion: `apiextensions.k8s.io/${version}`, request: { uid: reqUID, desiredAPIVersion: to, objects: [obj] } };
  const timeout = 30; // webhook_converter.go: the conversion webhook's timeout (not configurable on the CRD)
  const shown = `${t.url}${t.url.includes('?') ? '&' : '?'}timeout=${timeout}s`;
  const r = postSync(t, JSON.stringify(review), cfg.clientConfig.caBundle, timeout);
  if (!r.ok) throw failed(`Post ${JSON.stringify(shown)}: ${goNetError(Object.assign(new Error(r.message), { code: r.code }), t)}`);
  if (r.status < 200 || r.status > 299) throw failed(`an error on the server (${JSON.stringify(r.body.slice(0, 1024))}) has prevented the request from succeeding`);
  let out: any;
  try {
    out = JSON.parse(r.body);
  } catch (e) {
    throw failed(`couldn't get version/kind; json parse error: ${(e as Error).message}`);
  }
  const resp = out?.response;
  if (!resp || typeof resp !== 'object') throw invalid('no response provided');
  if (version === 'v1' && resp.uid !== reqUID) throw invalid(`expected response.uid=${JSON.stringify(reqUID)}, got ${JSON.stringify(String(resp.uid ?? ''))}`);
  if (resp.result?.status !== 'Success') {
    if (resp.result?.message) throw failed(String(resp.result.message));
    throw invalid(`response.result.status was '${resp.result?.status ?? ''}', not 'Success'`);
  }
  const converted = Array.isArray(resp.convertedObjects) ? resp.convertedObjects : [];
  if (converted.length !== 1) throw invalid(`expected 1 converted objects, got ${converted.length}`);
  const c = converted[0];
  if (!c || typeof c !== 'object' || Array.isArray(c)) throw invalid('converted object 0 is not an object');
  if (c.apiVersion !== to) throw invalid(`invalid apiVersion "${c.apiVersion}", expected "${to}"`);
  if (c.kind !== obj.kind) throw invalid(`invalid kind "${c.kind}", expected "${obj.kind}"`);
  // restoreObjectMeta: only labels and annotations may change
  const meta = { ...(obj.metadata ?? {}) };
  if (c.metadata?.labels !== undefined) meta.labels = c.metadata.labels;
  if (c.metadata?.annotations !== undefined) meta.annotations = c.metadata.annotations;
  c.metadata = meta;
  if (key) {
    if (cache.size >= CACHE_MAX) cache.clear();
    cache.set(key, c);
    return structuredClone(c);
  }
  return c;
}
