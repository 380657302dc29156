// Decoding of `application/vnd.kubernetes.protobuf` request bodies.
//
// kubectl 1.32+ sends typed-client writes (create namespace, create service,
// auth can-i, ...) as protobuf. Wire format (upstream
// staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go):
// the 4 magic bytes "k8s\0", then a runtime.Unknown whose `raw` holds the
// object encoded per k8s.io/api/<group>/<version>/generated.proto.
// We decode it into the same JSON object the JSON API would carry.
import protobuf from 'protobufjs';
import { ALL_PROTOS, KIND_MESSAGES } from './protobuf/schema.js';
import { JsonRenderError, messageToJson } from './protobuf/tojson.js';

export const PROTOBUF_MEDIA_TYPE = 'application/vnd.kubernetes.protobuf';

/** The 4-byte prefix of every Kubernetes protobuf payload: "k8s\0". */
export const PROTOBUF_MAGIC: Readonly<Buffer> = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

export type ProtobufDecodeErrorCode = 'BadMagic' | 'UnknownKind' | 'Malformed' | 'UnsupportedEncoding';

/**
 * Thrown for any body that cannot be decoded. `httpStatus` is the status the
 * server should answer with: 415 for kinds we cannot decode (kubectl prints
 * "Error from server (UnsupportedMediaType)"), 400 for broken payloads.
 */
export class ProtobufDecodeError extends Error {
  readonly code: ProtobufDecodeErrorCode;
  readonly httpStatus: 400 | 415;
  readonly apiVersion?: string;
  readonly kind?: string;

  constructor(code: ProtobufDecodeErrorCode, message: string, gvk?: { apiVersion?: string; kind?: string }) {
    super(message);
    this.name = 'ProtobufDecodeError';
    this.code = code;
    this.httpStatus = code === 'UnknownKind' || code === 'UnsupportedEncoding' ? 415 : 400;
    if (gvk?.apiVersion !== undefined) this.apiVersion = gvk.apiVersion;
    if (gvk?.kind !== undefined) this.kind = gvk.kind;
  }
}

export interface DecodedKubernetesObject {
  apiVersion: string;
  kind: string;
  /** The object as the JSON API would carry it, including apiVersion and kind. */
  object: Record<string, unknown>;
}

let rootCache: protobuf.Root | undefined;

/** The protobufjs Root holding every message definition we know. */
export function kubernetesProtobufRoot(): protobuf.Root {
  if (rootCache) return rootCache;
  const root = new protobuf.Root();
  for (const text of ALL_PROTOS) protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  rootCache = root;
  return root;
}

function lookup(name: string): protobuf.Type {
  return kubernetesProtobufRoot().lookupType(name);
}

/** True when `apiVersion`/`kind` is a top-level object we can decode. */
export function isSupportedProtobufKind(apiVersion: string, kind: string): boolean {
  return Object.prototype.hasOwnProperty.call(KIND_MESSAGES, `${apiVersion}/${kind}`);
}

/** Every apiVersion/kind pair that decodes, e.g. `v1/Namespace`. */
export function supportedProtobufKinds(): string[] {
  return Object.keys(KIND_MESSAGES);
}

/** True for a Content-Type header naming the Kubernetes protobuf media type (parameters ignored). */
export function isProtobufContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return contentType.split(';')[0]!.trim().toLowerCase() === PROTOBUF_MEDIA_TYPE;
}

function decodeMessage(type: protobuf.Type, bytes: Uint8Array, what: string): Record<string, unknown> {
  try {
    return type.decode(bytes) as unknown as Record<string, unknown>;
  } catch (err) {
    const detail = err instanceof Error ? err.message : String(err);
    throw new ProtobufDecodeError('Malformed', `unable to decode ${what}: ${detail}`);
  }
}

/**
 * Decodes a Kubernetes protobuf body (magic + runtime.Unknown envelope) into
 * the object's JSON form. Throws ProtobufDecodeError on a bad prefix, an
 * unsupported kind or malformed bytes.
 */
export function decodeKubernetesProtobuf(body: Buffer | Uint8Array): DecodedKubernetesObject {
  const buf = Buffer.isBuffer(body) ? body : Buffer.from(body);
  if (buf.length < PROTOBUF_MAGIC.length || !buf.subarray(0, PROTOBUF_MAGIC.length).equals(PROTOBUF_MAGIC)) {
    // Wording from upstream runtime/serializer/protobuf/protobuf.go.
    throw new ProtobufDecodeError(
      'BadMagic',
      `provided data does not appear to be a protobuf message, expected prefix [${[...PROTOBUF_MAGIC].join(' ')}]`,
    );
  }
  const envelope = decodeMessage(lookup('k8s.io.apimachinery.pkg.runtime.Unknown'), buf.subarray(4), 'runtime.Unknown');
  const typeMeta = (envelope.typeMeta ?? {}) as Record<string, unknown>;
  const apiVersion = typeof typeMeta.apiVersion === 'string' ? typeMeta.apiVersion : '';
  const kind = typeof typeMeta.kind === 'string' ? typeMeta.kind : '';
  const gvk = { apiVersion, kind };
  if (!kind) {
    throw new ProtobufDecodeError('Malformed', "Object 'Kind' is missing in protobuf payload", gvk);
  }
  const contentEncoding = typeof envelope.contentEncoding === 'string' ? envelope.contentEncoding : '';
  if (contentEncoding !== '') {
    throw new ProtobufDecodeError('UnsupportedEncoding', `unsupported protobuf content encoding "${contentEncoding}"`, gvk);
  }
  const contentType = typeof envelope.contentType === 'string' ? envelope.contentType : '';
  if (contentType !== '' && contentType !== PROTOBUF_MEDIA_TYPE) {
    throw new ProtobufDecodeError('UnsupportedEncoding', `unsupported embedded content type "${contentType}"`, gvk);
  }
  const messageName = KIND_MESSAGES[`${apiVersion}/${kind}`];
  if (!messageName) {
    throw new ProtobufDecodeError(
      'UnknownKind',
      `protobuf decoding of ${kind} (${apiVersion || 'no apiVersion'}) is not supported; send application/json`,
      gvk,
    );
  }
  const raw = envelope.raw instanceof Uint8Array ? envelope.raw : new Uint8Array(0);
  const type = lookup(messageName);
  const decoded = decodeMessage(type, raw, `${kind} (${apiVersion})`);
  let rendered: unknown;
  try {
    rendered = messageToJson(type, decoded);
  } catch (err) {
    if (err instanceof JsonRenderError) throw new ProtobufDecodeError('Malformed', err.message, gvk);
    throw err;
  }
  const object: Record<string, unknown> = { kind, apiVersion, ...(rendered as Record<string, unknown>) };
  return { apiVersion, kind, object };
}
