// The protobuf messages of apiextensions.k8s.io/v1 (CustomResourceDefinition and what it holds),
// described here rather than copied into proto/ (k8s.io/api and k8s.io/apimachinery only): the
// field numbers and types of staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1
// (generated.proto, types.go, types_jsonschema.go), and the Go facts the JSON form needs
// (omitempty, pointers, JSON names), in the shape definitions.ts reads from a go.json; as of
// v0.36.0, the version proto/ and the served OpenAPI documents follow.
// JSON, JSONSchemaPropsOrBool, JSONSchemaPropsOrArray and JSONSchemaPropsOrStringArray have
// their own JSON forms (marshal.go): tojson.ts / fromjson.ts render them.
import type { GoMessage } from './definitions.js';

export const APIEXTENSIONS_V1 = 'k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1';
export const APIEXTENSIONS_PACKAGE = 'k8s.io.apiextensions_apiserver.pkg.apis.apiextensions.v1';

type F = [type: string, name: string, id: number, repeated?: 'repeated' | 'map'];
const META = '.k8s.io.apimachinery.pkg.apis.meta.v1';
const RUNTIME = '.k8s.io.apimachinery.pkg.runtime';

const MESSAGES: Record<string, F[]> = {
  ConversionRequest: [['string', 'uid', 1], ['string', 'desiredAPIVersion', 2], [`${RUNTIME}.RawExtension`, 'objects', 3, 'repeated']],
  ConversionResponse: [['string', 'uid', 1], [`${RUNTIME}.RawExtension`, 'convertedObjects', 2, 'repeated'], [`${META}.Status`, 'result', 3]],
  ConversionReview: [['ConversionRequest', 'request', 1], ['ConversionResponse', 'response', 2]],
  CustomResourceColumnDefinition: [['string', 'name', 1], ['string', 'type', 2], ['string', 'format', 3], ['string', 'description', 4], ['int32', 'priority', 5], ['string', 'jsonPath', 6]],
  CustomResourceConversion: [['string', 'strategy', 1], ['WebhookConversion', 'webhook', 2]],
  CustomResourceDefinition: [[`${META}.ObjectMeta`, 'metadata', 1], ['CustomResourceDefinitionSpec', 'spec', 2], ['CustomResourceDefinitionStatus', 'status', 3]],
  CustomResourceDefinitionCondition: [['string', 'type', 1], ['string', 'status', 2], [`${META}.Time`, 'lastTransitionTime', 3], ['string', 'reason', 4], ['string', 'message', 5], ['int64', 'observedGeneration', 6]],
  CustomResourceDefinitionList: [[`${META}.ListMeta`, 'metadata', 1], ['CustomResourceDefinition', 'items', 2, 'repeated']],
  CustomResourceDefinitionNames: [['string', 'plural', 1], ['string', 'singular', 2], ['string', 'shortNames', 3, 'repeated'], ['string', 'kind', 4], ['string', 'listKind', 5], ['string', 'categories', 6, 'repeated']],
  CustomResourceDefinitionSpec: [
    ['string', 'group', 1],
    ['CustomResourceDefinitionNames', 'names', 3],
    ['string', 'scope', 4],
    ['CustomResourceDefinitionVersion', 'versions', 7, 'repeated'],
    ['CustomResourceConversion', 'conversion', 9],
    ['bool', 'preserveUnknownFields', 10],
  ],
  CustomResourceDefinitionStatus: [
    ['CustomResourceDefinitionCondition', 'conditions', 1, 'repeated'],
    ['CustomResourceDefinitionNames', 'acceptedNames', 2],
    ['string', 'storedVersions', 3, 'repeated'],
    // observedGeneration (condition and status): v1.35's CRDObservedGenerationTracking, in the served OpenAPI document
    ['int64', 'observedGeneration', 4],
  ],
  CustomResourceDefinitionVersion: [
    ['string', 'name', 1],
    ['bool', 'served', 2],
    ['bool', 'storage', 3],
    ['CustomResourceValidation', 'schema', 4],
    ['CustomResourceSubresources', 'subresources', 5],
    ['CustomResourceColumnDefinition', 'additionalPrinterColumns', 6, 'repeated'],
    ['bool', 'deprecated', 7],
    ['string', 'deprecationWarning', 8],
    ['SelectableField', 'selectableFields', 9, 'repeated'],
  ],
  CustomResourceSubresourceScale: [['string', 'specReplicasPath', 1], ['string', 'statusReplicasPath', 2], ['string', 'labelSelectorPath', 3]],
  CustomResourceSubresourceStatus: [],
  CustomResourceSubresources: [['CustomResourceSubresourceStatus', 'status', 1], ['CustomResourceSubresourceScale', 'scale', 2]],
  CustomResourceValidation: [['JSONSchemaProps', 'openAPIV3Schema', 1]],
  ExternalDocumentation: [['string', 'description', 1], ['string', 'url', 2]],
  JSON: [['bytes', 'raw', 1]],
  JSONSchemaProps: [
    ['string', 'id', 1],
    ['string', 'schema', 2],
    ['string', 'ref', 3],
    ['string', 'description', 4],
    ['string', 'type', 5],
    ['string', 'format', 6],
    ['string', 'title', 7],
    ['JSON', 'default', 8],
    ['double', 'maximum', 9],
    ['bool', 'exclusiveMaximum', 10],
    ['double', 'minimum', 11],
    ['bool', 'exclusiveMinimum', 12],
    ['int64', 'maxLength', 13],
    ['int64', 'minLength', 14],
    ['string', 'pattern', 15],
    ['int64', 'maxItems', 16],
    ['int64', 'minItems', 17],
    ['bool', 'uniqueItems', 18],
    ['double', 'multipleOf', 19],
    ['JSON', 'enum', 20, 'repeated'],
    ['int64', 'maxProperties', 21],
    ['int64', 'minProperties', 22],
    ['string', 'required', 23, 'repeated'],
    ['JSONSchemaPropsOrArray', 'items', 24],
    ['JSONSchemaProps', 'allOf', 25, 'repeated'],
    ['JSONSchemaProps', 'oneOf', 26, 'repeated'],
    ['JSONSchemaProps', 'anyOf', 27, 'repeated'],
    ['JSONSchemaProps', 'not', 28],
    ['JSONSchemaProps', 'properties', 29, 'map'],
    ['JSONSchemaPropsOrBool', 'additionalProperties', 30],
    ['JSONSchemaProps', 'patternProperties', 31, 'map'],
    ['JSONSchemaPropsOrStringArray', 'dependencies', 32, 'map'],
    ['JSONSchemaPropsOrBool', 'additionalItems', 33],
    ['JSONSchemaProps', 'definitions', 34, 'map'],
    ['ExternalDocumentation', 'externalDocs', 35],
    ['JSON', 'example', 36],
    ['bool', 'nullable', 37],
    ['bool', 'xKubernetesPreserveUnknownFields', 38],
    ['bool', 'xKubernetesEmbeddedResource', 39],
    ['bool', 'xKubernetesIntOrString', 40],
    ['string', 'xKubernetesListMapKeys', 41, 'repeated'],
    ['string', 'xKubernetesListType', 42],
    ['string', 'xKubernetesMapType', 43],
    ['ValidationRule', 'xKubernetesValidations', 44, 'repeated'],
  ],
  JSONSchemaPropsOrArray: [['JSONSchemaProps', 'schema', 1], ['JSONSchemaProps', 'jSONSchemas', 2, 'repeated']],
  JSONSchemaPropsOrBool: [['bool', 'allows', 1], ['JSONSchemaProps', 'schema', 2]],
  JSONSchemaPropsOrStringArray: [['JSONSchemaProps', 'schema', 1], ['string', 'property', 2, 'repeated']],
  SelectableField: [['string', 'jsonPath', 1]],
  ServiceReference: [['string', 'namespace', 1], ['string', 'name', 2], ['string', 'path', 3], ['int32', 'port', 4]],
  ValidationRule: [['string', 'rule', 1], ['string', 'message', 2], ['string', 'messageExpression', 3], ['string', 'reason', 4], ['string', 'fieldPath', 5], ['bool', 'optionalOldSelf', 6]],
  WebhookClientConfig: [['ServiceReference', 'service', 1], ['bytes', 'caBundle', 2], ['string', 'url', 3]],
  WebhookConversion: [['WebhookClientConfig', 'clientConfig', 2], ['string', 'conversionReviewVersions', 3, 'repeated']],
};

