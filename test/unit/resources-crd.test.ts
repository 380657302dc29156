// apiextensions.k8s.io/v1 CustomResourceDefinition: defaults, validation and the helpers for
// serving, pinned to upstream's v1.33 wording
// (staging/src/k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1/defaults.go,
// pkg/apis/apiextensions/validation/validation.go, pkg/apihelpers/helpers.go,
// pkg/controller/status/naming_controller.go).
import { describe, expect, it, vi } from 'vitest';
import { customResourceDefinitionDef, defaultCRD, setSchemaCheckers, validateCRD, validateCRDUpdate } from '../../src/resources/apiextensions/customresourcedefinition.js';
import {
  calculateNamesAndConditions,
  crdNamesConflict,
  hasFinalizer,
  isEstablished,
  markCRDForDeletion,
  servedVersions,
  setCondition,
  storageVersion,
} from '../../src/resources/apiextensions/helpers.js';
import type { Cause } from '../../src/resources/types.js';

const DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

function crd(mutate: (o: any) => void = () => {}): any {
  const o: any = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'crontabs.stable.example.com' },
    spec: {
      group: 'stable.example.com',
      scope: 'Namespaced',
      names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab' },
      versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object', properties: { a: { type: 'string' } } } } } } }],
    },
  };
  mutate(o);
  return o;
}

/** What create validation says, after the defaults and PrepareForCreate, as `field: message` lines. */
function errors(o: any, opts?: Parameters<typeof validateCRD>[1]): string[] {
  defaultCRD(o);
  customResourceDefinitionDef.prepareForCreate!(o);
  return validateCRD(o, opts ?? {}).map((c) => `${c.field}: ${c.message}`);
}
const schema = (s: any) => (o: any) => (o.spec.versions[0].schema.openAPIV3Schema = s);
const root = (s: any) => errors(crd(schema({ type: 'object', ...s })));
const P = 'spec.validation.openAPIV3Schema';

describe('defaults (SetDefaults_CustomResourceDefinition)', () => {
  it('singular, listKind, conversion None, storedVersions, webhook service port 443', () => {
    const o = crd((o) => {
      delete o.spec.names.singular;
      o.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 's', namespace: 'n' } }, conversionReviewVersions: ['v1'] } };
    });
    defaultCRD(o);
    expect(o.spec.names).toEqual({ plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList' });
    expect(o.spec.conversion.webhook.clientConfig.service.port).toBe(443);
    expect(o.status.storedVersions).toEqual(['v1']);
    const n = crd();
    defaultCRD(n);
    expect(n.spec.conversion).toEqual({ strategy: 'None' });
  });
  it('a valid CRD has no errors', () => {
    expect(errors(crd())).toEqual([]);
  });
});

describe('metadata.name, group, scope', () => {
  it('name must be <plural>.<group>', () => {
    expect(errors(crd((o) => (o.metadata.name = 'crontab.stable.example.com')))).toEqual(['metadata.name: Invalid value: "crontab.stable.example.com": must be spec.names.plural+"."+spec.group']);
  });
  it('group: required, a DNS subdomain, with a dot', () => {
    expect(errors(crd((o) => ((o.spec.group = ''), (o.metadata.name = 'crontabs.'))))).toContain('spec.group: Required value');
    expect(errors(crd((o) => ((o.spec.group = 'Example.com'), (o.metadata.name = 'crontabs.Example.com'))))).toContain(
      "spec.group: Invalid value: \"Example.com\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
    expect(errors(crd((o) => ((o.spec.group = 'example'), (o.metadata.name = 'crontabs.example'))))).toEqual(['spec.group: Invalid value: "example": should be a domain with at least one dot']);
  });
  it('scope: required, Cluster or Namespaced', () => {
    expect(errors(crd((o) => (o.spec.scope = '')))).toEqual(['spec.scope: Required value']);
    expect(errors(crd((o) => (o.spec.scope = 'Global')))).toEqual(['spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced"']);
  });
});

describe('names', () => {
  it('plural, singular, kind and listKind are required', () => {
    expect(errors(crd((o) => ((o.spec.names = {}), (o.metadata.name = '.stable.example.com'))))).toEqual([
      'spec.names.plural: Required value',
      'spec.names.singular: Required value',
      'spec.names.kind: Required value',
      'spec.names.listKind: Required value',
    ]);
  });
  it('DNS-1035 labels, kinds in mixed case, kind != listKind', () => {
    const out = errors(
      crd((o) => {
        o.spec.names = { plural: 'crontabs', singular: 'Crontab', kind: 'Cron.Tab', listKind: 'Cron.Tab', shortNames: ['ok', '1ct'], categories: ['all', 'Bad'] };
      }),
    );
    expect(out).toEqual([
      `spec.names.singular: Invalid value: "Crontab": ${DNS1035}`,
      `spec.names.kind: Invalid value: "Cron.Tab": may have mixed case, but should otherwise match: ${DNS1035}`,
      `spec.names.listKind: Invalid value: "Cron.Tab": may have mixed case, but should otherwise match: ${DNS1035}`,
      `spec.names.shortNames[1]: Invalid value: "1ct": ${DNS1035}`,
      'spec.names.listKind: Invalid value: "Cron.Tab": kind and listKind may not be the same',
      `spec.names.categories[1]: Invalid value: "Bad": ${DNS1035}`,
    ]);
  });
});

describe('versions', () => {
  const v = (name: string, storage: boolean, extra: any = {}) => ({ name, served: true, storage, schema: { openAPIV3Schema: { type: 'object' } }, ...extra });
  it('exactly one storage version, unique names (the value as Go prints the internal versions)', () => {
    const out = errors(crd((o) => (o.spec.versions = [v('v1', true), v('v1', true)])));
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(/^spec\.versions: Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:true, .*\}\}: must contain unique version names$/);
    // identical schemas moved to spec.validation: the versions print a nil Schema
    expect(out[0]).toContain('Schema:(*apiextensions.CustomResourceValidation)(nil)');
    expect(out[1]).toMatch(/: must have exactly one version marked as storage version$/);
    // the second v1 finds its name already taken out of storedVersions (upstream's map walk)
    expect(out[2]).toBe('status.storedVersions: Invalid value: []string{"v1"}: must have the storage version v1');
  });
  it('no versions at all', () => {
    expect(errors(crd((o) => delete o.spec.versions))).toEqual([
      'spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion(nil): must have exactly one version marked as storage version',
      'status.storedVersions: Invalid value: []string(nil): must have at least one stored version',
    ]);
  });
  it('a version name is a DNS-1035 label (the first also as spec.version)', () => {
    expect(errors(crd((o) => (o.spec.versions[0].name = 'V1')))).toEqual([`spec.versions[0].name: Invalid value: "V1": ${DNS1035}`, `spec.version: Invalid value: "V1": ${DNS1035}`]);
  });
  it('every version needs a schema', () => {
    expect(errors(crd((o) => (o.spec.versions = [{ name: 'v1', served: true, storage: true }, v('v2', false)])))).toEqual(['spec.versions[0].schema.openAPIV3Schema: Required value: schemas are required']);
  });
  it('per-version schemas that differ keep their per-version paths', () => {
    const out = errors(crd((o) => (o.spec.versions = [v('v1', true), v('v2', false, { schema: { openAPIV3Schema: { type: 'object', properties: { x: { type: 'strin' } } } } })])));
    expect(out).toEqual(['spec.versions[1].schema.openAPIV3Schema.properties[x].type: Unsupported value: "strin": supported values: "array", "boolean", "integer", "number", "object", "string"']);
  });
  it('deprecationWarning only on deprecated versions, at most 256 characters', () => {
    expect(errors(crd((o) => (o.spec.versions[0].deprecationWarning = 'old')))).toEqual(['spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions']);
    expect(errors(crd((o) => Object.assign(o.spec.versions[0], { deprecated: true, deprecationWarning: 'x'.repeat(257) })))).toEqual([
      `spec.versions[0].deprecationWarning: Invalid value: "${'x'.repeat(257)}": must be <= 256 characters long`,
    ]);
    expect(errors(crd((o) => Object.assign(o.spec.versions[0], { deprecated: true, deprecationWarning: 'a\tb' })))).toEqual([
      'spec.versions[0].deprecationWarning: Invalid value: "a\\tb": must only contain printable UTF-8 characters; control character found at index 1',
    ]);
  });
});

