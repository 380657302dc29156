// Serving the published OpenAPI documents (openapi/ at the package root, made by
// scripts/gen-schemas.ts): the /openapi/v3 discovery root, one v3 document per group-version,
// and the v2 document as JSON and as gnostic protobuf. Each is read on its first request and
// merged with the description table (./descriptions.ts) when the build made one.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeV2, describeV3, descriptionTable } from './descriptions.js';
import { gvFileName, servedGroupVersions } from './gen/served.js';
import { packageRoot, readFirst } from './root.js';

/**
 * Content-Type of the v2 protobuf answer. Clients ask with Accept
 * `application/com.github.proto-openapi.spec.v2@v1.0+protobuf` (or the `.v1.0` form); upstream answers
 * with the `.v1.0` form, since Go's mime parser rejects the `@` (kube-openapi pkg/handler/handler.go).
 */
export const OPENAPI_V2_PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

const cache = new Map<string, { body: Buffer; hash: string }>();

/** sha512 of the bytes, hex upper-case (upstream's /openapi/v3 hash form). */
export function documentHash(body: Buffer): string {
  return createHash('sha512').update(body).digest('hex').toUpperCase();
}

function read(rel: string): Buffer {
  return readFirst([join(packageRoot(), 'openapi', rel)]);
}

/** A JSON document as served: the checked-in file, with descriptions when there is a table. */
function load(rel: string): { body: Buffer; hash: string } {
  let hit = cache.get(rel);
  if (!hit) {
    let body = read(rel);
    if (descriptionTable()) {
      const doc = JSON.parse(body.toString('utf8'));
      body = Buffer.from(JSON.stringify(rel.startsWith('v2/') ? describeV2(doc) : describeV3(doc)));
    }
    hit = { body, hash: documentHash(body) };
    cache.set(rel, hit);
  }
  return hit;
}

let v2Protobuf: Promise<Buffer> | undefined;

/** For tests: serve the documents afresh (after setDescriptionTable). */
export function resetOpenAPICache(): void {
  cache.clear();
  v2Protobuf = undefined;
}

/** `api/v1`, `apis/apps/v1`, ...: the group-versions that have a v3 document. */
export function openapiV3GroupVersions(): string[] {
  return servedGroupVersions();
}

/** The v3 document of a group-version path (`api/v1`, `apis/apps/v1`), or undefined if we have none. */
export function openapiV3Document(gvPath: string): { body: Buffer; hash: string } | undefined {
  const gv = gvPath.replace(/^\/+|\/+$/g, '');
  if (!servedGroupVersions().includes(gv)) return undefined;
  return load(`v3/${gvFileName(gv)}.json`);
}

export interface OpenAPIV3Root {
  paths: Record<string, { serverRelativeURL: string }>;
}

/**
 * The /openapi/v3 discovery document. `hashes` may override the hash of some group-versions
 * (or add entries for documents served from elsewhere); by default each hash is documentHash of the file.
 */
export function openapiV3Root(hashes?: Record<string, string>): OpenAPIV3Root {
  const paths: OpenAPIV3Root['paths'] = {};
  const all = [...servedGroupVersions(), ...Object.keys(hashes ?? {})];
  for (const gv of [...new Set(all)].sort()) {
    const hash = hashes?.[gv] ?? openapiV3Document(gv)?.hash;
    if (hash) paths[gv] = { serverRelativeURL: `/openapi/v3/${gv}?hash=${hash}` };
  }
  return { paths };
}

/** The v2 document as JSON bytes. */
export function openapiV2Json(): Buffer {
  return load('v2/swagger.json').body;
}

/**
 * The v2 document as gnostic openapi_v2.Document protobuf bytes: the checked-in encoding, or with
 * descriptions the served JSON encoded (once; the encoder is loaded only then).
 */
export function openapiV2Protobuf(): Promise<Buffer> {
  v2Protobuf ??= (async () => {
    const proto = join(packageRoot(), 'src', 'schema', 'openapiv2.proto');
    if (!descriptionTable() || !existsSync(proto)) return read('v2/swagger.pb');
    const { encodeGnostic } = await import('./gen/gnostic.js');
    return encodeGnostic(JSON.parse(openapiV2Json().toString('utf8')), proto);
  })().catch(() => read('v2/swagger.pb'));
  return v2Protobuf;
}

/** A stable ETag value for the v2 document (the JSON's hash; the protobuf is derived from it). */
export function openapiV2ETag(): string {
  return `"${load('v2/swagger.json').hash}"`;
}
