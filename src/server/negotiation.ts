// Content negotiation (apiserver pkg/endpoints/handlers/negotiation): what the client accepts
// (JSON, YAML, Table, PartialObjectMetadata) and how request bodies are decoded.
import { yamlLib } from '../util/lazy.js';
import { badRequest, notAcceptable, unsupportedMediaType } from '../registry/errors.js';
import type { KObject } from '../resources/types.js';
// the protobuf decoder (protobufjs and the message tables) loads with the first protobuf body
let protobuf: typeof import('./protobuf.js') | undefined;
export async function ensureProtobuf(): Promise<void> {
  protobuf ??= await import('./protobuf.js');
}
/** The protobuf codec, once ensureProtobuf() has loaded it (it has for any request naming protobuf). */
export function protobufCodec(): typeof import('./protobuf.js') | undefined {
  return protobuf;
}

export type OutputFormat = 'json' | 'yaml' | 'table' | 'pom' | 'protobuf'; // pom = PartialObjectMetadata(List)

export interface Accepted {
  format: OutputFormat;
  /** the Table / PartialObjectMetadata version asked for (v1 or v1beta1) */
  metaVersion?: string;
  /** PartialObjectMetadata answered as protobuf */
  protobuf?: boolean;
}

interface MediaRange {
  type: string;
  params: Record<string, string>;
  q: number;
}

function parseMediaRanges(header: string): MediaRange[] {
  return header
    .split(',')
    .map((part) => {
      const [type, ...ps] = part.trim().split(';');
      const params: Record<string, string> = {};
      for (const p of ps) {
        const i = p.indexOf('=');
        if (i > 0) params[p.slice(0, i).trim().toLowerCase()] = p.slice(i + 1).trim().replace(/^"|"$/g, '');
      }
      const q = params.q !== undefined ? Number(params.q) : 1;
      return { type: type.trim().toLowerCase(), params, q: Number.isFinite(q) ? q : 1 };
    })
    .filter((m) => m.type)
    // by q, then the more specific range first (goautoneg's order, which upstream negotiation uses)
    .sort((a, b) => b.q - a.q || specificity(b.type) - specificity(a.type));
}

function specificity(type: string): number {
  if (type === '*/*' || type === '*') return 0;
  return type.endsWith('/*') ? 1 : 2;
}

export const SUPPORTED_OUTPUT = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

const PROTOBUF = 'application/vnd.kubernetes.protobuf';

/**
 * Picks the response form for a resource request (object or list): the first acceptable range
 * in the client's order of preference wins (apiserver pkg/endpoints/handlers/negotiation/
 * negotiate.go), so client-go's `application/vnd.kubernetes.protobuf,application/json` gets
 * protobuf. `hasProtobuf` says whether the kind has a protobuf form (custom resources do not:
 * their ranges for protobuf are passed over); a Table is never protobuf.
 */
export function negotiateOutput(accept: string | undefined, allowTable = true, hasProtobuf?: () => boolean): Accepted {
  if (!accept) return { format: 'json' };
  for (const m of parseMediaRanges(accept)) {
    const as = m.params.as;
    if (as) {
      if (m.params.g !== 'meta.k8s.io' || !['v1', 'v1beta1'].includes(m.params.v ?? '')) continue;
      const pom = as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList';
      if (m.type === PROTOBUF && pom && m.params.v === 'v1' && hasProtobuf?.()) return { format: 'pom', metaVersion: 'v1', protobuf: true };
      if (m.type !== 'application/json' && m.type !== 'application/yaml') continue;
      if (as === 'Table' && allowTable) return { format: 'table', metaVersion: m.params.v };
      if (pom) return { format: 'pom', metaVersion: m.params.v };
      continue;
    }
    if (m.type === 'application/json' || m.type === 'application/*' || m.type === '*/*' || m.type === 'json') return { format: 'json' };
    if (m.type === 'application/yaml' || m.type === 'text/yaml') return { format: 'yaml' };
    if (m.type === PROTOBUF && hasProtobuf?.()) return { format: 'protobuf' };
  }
  throw notAcceptable(hasProtobuf?.() ? SUPPORTED_OUTPUT : ['application/json', 'application/yaml']);
}

/** True when a Status error for this Accept header goes out as protobuf (the codec is loaded). */
export function prefersProtobuf(accept: string | undefined): boolean {
  if (!accept || !protobuf || !accept.includes('protobuf')) return false;
  try {
    return negotiateOutput(accept, false, () => true).format === 'protobuf';
  } catch {
    return false;
  }
}

export const ACCEPTED_INPUT = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf'];

export interface DecodedBody {
  object: KObject;
  /** the JSON text as sent (for duplicate-field detection), when JSON */
  raw?: string;
}

/** Decodes a create/update body by its Content-Type. */
export function decodeBody(contentType: string | undefined, body: Buffer | undefined): DecodedBody {
  const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (!body || body.length === 0) throw badRequest('Object is not a valid JSON object: request body is empty');
  if (type === 'application/json' || type === '' ) return decodeJSON(body);
  if (type === 'application/yaml' || type === 'text/yaml' || type === 'application/x-yaml') return { object: decodeYAML(body.toString('utf8')) };
  if (type === 'application/vnd.kubernetes.protobuf') {
    if (!protobuf) throw new Error('the protobuf decoder is not loaded: call ensureProtobuf() first');
    try {
      const d = protobuf.decodeKubernetesProtobuf(body);
      return { object: { apiVersion: d.apiVersion, kind: d.kind, ...d.object } };
    } catch (err) {
      if (err instanceof protobuf.ProtobufDecodeError) {
        if (err.httpStatus === 415) throw unsupportedMediaType(type, ['application/json', 'application/yaml']);
        throw badRequest(err.message);
      }
      throw err;
    }
  }
  throw unsupportedMediaType(type, ACCEPTED_INPUT);
}

export function decodeJSON(body: Buffer | string): DecodedBody {
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  try {
    const object = JSON.parse(raw);
    if (object === null || typeof object !== 'object' || Array.isArray(object))
      throw badRequest(`Object 'Kind' is missing in '${raw.slice(0, 200)}'`);
    return { object, raw };
  } catch (err) {
    if (err instanceof SyntaxError) throw badRequest(`the object provided is unrecognized: ${describeJSONError(err)}`);
    throw err;
  }
}

function describeJSONError(err: SyntaxError): string {
  return `couldn't get version/kind; json parse error: ${err.message}`;
}

export function decodeYAML(text: string): KObject {
  let docs;
  try {
    docs = yamlLib().parseAllDocuments(text, { uniqueKeys: false });
  } catch (err) {
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
  const list = Array.isArray(docs) ? docs : [docs];
  const real = list.filter((d) => d.contents !== null);
  if (real.length === 0) throw badRequest('Object is not a valid JSON object: empty YAML document');
  const d = real[0];
  if (d.errors.length) throw badRequest(`error converting YAML to JSON: ${d.errors[0].message}`);
  const object = d.toJSON();
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw badRequest('Object is not a valid JSON object');
  return object;
}
