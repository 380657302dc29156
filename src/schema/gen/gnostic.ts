// Encode our OpenAPI v2 document (JSON) as gnostic's openapi_v2.Document protobuf, the form
// kubectl 1.27/1.28 fetch from /openapi/v2 (Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf).
// The mapping follows gnostic's openapiv2 model (google/gnostic-models openapiv2/OpenAPIv2.proto):
// maps become ordered (name, value) lists, vendor extensions become YAML text.
import protobuf from 'protobufjs';
import YAML from 'yaml';
import type { Json } from './build.js';

function any(v: Json): Json {
  return { yaml: YAML.stringify(v) };
}

function ext(o: Json): Json[] | undefined {
  const keys = Object.keys(o).filter((k) => k.startsWith('x-')).sort();
  return keys.length ? keys.map((name) => ({ name, value: any(o[name]) })) : undefined;
}

function schema(s: Json): Json {
  const out: Json = {
    _ref: s.$ref,
    format: s.format,
    title: s.title,
    description: s.description,
    required: s.required,
    unique_items: s.uniqueItems,
    read_only: s.readOnly,
    vendor_extension: ext(s),
  };
  if (s.default !== undefined) out.default = any(s.default);
  if (s.enum) out.enum = s.enum.map(any);
  if (s.type !== undefined) out.type = { value: Array.isArray(s.type) ? s.type : [s.type] };
  if (s.items !== undefined) out.items = { schema: (Array.isArray(s.items) ? s.items : [s.items]).map(schema) };
  if (s.allOf) out.all_of = s.allOf.map(schema);
  if (s.additionalProperties !== undefined)
    out.additional_properties = typeof s.additionalProperties === 'boolean' ? { boolean: s.additionalProperties } : { schema: schema(s.additionalProperties) };
  if (s.properties)
    out.properties = { additional_properties: Object.keys(s.properties).sort().map((name) => ({ name, value: schema(s.properties[name]) })) };
  return out;
}

function primitiveItems(i: Json): Json {
  if (!i) return undefined;
  return { type: i.type, format: i.format, items: primitiveItems(i.items), unique_items: i.uniqueItems };
}

const SUB_SCHEMA: Record<string, string> = {
  query: 'query_parameter_sub_schema',
  path: 'path_parameter_sub_schema',
  header: 'header_parameter_sub_schema',
  formData: 'form_data_parameter_sub_schema',
};

function parameter(p: Json): Json {
  if (p.in === 'body') {
    return { body_parameter: { description: p.description, name: p.name, in: p.in, required: p.required, schema: p.schema && schema(p.schema) } };
  }
  const sub = {
    required: p.required,
    in: p.in,
    description: p.description,
    name: p.name,
    type: p.type,
    format: p.format,
    items: primitiveItems(p.items),
    unique_items: p.uniqueItems,
    vendor_extension: ext(p),
  };
  return { non_body_parameter: { [SUB_SCHEMA[p.in]]: sub } };
}

function parametersItem(p: Json): Json {
  return p.$ref ? { json_reference: { _ref: p.$ref } } : { parameter: parameter(p) };
}

function operation(op: Json): Json {
  const codes = Object.keys(op.responses ?? {}).sort();
  return {
    tags: op.tags,
    summary: op.summary,
    description: op.description,
    operation_id: op.operationId,
    produces: op.produces,
    consumes: op.consumes,
    parameters: op.parameters?.map(parametersItem),
    responses: {
      response_code: codes.map((name) => {
        const r = op.responses[name];
        return { name, value: { response: { description: r.description, schema: r.schema ? { schema: schema(r.schema) } : undefined } } };
      }),
    },
    schemes: op.schemes,
    deprecated: op.deprecated,
    vendor_extension: ext(op),
  };
}

function pathItem(item: Json): Json {
  const out: Json = { parameters: item.parameters?.map(parametersItem), vendor_extension: ext(item) };
  for (const m of ['get', 'put', 'post', 'delete', 'options', 'head', 'patch']) if (item[m]) out[m] = operation(item[m]);
  return out;
}

/** The gnostic Document as a plain object (snake_case field names as in the .proto). */
export function gnosticDocument(doc: Json): Json {
  const named = (o: Json, f: (v: Json) => Json) =>
    Object.keys(o ?? {})
      .sort()
      .map((name) => ({ name, value: f(o[name]) }));
  return {
    swagger: doc.swagger,
    info: { title: doc.info?.title, version: doc.info?.version, description: doc.info?.description },
    schemes: doc.schemes,
    consumes: doc.consumes,
    produces: doc.produces,
    paths: { path: named(doc.paths, pathItem) },
    definitions: { additional_properties: named(doc.definitions, schema) },
    parameters: { additional_properties: named(doc.parameters, parameter) },
    security: (doc.security ?? []).map((req: Json) => ({ additional_properties: named(req, (v) => ({ value: v })) })),
    security_definitions: {
      additional_properties: named(doc.securityDefinitions, (d) => ({
        api_key_security: { type: d.type, name: d.name, in: d.in, description: d.description },
      })),
    },
    vendor_extension: ext(doc),
  };
}

let documentType: protobuf.Type | undefined;

/** The openapi.v2.Document message type, from src/schema/openapiv2.proto. */
export function documentMessageType(protoPath: string): protobuf.Type {
  if (!documentType) {
    const root = new protobuf.Root();
    root.loadSync(protoPath, { keepCase: true });
    documentType = root.lookupType('openapi.v2.Document');
  }
  return documentType;
}

export function encodeGnostic(doc: Json, protoPath: string): Buffer {
  const T = documentMessageType(protoPath);
  const msg = T.fromObject(gnosticDocument(doc));
  return Buffer.from(T.encode(msg).finish());
}

export function decodeGnostic(bytes: Uint8Array, protoPath: string): Json {
  const T = documentMessageType(protoPath);
  return T.toObject(T.decode(bytes), { defaults: false, arrays: false });
}