/** The package as .proto text (proto2, as upstream's generated.proto). */
export function apiextensionsProto(): string {
  const lines = [
    'syntax = "proto2";',
    `package ${APIEXTENSIONS_PACKAGE};`,
    'import "k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto";',
    'import "k8s.io/apimachinery/pkg/runtime/generated.proto";',
  ];
  for (const [name, fields] of Object.entries(MESSAGES)) {
    lines.push(`message ${name} {`);
    for (const [type, field, id, rep] of fields) {
      if (rep === 'map') lines.push(`  map<string, ${type}> ${field} = ${id};`);
      else lines.push(`  ${rep === 'repeated' ? 'repeated' : 'optional'} ${type} ${field} = ${id};`);
    }
    lines.push('}');
  }
  return lines.join('\n') + '\n';
}

const X = (s: string) => `x-kubernetes-${s}`;

/** The Go facts of each message's JSON form (types.go / types_jsonschema.go json tags and pointers). */
export const APIEXTENSIONS_GO: { group: string; messages: Record<string, GoMessage> } = {
  group: 'apiextensions.k8s.io',
  messages: {
    ConversionRequest: { always: ['uid', 'desiredAPIVersion', 'objects'] },
    ConversionResponse: { always: ['uid', 'convertedObjects', 'result'] },
    ConversionReview: { ptr: ['request', 'response'] },
    CustomResourceColumnDefinition: { always: ['name', 'type', 'jsonPath'] },
    CustomResourceConversion: { always: ['strategy'], ptr: ['webhook'] },
    CustomResourceDefinition: { always: ['spec'] },
    CustomResourceDefinitionCondition: { always: ['type', 'status'] },
    CustomResourceDefinitionList: { always: ['items'] },
    CustomResourceDefinitionNames: { always: ['plural', 'kind'] },
    CustomResourceDefinitionSpec: { always: ['group', 'names', 'scope', 'versions'], ptr: ['conversion'] },
    CustomResourceDefinitionStatus: { always: ['conditions', 'acceptedNames', 'storedVersions'] },
    CustomResourceDefinitionVersion: { always: ['name', 'served', 'storage'], ptr: ['deprecationWarning', 'schema', 'subresources'] },
    CustomResourceSubresourceScale: { always: ['specReplicasPath', 'statusReplicasPath'], ptr: ['labelSelectorPath'] },
    CustomResourceSubresources: { ptr: ['status', 'scale'] },
    CustomResourceValidation: { ptr: ['openAPIV3Schema'] },
    JSONSchemaProps: {
      ptr: ['ref', 'default', 'maximum', 'minimum', 'maxLength', 'minLength', 'maxItems', 'minItems', 'multipleOf', 'maxProperties', 'minProperties', 'items', 'not', 'additionalProperties', 'additionalItems', 'externalDocs', 'example', 'xKubernetesPreserveUnknownFields', 'xKubernetesListType', 'xKubernetesMapType'],
      json: {
        schema: '$schema',
        ref: '$ref',
        xKubernetesPreserveUnknownFields: X('preserve-unknown-fields'),
        xKubernetesEmbeddedResource: X('embedded-resource'),
        xKubernetesIntOrString: X('int-or-string'),
        xKubernetesListMapKeys: X('list-map-keys'),
        xKubernetesListType: X('list-type'),
        xKubernetesMapType: X('map-type'),
        xKubernetesValidations: X('validations'),
      },
    },
    JSONSchemaPropsOrArray: { ptr: ['schema'] },
    JSONSchemaPropsOrBool: { ptr: ['schema'] },
    JSONSchemaPropsOrStringArray: { ptr: ['schema'] },
    ServiceReference: { always: ['namespace', 'name'], ptr: ['path', 'port'] },
    ValidationRule: { always: ['rule'], ptr: ['reason', 'optionalOldSelf'] },
    WebhookClientConfig: { ptr: ['url', 'service'] },
    WebhookConversion: { always: ['conversionReviewVersions'], ptr: ['clientConfig'] },
  },
};
