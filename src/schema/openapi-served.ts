// The OpenAPI documents one server publishes: the built-in kinds' documents (./openapi.ts, made at
// build time) plus what kinds registered at run time contribute (custom resources: each version's
// definitions and paths in /openapi/v2, a document per group-version in /openapi/v3), rebuilt when
// the kind set changes (kube-apiserver: apiextensions-apiserver pkg/controller/openapi and
// openapiv3 controllers merge each CRD's spec into the served ones).
import type { KindRegistry } from '../registry/kinds.js';
import type { ResourceDef } from '../resources/types.js';
import { documentHash, openapiV2ETag, openapiV2Json, openapiV2Protobuf, openapiV3Document, openapiV3GroupVersions, openapiV3Root, type OpenAPIV3Root } from './openapi.js';
import { gvPath } from './gen/served.js';

/** The OpenAPI merges of run-time kinds' documents (the apiextensions OpenAPI builder's, installed when it loads). */
let merges: { mergeV2(base: any, extra: any[]): any; mergeV3(docs: any[]): any } | undefined;
export function setOpenAPIMerges(m: NonNullable<typeof merges>): void {
  merges = m;
}

type Doc = { body: Buffer; hash: string };

/** The parts of the documents a run-time kind adds (ResourceDef.openapi). */
export interface KindOpenAPI {
  v2: { definitions: Record<string, unknown>; paths: Record<string, unknown> };
  /** a complete /openapi/v3 document for this kind's group-version (merged with the other kinds of that group-version) */
  v3: { paths?: Record<string, unknown>; components?: { schemas?: Record<string, unknown> }; [k: string]: unknown };
}

export class ServedOpenAPI {
  private seen = -1;
  private dynamicDefs: ResourceDef[] = [];
  private v2?: Doc;
  private v2pb?: Promise<Buffer>;
  private v3 = new Map<string, Doc>();

  constructor(private readonly kinds: KindRegistry) {}

  private refresh(): void {
    if (this.seen === this.kinds.generation) return;
    this.seen = this.kinds.generation;
    // ('in': a run-time kind builds its documents only when they are first served)
    const next = this.kinds.all().filter((d) => 'openapi' in d);
    const same = next.length === this.dynamicDefs.length && next.every((d, i) => d === this.dynamicDefs[i]);
    if (same) return;
    this.dynamicDefs = next;
    this.v2 = undefined;
    this.v2pb = undefined;
    this.v3 = new Map();
  }

  private v2Doc(): Doc | undefined {
    this.refresh();
    if (!this.dynamicDefs.length) return undefined;
    if (!this.v2) {
      const doc = merges!.mergeV2(
        JSON.parse(openapiV2Json().toString('utf8')),
        this.dynamicDefs.filter((d) => d.openapi).map((d) => d.openapi!.v2 as any),
      );
      const body = Buffer.from(JSON.stringify(doc));
      this.v2 = { body, hash: documentHash(body) };
    }
    return this.v2;
  }

  v2Json(): Buffer {
    return this.v2Doc()?.body ?? openapiV2Json();
  }

  v2ETag(): string {
    const d = this.v2Doc();
    return d ? `"${d.hash}"` : openapiV2ETag();
  }

  v2Protobuf(): Promise<Buffer> {
    const d = this.v2Doc();
    if (!d) return openapiV2Protobuf();
    this.v2pb ??= (async () => {
      const { encodeGnostic } = await import('./gen/gnostic.js');
      const { join } = await import('node:path');
      const { packageRoot } = await import('./root.js');
      return encodeGnostic(JSON.parse(d.body.toString('utf8')), join(packageRoot(), 'src', 'schema', 'openapiv2.proto'));
    })();
    return this.v2pb;
  }

  /** Group-version paths served by run-time kinds. */
  private dynamicGroupVersions(): string[] {
    this.refresh();
    return [...new Set(this.dynamicDefs.map((d) => gvPath(d.group, d.version)))];
  }

  v3Document(path: string): Doc | undefined {
    const gv = path.replace(/^\/+|\/+$/g, '');
    const builtIn = openapiV3GroupVersions().includes(gv);
    if (builtIn) return openapiV3Document(gv);
    if (!this.dynamicGroupVersions().includes(gv)) return undefined;
    let doc = this.v3.get(gv);
    if (!doc) {
      const parts = this.dynamicDefs.filter((d) => gvPath(d.group, d.version) === gv && d.openapi).map((d) => d.openapi!.v3);
      let merged: unknown;
      try {
        merged = merges!.mergeV3(parts);
      } catch {
        // two CRDs naming the same schema differently: the first one's document serves
        merged = parts[0];
      }
      const body = Buffer.from(JSON.stringify(merged ?? {}));
      doc = { body, hash: documentHash(body) };
      this.v3.set(gv, doc);
    }
    return doc;
  }

  v3Root(): OpenAPIV3Root {
    const extra: Record<string, string> = {};
    for (const gv of this.dynamicGroupVersions()) {
      if (openapiV3GroupVersions().includes(gv)) continue;
      const d = this.v3Document(gv);
      if (d) extra[gv] = d.hash;
    }
    return openapiV3Root(extra);
  }
}
