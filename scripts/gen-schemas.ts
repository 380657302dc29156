// Regenerate the schema model and the OpenAPI documents from upstream's OpenAPI v2 data.
//   npx tsx scripts/gen-schemas.ts [path-to-swagger.json]
// Default input: ../shared/upstream/kubernetes-v1.35.0-swagger.json relative to the repo root.
// Writes (checked in): src/schema/generated/definitions.json, openapi/v2/swagger.json,
// openapi/v2/swagger.pb, openapi/v3/<gv>.json.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDefinitionsModel, buildV2, buildV3All, stableJson, type Swagger } from '../src/schema/gen/build.js';
import { encodeGnostic } from '../src/schema/gen/gnostic.js';
import { gvFileName } from '../src/schema/gen/served.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const input = process.argv[2] ? resolve(process.argv[2]) : resolve(repo, '../shared/upstream/kubernetes-v1.35.0-swagger.json');
const sw = JSON.parse(readFileSync(input, 'utf8')) as Swagger;

function write(rel: string, data: string | Buffer): void {
  const file = join(repo, rel);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, data);
  process.stdout.write(`wrote ${rel} (${data.length} bytes)\n`);
}

write('src/schema/generated/definitions.json', stableJson(buildDefinitionsModel(sw)));
const v2 = buildV2(sw);
write('openapi/v2/swagger.json', stableJson(v2));
write('openapi/v2/swagger.pb', encodeGnostic(v2, join(repo, 'src/schema/openapiv2.proto')));
for (const [gv, doc] of Object.entries(buildV3All(sw))) write(`openapi/v3/${gvFileName(gv)}.json`, stableJson(doc));
