// Content negotiation (apiserver pkg/endpoints/handlers/negotiation): what the client accepts
// (JSON, YAML, Table, PartialObjectMetadata) and how request bodies are decoded.
import { yamlLib } from '../util/lazy.js';
import { badRequest, notAcceptable, StatusError, unsupportedMediaType } from '../registry/errors.js';
import { goJSONSyntaxError, jsonTooDeep, MAX_NESTING_DEPTH, summarizeData, valueTooDeep } from './body.js';
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

/**
 * A body the decoder could not read: upstream words it by the kind the endpoint expects
 * (apiserver handlers/rest.go transformDecodeError), which the caller knows; `forKind` gives
 * that form, the error itself the form without the kind.
 */
export class BodyDecodeError extends StatusError {
  constructor(
    readonly detail: string,
    readonly body: Buffer | string,
  ) {
    super(400, 'BadRequest', `the object provided is unrecognized: ${detail}`);
  }

  forKind(kind: string): StatusError {
    return badRequest(`the object provided is unrecognized (must be of type ${kind}): ${this.detail} (${summarizeData(this.body)})`);
  }
}

/** Decodes a create/update body by its Content-Type. */
export function decodeBody(contentType: string | undefined, body: Buffer | undefined): DecodedBody {
  const type = (contentType ?? 'application/json').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || type === '') {
    // an empty body is what json.Unmarshal calls an unexpected end
    if (!body || body.length === 0) throw new BodyDecodeError(`couldn't get version/kind; json parse error: unexpected end of JSON input`, '');
    return decodeJSON(body);
  }
  if (!body || body.length === 0) throw badRequest('Object is not a valid JSON object: request body is empty');
  if (type === 'application/yaml' || type === 'text/yaml' || type === 'application/x-yaml') return { object: decodeYAMLBody(body) };
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

/**
 * A JSON body. A syntax error is worded as Go's encoding/json words it (the serializer's meta
 * factory reads apiVersion/kind with json.Unmarshal first: runtime/serializer/json/meta.go), and
 * so is nesting past Go's limit, refused here before anything walks the object.
 */
export function decodeJSON(body: Buffer | string): DecodedBody {
  const raw = typeof body === 'string' ? body : body.toString('utf8');
  let object;
  try {
    object = JSON.parse(raw);
  } catch {
    throw new BodyDecodeError(`couldn't get version/kind; json parse error: ${goJSONSyntaxError(body) ?? 'unexpected end of JSON input'}`, body);
  }
  if (jsonTooDeep(raw)) throw new BodyDecodeError(`couldn't get version/kind; json parse error: ${goJSONSyntaxError(body)}`, body);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw badRequest(`Object 'Kind' is missing in '${raw.slice(0, 200)}'`);
  return { object, raw };
}

/** A YAML create/update body (sigs.k8s.io/yaml YAMLToJSON, then the JSON decoder). */
function decodeYAMLBody(body: Buffer): KObject {
  try {
    return decodeYAML(body.toString('utf8'));
  } catch (err) {
    if (err instanceof StatusError && err.message.startsWith('error converting YAML to JSON: ')) throw new BodyDecodeError(err.message, body);
    throw err;
  }
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
  if (d.errors.length) {
    // the YAML library gives up on deep nesting (about a thousand levels) with a stack overflow
    // it reports as a document error: refused in yaml.v2's words for depth
    if (d.errors.some((e) => /Maximum call stack size exceeded/.test(e.message))) throw badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    throw badRequest(`error converting YAML to JSON: ${d.errors[0].message}`);
  }
  const badKey = collectionKey(d);
  if (badKey !== undefined) throw badRequest(`error converting YAML to JSON: yaml: invalid map key: ${goSharpV(badKey)}`);
  let object;
  try {
    object = d.toJSON();
  } catch (err) {
    // the YAML library refuses alias expansion past its limit ("billion laughs"), as yaml.v2's
    // decoder does with its own words (decode.go: "document contains excessive aliasing")
    if (err instanceof ReferenceError && /alias/i.test(err.message)) throw badRequest('error converting YAML to JSON: yaml: document contains excessive aliasing');
    if (err instanceof RangeError) throw badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
    throw badRequest(`error converting YAML to JSON: ${(err as Error).message}`);
  }
  if (valueTooDeep(object)) throw badRequest(`error converting YAML to JSON: yaml: exceeded max depth of ${MAX_NESTING_DEPTH}`);
  if (object === null || typeof object !== 'object' || Array.isArray(object)) throw badRequest('Object is not a valid JSON object');
  return object;
}

/**
 * A map key that is itself a map or a sequence, which yaml.v2 refuses when decoding into
 * interface{} (gopkg.in/yaml.v2 decode.go: "invalid map key"); the YAML library would turn it
 * into a string key and warn on the process.
 */
export function collectionKey(doc: import('yaml').Document.Parsed): unknown {
  const Y = yamlLib();
  let found: unknown;
  Y.visit(doc, {
    Pair(_, pair) {
      if (Y.isCollection(pair.key)) {
        found = (pair.key as import('yaml').YAMLMap | import('yaml').YAMLSeq).toJSON();
        return Y.visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

/** Go's %#v of a value decoded by yaml.v2 into interface{} (maps print with sorted keys). */
export function goSharpV(v: unknown): string {
  if (v === null || v === undefined) return 'interface {}(nil)';
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSharpV).join(', ')}}`;
  if (typeof v === 'object') {
    const keys = Object.keys(v as object).sort();
    return `map[interface {}]interface {}{${keys.map((k) => `${JSON.stringify(k)}:${goSharpV((v as Record<string, unknown>)[k])}`).join(', ')}}`;
  }
  if (typeof v === 'string') return JSON.stringify(v);
  return String(v);
}