describe('printer columns and subresources', () => {
  it('column type, format and JSONPath', () => {
    const out = errors(crd((o) => (o.spec.versions[0].additionalPrinterColumns = [{ name: '', type: '', jsonPath: '' }, { name: 'x', type: 'text', format: 'uuid', jsonPath: 'spec.x' }])));
    expect(out).toEqual([
      'spec.additionalPrinterColumns[0].name: Required value',
      'spec.additionalPrinterColumns[0].type: Required value: must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[0].JSONPath: Required value',
      'spec.additionalPrinterColumns[1].type: Invalid value: "text": must be one of boolean,date,integer,number,string',
      'spec.additionalPrinterColumns[1].format: Invalid value: "uuid": must be one of byte,date,date-time,double,float,int32,int64,password',
      'spec.additionalPrinterColumns[1].JSONPath: Invalid value: "spec.x": must be a simple json path starting with .',
    ]);
  });
  it('scale paths', () => {
    expect(errors(crd((o) => (o.spec.versions[0].subresources = { scale: { specReplicasPath: '.status.r', statusReplicasPath: '', labelSelectorPath: '.metadata.x' } })))).toEqual([
      'spec.subresources.scale.specReplicasPath: Invalid value: ".status.r": should be a json path under .spec',
      'spec.subresources.scale.statusReplicasPath: Required value',
      'spec.subresources.scale.labelSelectorPath: Invalid value: ".metadata.x": should be a json path under either .spec or .status',
    ]);
  });
  it('with the status subresource the root schema is an object with a limited set of fields', () => {
    expect(errors(crd((o) => ((o.spec.versions[0].subresources = { status: {} }), schema({ type: 'array', items: { type: 'string' } })(o))))).toEqual([
      `${P}.type: Invalid value: "array": only "object" is allowed as the type at the root of the schema if the status subresource is enabled`,
    ]);
    const out = errors(crd((o) => ((o.spec.versions[0].subresources = { status: {} }), schema({ type: 'object', anyOf: [{ required: ['spec'] }] })(o))));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^spec\.validation\.openAPIV3Schema: Invalid value: apiextensions\.JSONSchemaProps\{ID:"", Schema:"", Ref:\(\*string\)\(nil\), Description:"", Type:"object", .* AnyOf:\[\]apiextensions\.JSONSchemaProps\{apiextensions\.JSONSchemaProps\{ID:"", .*Required:\[\]string\{"spec"\}, .*\}\}, .*XValidations:apiextensions\.ValidationRules\(nil\)\}: only \[Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required Items Properties ExternalDocs Example XPreserveUnknownFields XValidations\] fields are allowed at the root of the schema if the status subresource is enabled$/);
  });
});

