// The schema layer: the compact model of the kinds we serve (generated from upstream's OpenAPI
// data by scripts/gen-schemas.ts), field validation as strict decoding reports it, patch metadata
// for strategic merge patch / server-side apply, and the published OpenAPI documents.
export {
  allDefinitions,
  childNode,
  definitionFor,
  elementNode,
  fieldMeta,
  getDefinition,
  resolveSchema,
  schemaNode,
  type DefinitionSchema,
  type FieldMeta,
  type GroupVersionKind,
  type NodeKind,
  type PropSchema,
  type SchemaNode,
} from './model.js';
export {
  checkFields,
  decodeErrorMessage,
  duplicateFieldMessage,
  goType,
  pruneUnknown,
  strictDecodingMessage,
  unknownFieldMessage,
  type FieldCheck,
} from './fields.js';
export { findDuplicateFields } from './duplicates.js';
export {
  OPENAPI_V2_PROTOBUF_CONTENT_TYPE,
  documentHash,
  openapiV2ETag,
  openapiV2Json,
  openapiV2Protobuf,
  openapiV3Document,
  openapiV3GroupVersions,
  openapiV3Root,
  type OpenAPIV3Root,
} from './openapi.js';
export { servedKinds, gvPath, type ServedKind } from './gen/served.js';
