// `application/vnd.kubernetes.protobuf`: request bodies decoded to the JSON object the JSON API
// would carry, and answers encoded from it. Wire format (upstream
// staging/src/k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go): the 4 magic
// bytes "k8s\0", then a runtime.Unknown whose `raw` holds the object encoded per
// k8s.io/api/<group>/<version>/generated.proto (proto/, loaded on first use).
import protobuf from 'protobufjs';
import { fullRoot, kindMessage, metaType, unknownType } from './protobuf/definitions.js';
import { jsonToMessage } from './protobuf/fromjson.js';
import { JsonRenderError, messageToJson, setEmbeddedDecoder } from './protobuf/tojson.js';

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

/** The protobufjs Root holding every message definition we know (all of proto/ parsed). */
export function kubernetesProtobufRoot(): protobuf.Root {
  return fullRoot();
}

/** True when `apiVersion`/`kind` is a top-level object with a protobuf message. */
export function isSupportedProtobufKind(apiVersion: string, kind: string): boolean {
  return kindMessage(apiVersion, kind) !== undefined;
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
  const envelope = decodeMessage(unknownType(), buf.subarray(4), 'runtime.Unknown');
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
  const type = kindMessage(apiVersion, kind);
  if (!type) {
    throw new ProtobufDecodeError(
      'UnknownKind',
      `protobuf decoding of ${kind} (${apiVersion || 'no apiVersion'}) is not supported; send application/json`,
      gvk,
    );
  }
  const raw = envelope.raw instanceof Uint8Array ? envelope.raw : new Uint8Array(0);
  const decoded = decodeMessage(type, raw, `${kind} (${apiVersion})`);
  let rendered: unknown;
  try {
    rendered = messageToJson(type, decoded);
  } catch (err) {
    if (err instanceof JsonRenderError || err instanceof ProtobufDecodeError) throw new ProtobufDecodeError('Malformed', err.message, gvk);
    // objects nested in RawExtensions without end
    if (err instanceof RangeError) throw new ProtobufDecodeError('Malformed', `unable to decode ${kind} (${apiVersion}): ${err.message}`, gvk);
    throw err;
  }
  const object: Record<string, unknown> = { kind, apiVersion, ...(rendered as Record<string, unknown>) };
  return { apiVersion, kind, object };
}

setEmbeddedDecoder((raw) => decodeKubernetesProtobuf(raw).object);

/** magic + runtime.Unknown{typeMeta, raw}: how every protobuf object travels. */
export function encodeEnvelope(apiVersion: string, kind: string, raw: Uint8Array): Buffer {
  const w = protobuf.Writer.create();
  // runtime.Unknown as gogo writes it: typeMeta, raw, contentEncoding, contentType (all set)
  w.uint32(10).fork().uint32(10).string(apiVersion).uint32(18).string(kind).ldelim();
  w.uint32(18).bytes(raw).uint32(26).string('').uint32(34).string('');
  return Buffer.concat([PROTOBUF_MAGIC, w.finish()]);
}

/**
 * The protobuf form of a JSON object that names its apiVersion and kind, or undefined when that
 * kind has no protobuf message (custom resources, Table): those stay JSON.
 */
export function encodeKubernetesProtobuf(object: Record<string, unknown>): Buffer | undefined {
  const apiVersion = typeof object.apiVersion === 'string' ? object.apiVersion : '';
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const type = kind ? kindMessage(apiVersion, kind) : undefined;
  if (!type) return undefined;
  try {
    return encodeEnvelope(apiVersion, kind, jsonToMessage(type, object));
  } catch (err) {
    // nested deeper than the encoder's stack (a CRD's schemas may nest as deep as a body): JSON it is
    if (err instanceof RangeError) return undefined;
    throw err;
  }
}

/** True when `object` (by its apiVersion and kind) can be answered as protobuf. */
export function canEncodeProtobuf(object: unknown): boolean {
  if (typeof object !== 'object' || object === null) return false;
  const o = object as Record<string, unknown>;
  return typeof o.kind === 'string' && typeof o.apiVersion === 'string' && kindMessage(o.apiVersion, o.kind) !== undefined;
}

/**
 * One protobuf watch frame (apimachinery pkg/runtime/serializer/streaming and
 * pkg/apis/meta/v1/watch.go): a 4-byte big-endian length, then a meta.v1.WatchEvent whose
 * object is a RawExtension holding the envelope-encoded object.
 */
export function encodeWatchFrame(type: string, object: Record<string, unknown>): Buffer {
  const inner = encodeKubernetesProtobuf(object) ?? Buffer.from(JSON.stringify(object));
  const w = protobuf.Writer.create();
  w.uint32(10).string(type).uint32(18).fork().uint32(10).bytes(inner).ldelim();
  const event = w.finish();
  const frame = Buffer.allocUnsafe(4 + event.length);
  frame.writeUInt32BE(event.length, 0);
  frame.set(event, 4);
  return frame;
}

/** Decodes the frames of a protobuf watch stream (tests, clients): [{type, object}]. */
export function decodeWatchFrames(stream: Buffer): { type: string; object: Record<string, unknown> }[] {
  const out: { type: string; object: Record<string, unknown> }[] = [];
  const eventType = metaType('WatchEvent');
  for (let off = 0; off + 4 <= stream.length; ) {
    const len = stream.readUInt32BE(off);
    const ev = eventType.decode(stream.subarray(off + 4, off + 4 + len)) as unknown as { type: string; object?: { raw?: Uint8Array } };
    out.push({ type: ev.type, object: decodeKubernetesProtobuf(ev.object?.raw ?? new Uint8Array(0)).object });
    off += 4 + len;
  }
  return out;
}

/**
 * The watch frame of a live change, encoded once and shared by every protobuf watcher it goes to
 * (watchers are told of one change after another, so one slot is enough).
 */
let lastJson: string | undefined;
let lastFrames: Partial<Record<string, Buffer>> = {};
export function sharedWatchFrame(type: string, json: string): Buffer {
  if (json !== lastJson) {
    lastJson = json;
    lastFrames = {};
  }
  return (lastFrames[type] ??= encodeWatchFrame(type, JSON.parse(json) as Record<string, unknown>));
}

/** The Content-Type of a protobuf watch stream (apiserver pkg/endpoints/handlers/watch.go). */
export const PROTOBUF_WATCH_CONTENT_TYPE = `${PROTOBUF_MEDIA_TYPE};stream=watch`;
