// The description table merged into the served OpenAPI documents (src/schema/descriptions.ts):
// where each description goes in v2 and v3, what stays without a table, and that the served
// v3 hashes and the v2 protobuf follow the merged documents. The table here is made up.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { describeV2, describeV3, descriptionTableRead, setDescriptionTable, type DescriptionTable } from '../../src/schema/descriptions.js';
import { startServer } from '../helpers/server.js';
import { documentHash, openapiV2Json, openapiV2Protobuf, openapiV3Document, openapiV3Root, resetOpenAPICache } from '../../src/schema/openapi.js';
import { decodeGnostic } from '../../src/schema/gen/gnostic.js';
import { REPO_ROOT } from '../helpers/paths.js';

const PROTO = join(REPO_ROOT, 'src/schema/openapiv2.proto');
const POD = 'io.k8s.api.core.v1.Pod';
const T: DescriptionTable = {
  definitions: {
    [POD]: { description: 'made-up pod text', properties: { spec: 'made-up spec text', kind: 'made-up kind text', nosuchfield: 'x' } },
    'io.k8s.api.core.v1.NoSuchDefinition': { description: 'y' },
  },
};

afterEach(() => {
  setDescriptionTable(undefined);
  resetOpenAPICache();
});

describe('describeV2 / describeV3', () => {
  const v2 = { definitions: { [POD]: { type: 'object', properties: { spec: { $ref: '#/definitions/io.k8s.api.core.v1.PodSpec' }, kind: { type: 'string' }, apiVersion: { type: 'string' } } } } };
  const v3 = { components: { schemas: { [POD]: { type: 'object', properties: { spec: { $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }, kind: { type: 'string' } } } } } };

  it('v2: the description stands beside the $ref; fields without a text stay as they were', () => {
    const out = describeV2(v2, T);
    expect(out.definitions[POD].description).toBe('made-up pod text');
    expect(out.definitions[POD].properties.spec).toEqual({ $ref: '#/definitions/io.k8s.api.core.v1.PodSpec', description: 'made-up spec text' });
    expect(out.definitions[POD].properties.kind).toEqual({ type: 'string', description: 'made-up kind text' });
    expect(out.definitions[POD].properties.apiVersion).toEqual({ type: 'string' });
    expect(out.definitions[POD].properties.nosuchfield).toBeUndefined();
    expect(out.definitions['io.k8s.api.core.v1.NoSuchDefinition']).toBeUndefined();
    expect(v2.definitions[POD]).not.toHaveProperty('description'); // the input is not changed
  });

  it('v3: a $ref property is wrapped in allOf to carry its description, as upstream does', () => {
    const out = describeV3(v3, T);
    expect(out.components.schemas[POD].description).toBe('made-up pod text');
    expect(out.components.schemas[POD].properties.spec).toEqual({ allOf: [{ $ref: '#/components/schemas/io.k8s.api.core.v1.PodSpec' }], description: 'made-up spec text' });
    expect(out.components.schemas[POD].properties.kind).toEqual({ type: 'string', description: 'made-up kind text' });
  });

  it('without a table the documents are returned as they are', () => {
    expect(describeV2(v2, null)).toBe(v2);
    expect(describeV3(v3, null)).toBe(v3);
  });
});

describe('served documents', () => {
  it('the table is read on the first OpenAPI request, not at start-up', async () => {
    setDescriptionTable(undefined);
    const emu = await startServer();
    try {
      await emu.app.inject({ method: 'GET', url: '/api/v1/namespaces' });
      expect(descriptionTableRead()).toBe(false);
      const r = await emu.app.inject({ method: 'GET', url: '/openapi/v3' });
      expect(r.statusCode).toBe(200);
      expect(descriptionTableRead()).toBe(true);
    } finally {
      await emu.close();
    }
  });

  it('without a table: the checked-in bytes', async () => {
    setDescriptionTable(null);
    expect(openapiV2Json().equals(readFileSync(join(REPO_ROOT, 'openapi/v2/swagger.json')))).toBe(true);
    expect((await openapiV2Protobuf()).equals(readFileSync(join(REPO_ROOT, 'openapi/v2/swagger.pb')))).toBe(true);
    expect(openapiV3Document('api/v1')!.body.equals(readFileSync(join(REPO_ROOT, 'openapi/v3/api__v1.json')))).toBe(true);
  });

  it('with a table: v2 JSON and protobuf and the v3 documents carry the descriptions; hashes follow', async () => {
    setDescriptionTable(T);
    const v2 = JSON.parse(openapiV2Json().toString('utf8'));
    expect(v2.definitions[POD].properties.spec.description).toBe('made-up spec text');
    const pb = decodeGnostic(await openapiV2Protobuf(), PROTO);
    const pod = pb.definitions.additional_properties.find((d: any) => d.name === POD).value;
    expect(pod.description).toBe('made-up pod text');
    expect(pod.properties.additional_properties.find((p: any) => p.name === 'spec').value).toMatchObject({ _ref: '#/definitions/io.k8s.api.core.v1.PodSpec', description: 'made-up spec text' });
    const doc = openapiV3Document('api/v1')!;
    expect(JSON.parse(doc.body.toString('utf8')).components.schemas[POD].properties.spec.description).toBe('made-up spec text');
    expect(doc.hash).toBe(documentHash(doc.body));
    expect(openapiV3Root().paths['api/v1'].serverRelativeURL).toBe(`/openapi/v3/api/v1?hash=${doc.hash}`);
    expect(doc.body.equals(readFileSync(join(REPO_ROOT, 'openapi/v3/api__v1.json')))).toBe(false);
  });
});