describe('OpenAPI schema rules (ValidateCustomResourceDefinitionOpenAPISchema)', () => {
  it('forbidden keywords', () => {
    expect(root({ properties: { a: { $ref: '#/x' }, b: { id: 'b', type: 'string' }, c: { type: 'array', uniqueItems: true, items: { type: 'string' } }, d: { type: 'array', items: [{ type: 'string' }] } } })).toEqual([
      `${P}.properties[a].$ref: Forbidden: $ref is not supported`,
      `${P}.properties[b].id: Forbidden: id is not supported`,
      `${P}.properties[c].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic`,
      `${P}.properties[d].items: Forbidden: items must be a schema object and not an array`,
    ]);
    expect(root({ properties: { e: { type: 'object', patternProperties: { x: { type: 'string' } }, additionalItems: false, dependencies: { a: ['b'] }, definitions: { d: { type: 'string' } } } } })).toEqual([
      `${P}.properties[e].additionalItems: Forbidden: additionalItems is not supported`,
      `${P}.properties[e].patternProperties: Forbidden: patternProperties is not supported`,
      `${P}.properties[e].definitions: Forbidden: definitions is not supported`,
      `${P}.properties[e].dependencies: Forbidden: dependencies is not supported`,
    ]);
  });
  it('type null and unknown types', () => {
    expect(root({ properties: { n: { type: 'null' } } })).toEqual([
      `${P}.properties[n].type: Unsupported value: "null": supported values: "array", "boolean", "integer", "number", "object", "string"`,
      `${P}.properties[n].type: Forbidden: type cannot be set to null, use nullable as an alternative`,
    ]);
  });
  it('additionalProperties with properties; nullable root', () => {
    expect(root({ nullable: true, properties: { a: { type: 'string' } }, additionalProperties: false })).toEqual([
      `${P}.nullable: Forbidden: nullable cannot be true at the root`,
      `${P}.additionalProperties: Forbidden: additionalProperties and properties are mutual exclusive`,
    ]);
    expect(root({ properties: { a: { type: 'string' } }, additionalProperties: true })).toEqual([]);
  });
  it('defaults are forbidden in metadata and inside additionalProperties of metadata', () => {
    expect(root({ properties: { metadata: { type: 'object', default: {}, properties: { labels: { type: 'object', additionalProperties: { type: 'string', default: 'x' } } } } } })).toEqual([
      `${P}.properties[metadata].default: Forbidden: must not be set in top-level metadata`,
      `${P}.properties[metadata].properties[labels].additionalProperties.default: Forbidden: must not be set inside additionalProperties applying to object metadata`,
    ]);
  });
  it('x-kubernetes-embedded-resource inside resource meta', () => {
    expect(root({ properties: { metadata: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true } } })).toEqual([
      `${P}.properties[metadata].x-kubernetes-embedded-resource: Forbidden: must not be used inside of resource meta`,
    ]);
  });
  it('x-kubernetes-preserve-unknown-fields, map and list types', () => {
    expect(root({ properties: { p: { type: 'object', 'x-kubernetes-preserve-unknown-fields': false }, m: { type: 'string', 'x-kubernetes-map-type': 'weird' }, l: { 'x-kubernetes-list-type': 'bag' } } })).toEqual([
      `${P}.properties[l].type: Required value: must be array if x-kubernetes-list-type is specified`,
      `${P}.properties[l].x-kubernetes-list-type: Unsupported value: "bag": supported values: "atomic", "set", "map"`,
      `${P}.properties[m].type: Invalid value: "string": must be object if x-kubernetes-map-type is specified`,
      `${P}.properties[m].x-kubernetes-map-type: Unsupported value: "weird": supported values: "atomic", "granular"`,
      `${P}.properties[p].x-kubernetes-preserve-unknown-fields: Invalid value: false: must be true or undefined`,
    ]);
  });
  it('list-type map and set', () => {
    expect(root({ properties: { a: { type: 'array', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } }, required: ['k'] } } } })).toEqual([
      `${P}.properties[a].x-kubernetes-list-type: Required value: must be map if x-kubernetes-list-map-keys is non-empty`,
    ]);
    expect(root({ properties: { a: { type: 'array', 'x-kubernetes-list-type': 'map', items: { type: 'string' } } } })).toEqual([
      `${P}.properties[a].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map`,
      `${P}.properties[a].items.type: Invalid value: "string": must be object if parent array's x-kubernetes-list-type is map`,
    ]);
    expect(root({ properties: { a: { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k', 'k', 'o'], items: { type: 'object', properties: { k: { type: 'string', nullable: true }, o: { type: 'object' } } } } } })).toEqual([
      `${P}.properties[a].x-kubernetes-list-map-keys: Invalid value: []string{"k", "k", "o"}: must not contain duplicate entries`,
      `${P}.properties[a].items.properties[o].type: Invalid value: "object": must be a scalar type if parent array's x-kubernetes-list-type is map`,
      `${P}.properties[a].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${P}.properties[a].items.properties[k].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable`,
      `${P}.properties[a].items.properties[k].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
      `${P}.properties[a].items.properties[k].nullable: Forbidden: this property is in x-kubernetes-list-map-keys, so it cannot be nullable`,
      `${P}.properties[a].items.properties[o].default: Required value: this property is in x-kubernetes-list-map-keys, so it must have a default or be a required property`,
    ]);
    expect(root({ properties: { s: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', nullable: true } } } })).toEqual([
      `${P}.properties[s].items.x-kubernetes-map-type: Invalid value: "null": must be atomic as item of a list with x-kubernetes-list-type=set`,
      `${P}.properties[s].items.nullable: Forbidden: cannot be nullable when x-kubernetes-list-type is set`,
    ]);
  });
  it('x-kubernetes-validations rules (what needs no CEL)', () => {
    expect(
      root({
        'x-kubernetes-validations': [
          { rule: ' ' },
          { rule: 'self.a\n&& true' },
          { rule: 'true', message: 'two\nlines' },
          { rule: 'true', reason: 'FieldValueTooLong', messageExpression: ' ' },
          { rule: 'true', fieldPath: '.spec.nope' },
        ],
        properties: { spec: { type: 'object' } },
      }),
    ).toEqual([
      `${P}.x-kubernetes-validations[0].rule: Required value: rule is not specified`,
      `${P}.x-kubernetes-validations[1].message: Required value: message must be specified if rule contains line breaks`,
      `${P}.x-kubernetes-validations[2].message: Invalid value: "two\\nlines": message must not contain line breaks`,
      `${P}.x-kubernetes-validations[3].messageExpression: Required value: messageExpression must be non-empty if specified`,
      `${P}.x-kubernetes-validations[3].reason: Unsupported value: "FieldValueTooLong": supported values: "FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid", "FieldValueRequired"`,
      `${P}.x-kubernetes-validations[4].fieldPath: Invalid value: ".spec.nope": fieldPath must be a valid path`,
    ]);
  });
});

describe('selectable fields', () => {
  const withFields = (fields: any[]) =>
    errors(
      crd((o) => {
        o.spec.versions[0].selectableFields = fields;
        o.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties = { a: { type: 'string' }, n: { type: 'number' }, o: { type: 'object', additionalProperties: { type: 'string' } } };
        o.spec.versions[0].schema.openAPIV3Schema.properties.metadata = { type: 'object' };
      }),
    );
  it('paths, types, duplicates', () => {
    expect(withFields([{ jsonPath: '.spec.a' }, { jsonPath: '.spec.x' }, { jsonPath: '.spec.n' }, { jsonPath: '.spec.a' }, { jsonPath: '' }, { jsonPath: ".spec.o['k']" }, { jsonPath: '.spec.o.k' }])).toEqual([
      'spec.selectableFields[1].jsonPath: Invalid value: ".spec.x": is an invalid path: does not refer to a valid field',
      'spec.selectableFields[2].jsonPath: Invalid value: ".spec.n": must point to a field of type string, boolean or integer. Enum string fields and strings with formats are allowed.',
      'spec.selectableFields[3].jsonPath: Duplicate value: ".spec.a"',
      'spec.selectableFields[4].jsonPath: Required value',
      `spec.selectableFields[5].jsonPath: Invalid value: ".spec.o['k']": is an invalid path: array notation is not allowed`,
    ]);
  });
  it('identical selectable fields with differing schemas are hoisted and refused (upstream quirk of the internal form)', () => {
    const out = errors(
      crd((o) => {
        o.spec.versions[0].selectableFields = [{ jsonPath: '.spec.a' }];
        o.spec.versions.push({ ...structuredClone(o.spec.versions[0]), name: 'v2', storage: false });
        o.spec.versions[1].schema.openAPIV3Schema.properties.spec.properties.b = { type: 'string' };
      }),
    );
    expect(out).toEqual(['spec.selectableFields: Invalid value: "": selectableFields may only be set when validations.schema is included']);
  });
  it('at most 8', () => {
    const out = withFields(Array.from({ length: 9 }, (_, i) => ({ jsonPath: `.spec.o.k${i}` })));
    expect(out).toEqual(['spec.selectableFields: Too many: 9: must have at most 8 items']);
  });
});

describe('conversion', () => {
  const conv = (c: any) => errors(crd((o) => (o.spec.conversion = c)));
  it('strategy', () => {
    expect(conv({ strategy: 'Magic' })).toEqual(['spec.conversion.strategy: Unsupported value: "Magic": supported values: "None", "Webhook"']);
    expect(conv({ strategy: 'None', webhook: { clientConfig: { url: 'https://x' }, conversionReviewVersions: ['v1'] } })).toEqual([
      'spec.conversion.webhookClientConfig: Forbidden: should not be set when strategy is not set to Webhook',
      'spec.conversion.conversionReviewVersions: Forbidden: should not be set when strategy is not set to Webhook',
    ]);
  });
  it('Webhook: clientConfig and conversionReviewVersions', () => {
    expect(conv({ strategy: 'Webhook', webhook: { clientConfig: { url: 'https://a', service: { name: 's', namespace: 'n' } }, conversionReviewVersions: ['v2', 'v2'] } })).toEqual([
      'spec.conversion.webhookClientConfig: Required value: exactly one of url or service is required',
      'spec.conversion.conversionReviewVersions[1]: Invalid value: "v2": duplicate version',
      'spec.conversion.conversionReviewVersions: Invalid value: []string{"v2", "v2"}: must include at least one of v1, v1beta1',
    ]);
    expect(conv({ strategy: 'Webhook', webhook: { clientConfig: { url: 'http://user@host/p?q=1#f' }, conversionReviewVersions: ['v1'] } })).toEqual([
      `spec.conversion.webhookClientConfig.url: Invalid value: "http": 'https' is the only allowed URL scheme; desired format: https://host[/path]`,
      'spec.conversion.webhookClientConfig.url: Invalid value: "user": user information is not permitted in the URL',
      'spec.conversion.webhookClientConfig.url: Invalid value: "f": fragments are not permitted in the URL',
      'spec.conversion.webhookClientConfig.url: Invalid value: "q=1": query parameters are not permitted in the URL',
    ]);
    expect(conv({ strategy: 'Webhook', webhook: { clientConfig: { service: { name: '', namespace: '', port: 70000, path: 'a//B' } }, conversionReviewVersions: ['v1beta1'] } })).toEqual([
      'spec.conversion.webhookClientConfig.service.name: Required value: service name is required',
      'spec.conversion.webhookClientConfig.service.namespace: Required value: service namespace is required',
      'spec.conversion.webhookClientConfig.service.port: Invalid value: 70000: port is not valid: must be between 1 and 65535, inclusive',
      "spec.conversion.webhookClientConfig.service.path: Invalid value: \"a//B\": must start with a '/'",
      'spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": segment[0] may not be empty',
      'spec.conversion.webhookClientConfig.service.path: Invalid value: "a//B": segment[1] may not be empty',
      "spec.conversion.webhookClientConfig.service.path: Invalid value: \"a//B\": segment[2]: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    ]);
  });
  it('an invalid caBundle passes on create and on an update of a CRD not yet Established, not later', () => {
    const bad = Buffer.from('not a pem').toString('base64');
    const c = { strategy: 'Webhook', webhook: { clientConfig: { url: 'https://x', caBundle: bad }, conversionReviewVersions: ['v1'] } };
    expect(conv(c)).toEqual([]);
    const old = crd();
    defaultCRD(old);
    customResourceDefinitionDef.prepareForCreate!(old);
    const next = structuredClone(old);
    next.spec.conversion = structuredClone(c);
    expect(validateCRDUpdate(next, old, {})).toEqual([]);
    setCondition(old, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    expect(validateCRDUpdate(next, old, {}).map((x) => `${x.field}: ${x.message}`)).toEqual([
      'spec.conversion.webhookClientConfig.caBundle: Invalid value: []byte{0x6e, 0x6f, 0x74, 0x20, 0x61, 0x20, 0x70, 0x65, 0x6d}: unable to load root certificates: unable to parse bytes as PEM block',
    ]);
  });
});

describe('preserveUnknownFields, storedVersions, API approval', () => {
  it('preserveUnknownFields must be false; defaults need it false', () => {
    expect(errors(crd((o) => ((o.spec.preserveUnknownFields = true), (o.spec.versions[0].schema.openAPIV3Schema.properties.spec.default = {}))))).toEqual([
      'spec.preserveUnknownFields: Invalid value: true: must be false in order to use defaults in the schema',
      'spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
    ]);
  });
  it('storedVersions must hold the storage version and only versions still listed', () => {
    const old = crd();
    defaultCRD(old);
    customResourceDefinitionDef.prepareForCreate!(old);
    const next = structuredClone(old);
    next.status.storedVersions = ['v0', 'v1'];
    expect(validateCRDUpdate(next, old, {}).map((x) => `${x.field}: ${x.message}`)).toEqual([
      'status.storedVersions[0]: Invalid value: "v0": missing from spec.versions; v0 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v0 and removes v0 from status.storedVersions',
    ]);
    next.status.storedVersions = ['v0'];
    expect(validateCRDUpdate(next, old, {}).map((x) => x.message)[0]).toBe('Invalid value: []string{"v0"}: must have the storage version v1');
  });
  it('protected groups need api-approved.kubernetes.io', () => {
    const k8s = (ann?: string) =>
      errors(
        crd((o) => {
          o.spec.group = 'x.k8s.io';
          o.metadata.name = 'crontabs.x.k8s.io';
          if (ann !== undefined) o.metadata.annotations = { 'api-approved.kubernetes.io': ann };
        }),
      );
    expect(k8s()).toEqual(['metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111']);
    expect(k8s('yes')).toEqual([
      'metadata.annotations[api-approved.kubernetes.io]: Invalid value: "yes": protected groups must have approval annotation "api-approved.kubernetes.io" with either a URL or a reason starting with "unapproved", see https://github.com/kubernetes/enhancements/pull/1111',
    ]);
    expect(k8s('https://github.com/kubernetes/enhancements/pull/1111')).toEqual([]);
    expect(k8s('unapproved, experimental')).toEqual([]);
  });
});

describe('update rules', () => {
  const stored = () => {
    const o = crd();
    defaultCRD(o);
    customResourceDefinitionDef.prepareForCreate!(o);
    return o;
  };
  it('group and plural never change; scope and kind not once Established', () => {
    const old = stored();
    const next = structuredClone(old);
    next.spec.scope = 'Cluster';
    next.spec.names.kind = 'Other';
    next.spec.names.listKind = 'OtherList';
    expect(validateCRDUpdate(next, old, {})).toEqual([]);
    setCondition(old, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    expect(validateCRDUpdate(next, old, {}).map((x) => `${x.field}: ${x.message}`)).toEqual(['spec.scope: Invalid value: "Cluster": field is immutable', 'spec.names.kind: Invalid value: "Other": field is immutable']);
    next.spec.group = 'other.example.com';
    next.spec.names.plural = 'others';
    next.metadata.name = 'others.other.example.com';
    expect(validateCRDUpdate(next, old, {}).map((x) => x.field)).toEqual(['spec.scope', 'spec.names.kind', 'spec.group', 'spec.names.plural']);
  });
  it('a stored version without a schema may stay (requireOpenAPISchema follows the old object), but a served one must have one', () => {
    const old = stored();
    old.spec.versions.push({ name: 'v0', served: false, storage: false });
    const next = structuredClone(old);
    expect(validateCRDUpdate(next, old, {})).toEqual([]);
    next.spec.versions[1].served = true;
    expect(validateCRDUpdate(next, old, {}).map((x) => `${x.field}: ${x.message}`)).toEqual(['spec.versions[1].schema.openAPIV3Schema: Required value: because otherwise all fields are pruned']);
  });
  it('the registry strategy: status kept, storage version added to storedVersions', () => {
    const old = stored();
    const next = structuredClone(old);
    next.status = { storedVersions: [] };
    next.spec.versions[0].storage = false;
    next.spec.versions.push({ ...structuredClone(next.spec.versions[0]), name: 'v2', storage: true });
    customResourceDefinitionDef.prepareForUpdate!(next, old);
    expect(next.status).toEqual({ acceptedNames: { plural: '', kind: '' }, conditions: null, storedVersions: ['v1', 'v2'] });
    // the create rules are not run again on an update: the update rules replace them
    expect(customResourceDefinitionDef.validate!(next)).toEqual([]);
  });
});

describe('injected structural / defaults / CEL checks', () => {
  const cause = (field: string, message: string): Cause => ({ reason: 'FieldValueInvalid', field, message });
  it('structural errors stop the defaults and CEL checks; CEL runs only on an otherwise valid schema', () => {
    const structural = vi.fn((_s: any, p: string) => [cause(`${p}.properties[spec].type`, 'Required value: must not be empty for specified object fields')]);
    const defaults = vi.fn(() => []);
    const cel = vi.fn(() => []);
    expect(errors(crd(), { structural, defaults, cel })).toEqual([`${P}.properties[spec].type: Required value: must not be empty for specified object fields`]);
    expect(structural).toHaveBeenCalledWith(expect.objectContaining({ type: 'object' }), P);
    expect(defaults).not.toHaveBeenCalled();
    expect(cel).not.toHaveBeenCalled();

    const cel2 = vi.fn((_s: any, p: string) => [cause(`${p}.x-kubernetes-validations[0].rule`, 'Invalid value: ...: compilation failed')]);
    expect(errors(crd(), { structural: () => [], defaults: () => [], cel: cel2 })).toEqual([`${P}.x-kubernetes-validations[0].rule: Invalid value: ...: compilation failed`]);
    const cel3 = vi.fn(() => []);
    errors(crd(schema({ type: 'object', properties: { a: { $ref: 'x' } } })), { structural: () => [], cel: cel3 });
    expect(cel3).not.toHaveBeenCalled();
  });
  it('setSchemaCheckers plugs them into the served kind', () => {
    const o = crd();
    defaultCRD(o);
    customResourceDefinitionDef.prepareForCreate!(o);
    setSchemaCheckers({ defaults: (_s, p) => [cause(`${p}.default`, 'Invalid value: "x": bad default')] });
    try {
      expect(customResourceDefinitionDef.validate!(o)).toEqual([cause(`${P}.default`, 'Invalid value: "x": bad default')]);
    } finally {
      setSchemaCheckers({});
    }
    expect(customResourceDefinitionDef.validate!(o)).toEqual([]);
  });
});

describe('helpers', () => {
  const named = (name: string, group: string, accepted: any) => ({ metadata: { name }, spec: { group }, status: { acceptedNames: accepted } });
  it('storage and served versions, Established, finalizer', () => {
    const o = crd((o) => o.spec.versions.push({ name: 'v2', served: false, storage: false }, { name: 'v3', served: true, storage: false }));
    expect(storageVersion(o)).toBe('v1');
    expect(servedVersions(o)).toEqual(['v1', 'v3']);
    expect(isEstablished(o)).toBe(false);
    setCondition(o, 'Established', 'True', 'InitialNamesAccepted', 'the initial names have been accepted');
    expect(isEstablished(o)).toBe(true);
    expect(hasFinalizer(o)).toBe(false);
    o.metadata.finalizers = ['customresourcecleanup.apiextensions.k8s.io'];
    expect(hasFinalizer(o)).toBe(true);
  });
  it('setCondition moves lastTransitionTime only when the status changes', () => {
    const o: any = { status: {} };
    setCondition(o, 'NamesAccepted', 'False', 'PluralConflict', '"a" is already in use', '2024-01-01T00:00:00Z');
    setCondition(o, 'NamesAccepted', 'False', 'KindConflict', '"A" is already in use', '2024-01-02T00:00:00Z');
    expect(o.status.conditions).toEqual([{ type: 'NamesAccepted', status: 'False', reason: 'KindConflict', message: '"A" is already in use', lastTransitionTime: '2024-01-01T00:00:00Z' }]);
    setCondition(o, 'NamesAccepted', 'True', 'NoConflicts', 'no conflicts found', '2024-01-03T00:00:00Z');
    expect(o.status.conditions[0].lastTransitionTime).toBe('2024-01-03T00:00:00Z');
  });
  it('names another CRD of the group holds (naming controller)', () => {
    const mine = { metadata: { name: 'crontabs.stable.example.com' }, spec: { group: 'stable.example.com', names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct', 'cr'] } }, status: { acceptedNames: { plural: '', kind: '' } } };
    const other = named('crontabs.other.stable.example.com', 'stable.example.com', { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', listKind: 'CronTabList', shortNames: ['ct', 'cr'] });
    // the last failing check wins the reason, as upstream's
    expect(crdNamesConflict(mine, [other])).toEqual({ reason: 'ListKindConflict', message: '"CronTabList" is already in use' });
    const r = calculateNamesAndConditions(mine, [other]);
    expect(r.namesAccepted).toMatchObject({ type: 'NamesAccepted', status: 'False' });
    expect(r.established).toEqual({ type: 'Established', status: 'False', reason: 'NotAccepted', message: 'not all names are accepted' });
    const pluralOnly = named('x', 'stable.example.com', { plural: 'crontabs', kind: 'Other' });
    expect(crdNamesConflict(mine, [pluralOnly])).toEqual({ reason: 'PluralConflict', message: '"crontabs" is already in use' });
    const shorts = named('y', 'stable.example.com', { plural: 'ys', kind: 'Y', shortNames: ['ct', 'cr'] });
    expect(crdNamesConflict(mine, [shorts])).toEqual({ reason: 'ShortNamesConflict', message: '["ct" is already in use, "cr" is already in use]' });
    // other groups, and the CRD's own accepted names, are no conflict
    expect(crdNamesConflict(mine, [named('z', 'other.example.com', other.status.acceptedNames), { ...mine, status: { acceptedNames: mine.spec.names } }])).toBeUndefined();
    const ok = calculateNamesAndConditions(mine, []);
    expect(ok.namesAccepted).toEqual({ type: 'NamesAccepted', status: 'True', reason: 'NoConflicts', message: 'no conflicts found' });
    expect(ok.established).toEqual({ type: 'Established', status: 'False', reason: 'Installing', message: 'the initial names have been accepted' });
    expect(ok.acceptedNames).toEqual(mine.spec.names);
  });
  it('markCRDForDeletion: what the first DELETE does (etcd.go REST.Delete)', () => {
    const o = crd();
    o.metadata.finalizers = ['other'];
    expect(markCRDForDeletion(o, '2024-01-01T00:00:00Z')).toBe(true);
    expect(o.metadata).toMatchObject({ deletionTimestamp: '2024-01-01T00:00:00Z', finalizers: ['other', 'customresourcecleanup.apiextensions.k8s.io'] });
    expect(o.metadata.deletionGracePeriodSeconds).toBeUndefined();
    expect(o.status.conditions).toEqual([
      { type: 'Terminating', status: 'True', reason: 'InstanceDeletionPending', message: 'CustomResourceDefinition marked for deletion; CustomResource deletion will begin soon', lastTransitionTime: '2024-01-01T00:00:00Z' },
    ]);
    expect(markCRDForDeletion(o)).toBe(false);
  });
  it('names a built-in kind of the group holds', () => {
    const mine = { metadata: { name: 'leases.coordination.k8s.io' }, spec: { group: 'coordination.k8s.io', names: { plural: 'leases', singular: 'lease', kind: 'Lease', listKind: 'LeaseList' } } };
    expect(crdNamesConflict(mine, [], [{ group: 'coordination.k8s.io', plural: 'leases', singular: 'lease', kind: 'Lease' }])).toEqual({ reason: 'ListKindConflict', message: '"LeaseList" is already in use' });
  });
});

describe('wording of an emulated 1.34 or later (values as json.Marshal of the internal types, shorter details)', () => {
  const errors35 = (o: any) => {
    defaultCRD(o);
    customResourceDefinitionDef.prepareForCreate!(o);
    return validateCRD(o, {}, 35).map((c) => `${c.field}: ${c.message}`);
  };
  it('the versions and storedVersions values', () => {
    expect(errors35(crd((o) => (o.spec.versions[0].storage = false)))).toEqual([
      'spec.versions: Invalid value: [{"Name":"v1","Served":true,"Storage":false,"Deprecated":false,"DeprecationWarning":null,"Schema":null,"Subresources":null,"AdditionalPrinterColumns":null,"SelectableFields":null}]: must have exactly one version marked as storage version',
      'status.storedVersions: Invalid value: null: must have at least one stored version',
    ]);
  });
  it('the shortened details', () => {
    expect(errors35(crd((o) => (o.spec.versions = [{ name: 'v1', served: true, storage: true }, { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object' } } }])))).toEqual([
      'spec.versions[0].schema.openAPIV3Schema: Required value',
    ]);
    expect(errors35(crd(schema({ type: 'object', 'x-kubernetes-validations': [{ rule: 'true', message: 'a\nb' }, { rule: 'true', fieldPath: '.nope' }] })))).toEqual([
      `${P}.x-kubernetes-validations[0].message: Invalid value: "a\\nb": must not contain line breaks`,
      `${P}.x-kubernetes-validations[1].fieldPath: Invalid value: ".nope": must be a valid path`,
    ]);
    expect(errors35(crd((o) => (o.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { name: '', namespace: 'n' } }, conversionReviewVersions: ['v9'] } })))).toEqual([
      'spec.conversion.webhookClientConfig.service.name: Required value',
      'spec.conversion.conversionReviewVersions: Invalid value: ["v9"]: must include at least one of v1, v1beta1',
    ]);
  });
  it('a nil pointer is null, a schema is its internal JSON (Go field names, HTML escaped)', () => {
    expect(errors35(crd(schema({ type: 'object', properties: { s: { type: 'array', 'x-kubernetes-list-type': 'set', items: { type: 'object', 'x-kubernetes-map-type': 'granular' } } } })))).toEqual([
      `${P}.properties[s].items.x-kubernetes-map-type: Invalid value: null: must be atomic as item of a list with x-kubernetes-list-type=set`,
    ]);
    const out = errors35(crd((o) => ((o.spec.versions[0].subresources = { status: {} }), schema({ type: 'object', description: '<b>', not: { type: 'string' } })(o))));
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^spec\.validation\.openAPIV3Schema: Invalid value: \{"ID":"","Schema":"","Ref":null,"Description":"\\u003cb\\u003e","Type":"object",.*"Not":\{"ID":"",.*"Type":"string",.*\},.*"XValidations":null\}: only \[Description .*\] fields are allowed at the root of the schema if the status subresource is enabled$/);
  });
  it('1.35: more than 8 selectable fields may stay on an update that leaves them alone', () => {
    const old = crd((o) => {
      o.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties = Object.fromEntries(Array.from({ length: 9 }, (_, i) => [`f${i}`, { type: 'string' }]));
      o.spec.versions[0].selectableFields = Array.from({ length: 9 }, (_, i) => ({ jsonPath: `.spec.f${i}` }));
    });
    defaultCRD(old);
    customResourceDefinitionDef.prepareForCreate!(old);
    const next = structuredClone(old);
    next.metadata.labels = { touched: 'yes' };
    const msgs = (minor: number) => validateCRDUpdate(next, old, {}, minor).map((c) => `${c.field}: ${c.message}`);
    expect(msgs(35)).toEqual([]);
    expect(msgs(34)).toEqual(['spec.selectableFields: Too many: 9: must have at most 8 items']);
    next.spec.versions[0].selectableFields.pop();
    next.spec.versions[0].selectableFields.push({ jsonPath: '.spec.f0' });
    expect(msgs(35)).toEqual(['spec.selectableFields[8].jsonPath: Duplicate value: ".spec.f0"']);
  });
  it('1.30: selectableFields are dropped (CustomResourceFieldSelectors off) unless already stored', async () => {
    const { allResources } = await import('../../src/resources/index.js');
    const d30 = allResources(30).find((d) => d.kind === 'CustomResourceDefinition')!;
    const o = crd((o) => (o.spec.versions[0].selectableFields = [{ jsonPath: '.spec.a' }]));
    defaultCRD(o);
    d30.prepareForCreate!(o);
    expect(o.spec.versions[0].selectableFields).toBeUndefined();
    const old = structuredClone(o);
    old.spec.versions[0].selectableFields = [{ jsonPath: '.spec.a' }];
    const next = structuredClone(old);
    d30.prepareForUpdate!(next, old);
    expect(next.spec.versions[0].selectableFields).toEqual([{ jsonPath: '.spec.a' }]);
    const d31 = allResources(31).find((d) => d.kind === 'CustomResourceDefinition')!;
    const kept = crd((o) => (o.spec.versions[0].selectableFields = [{ jsonPath: '.spec.a' }]));
    d31.prepareForCreate!(kept);
    expect(kept.spec.versions[0].selectableFields).toEqual([{ jsonPath: '.spec.a' }]);
  });
  it('the served kind follows the emulated version', async () => {
    const { allResources } = await import('../../src/resources/index.js');
    const def = allResources(35).find((d) => d.kind === 'CustomResourceDefinition')!;
    const o = crd((o) => (o.spec.versions = [{ name: 'v1', served: true, storage: true }]));
    defaultCRD(o);
    def.prepareForCreate!(o);
    expect(def.validate!(o).map((c) => c.message)).toEqual(['Required value']);
    const d33 = allResources(33).find((d) => d.kind === 'CustomResourceDefinition')!;
    expect(d33.validate!(o).map((c) => c.message)).toEqual(['Required value: schemas are required']);
  });
});

describe('hostile input never throws', () => {
  it('random replacements anywhere in a CRD are validated, not crashed on', () => {
    const junk = [null, 0, -1, 1.5, '', 'x', true, false, [], [null], {}, { a: null }, [1, 'a'], { type: 5 }, { properties: 'p' }];
    let seed = 7;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const paths = (o: any, prefix: (string | number)[] = [], out: (string | number)[][] = []) => {
      if (o && typeof o === 'object') for (const k of Object.keys(o)) {
        out.push([...prefix, Array.isArray(o) ? Number(k) : k]);
        paths(o[k], [...prefix, Array.isArray(o) ? Number(k) : k], out);
      }
      return out;
    };
    const full = () =>
      crd((o) => {
        o.spec.versions[0].subresources = { status: {}, scale: { specReplicasPath: '.spec.r', statusReplicasPath: '.status.r' } };
        o.spec.versions[0].additionalPrinterColumns = [{ name: 'a', type: 'string', jsonPath: '.a' }];
        o.spec.versions[0].selectableFields = [{ jsonPath: '.spec.a' }];
        o.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.l = { type: 'array', 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['k'], items: { type: 'object', properties: { k: { type: 'string' } } }, 'x-kubernetes-validations': [{ rule: 'true', fieldPath: '.k' }] };
        o.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: { name: 's', namespace: 'n', path: '/p' }, caBundle: 'eA==' }, conversionReviewVersions: ['v1'] } };
        o.metadata.annotations = { a: 'b' };
      });
    const base = full();
    const all = paths(base);
    for (let i = 0; i < 600; i++) {
      const o = full();
      const p = all[rand(all.length)]!;
      let cur: any = o;
      for (const k of p.slice(0, -1)) cur = cur[k];
      cur[p[p.length - 1]!] = structuredClone(junk[rand(junk.length)]);
      const old = full();
      defaultCRD(old);
      customResourceDefinitionDef.prepareForCreate!(old);
      setCondition(old, 'Established', 'True', 'InitialNamesAccepted', 'x');
      expect(() => {
        try {
          defaultCRD(o);
        } catch {
          // defaults of a body whose shape is wrong may fail; validation must not
        }
        customResourceDefinitionDef.prepareForCreate!(o);
        validateCRD(o, {});
        validateCRDUpdate(o, old, {});
        validateCRD(o, {}, 35);
        calculateNamesAndConditions(o, [old]);
      }, JSON.stringify(p)).not.toThrow();
    }
  });
});
