// OpenAPI documents of CRDs as the apiextensions OpenAPI controllers publish them
// (apiextensions-apiserver pkg/controller/openapi/builder/builder.go, merge.go, v2/conversion.go):
// definition names, kind/list schemas, paths, and what kubectl explain reads from them.
import { describe, expect, it } from 'vitest';
import {
  buildV2,
  buildV3,
  buildV3ForGroupVersion,
  definitionName,
  mergeV2,
  mergeV3,
  resetOpenAPIBuilderCache,
} from '../../src/apiextensions/openapi-builder.js';
import { setDescriptionTable } from '../../src/schema/descriptions.js';
import { openapiV2Json, resetOpenAPICache } from '../../src/schema/openapi.js';

const crontab = (over: any = {}): any => ({
  metadata: { name: 'crontabs.stable.example.com' },
  spec: {
    group: 'stable.example.com',
    scope: 'Namespaced',
    names: { kind: 'CronTab', listKind: 'CronTabList', plural: 'crontabs', singular: 'crontab' },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            description: 'CronTab runs a command on a schedule.',
            example: { spec: {} },
            properties: {
              apiVersion: { type: 'string', description: 'mine' },
              spec: {
                type: 'object',
                description: 'Desired state of the CronTab.',
                required: ['cronSpec'],
                properties: {
                  cronSpec: { type: 'string', description: 'The cron schedule, in Cron format.', pattern: '^(\\d+|\\*)(/\\d+)?(\\s+(\\d+|\\*)(/\\d+)?){4}$' },
                  image: { type: 'string', description: 'The image to run.', nullable: true },
                  replicas: { type: 'integer', default: 1, minimum: 0 },
                  port: { 'x-kubernetes-int-or-string': true },
                  extra: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { a: { type: 'string' } } },
                  template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
                  tags: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                },
                'x-kubernetes-validations': [{ rule: 'self.replicas <= 10', message: 'too many' }],
              },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
      },
      { name: 'v2', served: true, storage: false, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { type: 'object' } } } } },
    ],
    ...over,
  },
});

/** What kubectl explain does with a v3 document: find the schema by x-kubernetes-group-version-kind, walk the fields, follow allOf/$ref. */
function explain(doc: any, gvk: { group: string; version: string; kind: string }, field: string): { description?: string; type?: string } {
  const schemas = doc.components.schemas;
  const entry = Object.values<any>(schemas).find((s) =>
    (s['x-kubernetes-group-version-kind'] ?? []).some((g: any) => g.group === gvk.group && g.version === gvk.version && g.kind === gvk.kind),
  );
  expect(entry, `schema for ${gvk.kind}`).toBeDefined();
  let cur = entry;
  const deref = (s: any) => {
    const ref = s?.$ref ?? s?.allOf?.[0]?.$ref;
    return ref ? { ...schemas[ref.replace('#/components/schemas/', '')], description: s.description ?? schemas[ref.replace('#/components/schemas/', '')]?.description } : s;
  };
  for (const part of field ? field.split('.') : []) {
    cur = deref(cur.properties?.[part]);
    expect(cur, `field ${part}`).toBeDefined();
  }
  return { description: cur.description, type: cur.type };
}

function refsOf(x: any, out: string[] = []): string[] {
  if (Array.isArray(x)) x.forEach((e) => refsOf(e, out));
  else if (x && typeof x === 'object') for (const [k, v] of Object.entries(x)) (k === '$ref' ? out.push(v as string) : refsOf(v, out));
  return out;
}

describe('CRD OpenAPI v3 document', () => {
  const doc = buildV3(crontab(), 'v1');
  const kindName = 'com.example.stable.v1.CronTab';

  it('names definitions by the reversed group', () => {
    expect(definitionName('stable.example.com', 'v1', 'CronTab')).toBe(kindName);
    expect(definitionName('cert-manager.io', 'v1', 'Certificate')).toBe('io.cert-manager.v1.Certificate');
    expect(doc.openapi).toBe('3.0.0');
    expect(doc.info).toEqual({ title: 'Kubernetes CRD Swagger', version: 'v0.1.0' });
  });

  it('kind schema: the CRD schema with TypeMeta descriptions, ObjectMeta allOf $ref, GVK extension', () => {
    const s = doc.components.schemas[kindName];
    expect(s['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
    expect(s.description).toBe('CronTab runs a command on a schedule.');
    expect(s.example).toBeUndefined();
    expect(s.properties.apiVersion.description).toMatch(/^APIVersion defines the versioned schema of this representation of an object\./);
    expect(s.properties.kind.description).toMatch(/^Kind is a string value representing the REST resource/);
    expect(s.properties.metadata).toEqual({
      allOf: [{ $ref: '#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' }],
      description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    });
    const spec = s.properties.spec;
    expect(spec.required).toEqual(['cronSpec']);
    expect(spec['x-kubernetes-validations']).toEqual([{ message: 'too many', rule: 'self.replicas <= 10' }]);
    expect(spec.properties.replicas).toEqual({ default: 1, minimum: 0, type: 'integer' });
    expect(spec.properties.image).toEqual({ description: 'The image to run.', nullable: true, type: 'string' });
    expect(spec.properties.port).toEqual({ anyOf: [{ type: 'integer' }, { type: 'string' }], 'x-kubernetes-int-or-string': true });
    expect(spec.properties.tags['x-kubernetes-list-type']).toBe('set');
    const tmpl = spec.properties.template;
    expect(tmpl.required).toEqual(['kind', 'apiVersion']);
    expect(tmpl.properties.apiVersion.description).toMatch(/^apiVersion defines the versioned schema/);
    expect(tmpl.properties.metadata.allOf[0].$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
  });

  it('list schema', () => {
    const l = doc.components.schemas['com.example.stable.v1.CronTabList'];
    expect(l.description).toBe('CronTabList is a list of CronTab');
    expect(l.required).toEqual(['items']);
    expect(l.properties.items).toEqual({
      description: 'List of crontabs. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md',
      items: { $ref: `#/components/schemas/${kindName}` },
      type: 'array',
    });
    expect(l.properties.metadata.allOf[0].$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta');
    expect(l['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', kind: 'CronTabList', version: 'v1' }]);
  });

  it('every $ref resolves inside the document, meta and autoscaling types included', () => {
    const names = Object.keys(doc.components.schemas);
    for (const ref of refsOf(doc)) expect(names).toContain(ref.replace('#/components/schemas/', ''));
    for (const n of ['ObjectMeta', 'ListMeta', 'Status', 'DeleteOptions', 'Patch', 'Time', 'ManagedFieldsEntry', 'OwnerReference']) {
      expect(names).toContain(`io.k8s.apimachinery.pkg.apis.meta.v1.${n}`);
    }
    expect(names).toContain('io.k8s.api.autoscaling.v1.Scale');
    // without a scale subresource there is no Scale schema
    const v2 = buildV3(crontab(), 'v2');
    expect(Object.keys(v2.components.schemas)).not.toContain('io.k8s.api.autoscaling.v1.Scale');
  });

  it('paths and operations as the CRD builder routes them', () => {
    const base = '/apis/stable.example.com/v1';
    expect(Object.keys(doc.paths)).toEqual([
      `${base}/crontabs`,
      `${base}/namespaces/{namespace}/crontabs`,
      `${base}/namespaces/{namespace}/crontabs/{name}`,
      `${base}/namespaces/{namespace}/crontabs/{name}/scale`,
      `${base}/namespaces/{namespace}/crontabs/{name}/status`,
    ]);
    const coll = doc.paths[`${base}/namespaces/{namespace}/crontabs`];
    expect(Object.keys(coll).sort()).toEqual(['delete', 'get', 'parameters', 'post']);
    expect(coll.parameters.map((p: any) => p.name)).toEqual(['namespace', 'pretty']);
    expect(coll.get.operationId).toBe('listStableExampleComV1NamespacedCronTab');
    expect(coll.get.description).toBe('list objects of kind CronTab');
    expect(coll.get.tags).toEqual(['stableExampleCom_v1']);
    expect(coll.get['x-kubernetes-action']).toBe('list');
    expect(coll.get['x-kubernetes-group-version-kind']).toEqual({ group: 'stable.example.com', kind: 'CronTab', version: 'v1' });
    expect(coll.get.parameters.map((p: any) => p.name)).toContain('watch');
    expect(coll.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/com.example.stable.v1.CronTabList');
    expect(coll.get.responses['401']).toEqual({ description: 'Unauthorized' });
    expect(coll.post.operationId).toBe('createStableExampleComV1NamespacedCronTab');
    expect(coll.post.description).toBe('create a CronTab');
    expect(Object.keys(coll.post.responses)).toEqual(['200', '201', '202', '401']);
    expect(coll.post.requestBody.required).toBe(true);
    expect(coll.delete.operationId).toBe('deleteStableExampleComV1CollectionNamespacedCronTab');
    expect(coll.delete.description).toBe('delete collection of CronTab');
    // ListOptions only, no body (builder.go: case "list", "deletecollection")
    expect(coll.delete.parameters.map((p: any) => p.name)).toEqual(coll.get.parameters.map((p: any) => p.name));
    expect(coll.delete.requestBody).toBeUndefined();
    expect(coll.delete.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Status');
    const item = doc.paths[`${base}/namespaces/{namespace}/crontabs/{name}`];
    expect(item.parameters.map((p: any) => p.name)).toEqual(['name', 'namespace', 'pretty']);
    expect(item.get.operationId).toBe('readStableExampleComV1NamespacedCronTab');
    expect(item.get.parameters).toEqual([{ in: 'query', name: 'resourceVersion', schema: { type: 'string', uniqueItems: true } }]);
    expect(item.put.description).toBe('replace the specified CronTab');
    expect(item.patch.description).toBe('partially update the specified CronTab');
    expect(Object.keys(item.patch.requestBody.content)).toEqual([
      'application/apply-patch+yaml',
      'application/json-patch+json',
      'application/merge-patch+json',
    ]);
    expect(item.patch.parameters.map((p: any) => p.name)).toEqual(['dryRun', 'fieldManager', 'fieldValidation', 'force']);
    expect(item.delete.description).toBe('delete a CronTab');
    expect(item.delete.requestBody.required).toBeUndefined();
    expect(Object.keys(item.delete.responses)).toEqual(['200', '202', '401']);
    const status = doc.paths[`${base}/namespaces/{namespace}/crontabs/{name}/status`];
    expect(status.get.operationId).toBe('readStableExampleComV1NamespacedCronTabStatus');
    expect(status.patch.description).toBe('partially update status of the specified CronTab');
    const scale = doc.paths[`${base}/namespaces/{namespace}/crontabs/{name}/scale`];
    expect(scale.put.operationId).toBe('replaceStableExampleComV1NamespacedCronTabScale');
    expect(scale.get.responses['200'].content['application/json'].schema.$ref).toBe('#/components/schemas/io.k8s.api.autoscaling.v1.Scale');
    expect(doc.paths[`${base}/crontabs`].get.operationId).toBe('listStableExampleComV1CronTabForAllNamespaces');
  });

  it('cluster-scoped CRD: no namespace paths; an initial vowel takes "an"', () => {
    const d = buildV3(crontab({ scope: 'Cluster', names: { kind: 'Ingot', listKind: 'IngotList', plural: 'ingots' } }), 'v2');
    expect(Object.keys(d.paths)).toEqual(['/apis/stable.example.com/v2/ingots', '/apis/stable.example.com/v2/ingots/{name}']);
    expect(d.paths['/apis/stable.example.com/v2/ingots'].post.description).toBe('create an Ingot');
    expect(d.paths['/apis/stable.example.com/v2/ingots'].post.operationId).toBe('createStableExampleComV2Ingot');
    expect(d.paths['/apis/stable.example.com/v2/ingots/{name}'].parameters.map((p: any) => p.name)).toEqual(['name', 'pretty']);
  });

  it('what kubectl explain reads: the kind and field descriptions', () => {
    const gvk = { group: 'stable.example.com', version: 'v1', kind: 'CronTab' };
    expect(explain(doc, gvk, '')).toEqual({ description: 'CronTab runs a command on a schedule.', type: 'object' });
    expect(explain(doc, gvk, 'spec')).toEqual({ description: 'Desired state of the CronTab.', type: 'object' });
    expect(explain(doc, gvk, 'spec.cronSpec')).toEqual({ description: 'The cron schedule, in Cron format.', type: 'string' });
    expect(explain(doc, gvk, 'metadata').description).toMatch(/^Standard object's metadata/);
    expect(explain(doc, gvk, 'metadata.name').type).toBe('string');
  });

  it('meta schemas carry the served descriptions when the build made the table', () => {
    try {
      setDescriptionTable({
        definitions: { 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta': { properties: { name: 'Name must be unique within a namespace.' } } },
      });
      resetOpenAPICache();
      resetOpenAPIBuilderCache();
      const d = buildV3(crontab(), 'v1');
      expect(explain(d, { group: 'stable.example.com', version: 'v1', kind: 'CronTab' }, 'metadata.name')).toEqual({
        description: 'Name must be unique within a namespace.',
        type: 'string',
      });
    } finally {
      setDescriptionTable(undefined);
      resetOpenAPICache();
      resetOpenAPIBuilderCache();
    }
  });

  it('a version without a schema is a bare object with its GVK', () => {
    const c = crontab();
    delete c.spec.versions[1].schema;
    const s = buildV3(c, 'v2').components.schemas['com.example.stable.v2.CronTab'];
    expect(s).toEqual({ type: 'object', 'x-kubernetes-group-version-kind': [{ group: 'stable.example.com', kind: 'CronTab', version: 'v2' }] });
  });
});

describe('CRD OpenAPI v3: several CRDs in one group-version (MergeSpecsV3)', () => {
  it('merges paths and schemas, meta types once', () => {
    const other = crontab({ names: { kind: 'Backup', listKind: 'BackupList', plural: 'backups' } });
    const merged = mergeV3([buildV3(crontab(), 'v1'), buildV3(other, 'v1')]);
    expect(merged.info).toEqual({ title: 'Kubernetes CRD Swagger', version: 'v0.1.0' });
    const names = Object.keys(merged.components.schemas);
    for (const n of ['com.example.stable.v1.CronTab', 'com.example.stable.v1.CronTabList', 'com.example.stable.v1.Backup', 'com.example.stable.v1.BackupList']) {
      expect(names).toContain(n);
    }
    expect(Object.keys(merged.paths)).toContain('/apis/stable.example.com/v1/namespaces/{namespace}/backups');
    expect(Object.keys(merged.paths)).toContain('/apis/stable.example.com/v1/namespaces/{namespace}/crontabs');
    const same = buildV3ForGroupVersion([crontab(), other, crontab({ group: 'other.example.com' })], 'stable.example.com', 'v1');
    expect(same).toEqual(merged);
    expect(buildV3ForGroupVersion([crontab()], 'stable.example.com', 'v9')).toBeUndefined();
  });

  it('a schema name two CRDs both define is an error', () => {
    expect(() => mergeV3([buildV3(crontab(), 'v1'), buildV3(crontab(), 'v1')])).toThrow('OpenAPI V3 merge schema conflict on com.example.stable.v1.CronTab');
  });
});

describe('CRD OpenAPI v2', () => {
  const { definitions, paths } = buildV2(crontab(), 'v1');
  const s = definitions['com.example.stable.v1.CronTab'];

  it('v2 kind schema: $ref with a sibling description, no junctors, nullable and unknown-field nodes untyped, defaults pruned', () => {
    expect(s.properties.metadata).toEqual({
      $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta',
      description: "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
    });
    const spec = s.properties.spec;
    expect(spec.properties.port).toEqual({ 'x-kubernetes-int-or-string': true });
    expect(spec.properties.image).toEqual({ description: 'The image to run.' });
    expect(spec.properties.replicas).toEqual({ minimum: 0, type: 'integer' });
    expect(spec.properties.extra).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    // embedded resource with unknown fields: no apiVersion/kind/metadata added in v2
    expect(spec.properties.template).toEqual({ 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true });
    expect(s['x-kubernetes-group-version-kind']).toEqual([{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
  });

  it('a nullable property is not required in v2', () => {
    const c = crontab();
    c.spec.versions[0].schema.openAPIV3Schema.properties.spec.required = ['cronSpec', 'image'];
    expect(buildV2(c, 'v1').definitions['com.example.stable.v1.CronTab'].properties.spec.required).toEqual(['cronSpec']);
  });

  it('x-kubernetes-preserve-unknown-fields at the root: a bare object in v2', () => {
    const c = crontab();
    c.spec.versions[0].schema.openAPIV3Schema['x-kubernetes-preserve-unknown-fields'] = true;
    expect(buildV2(c, 'v1').definitions['com.example.stable.v1.CronTab']).toEqual({
      type: 'object',
      'x-kubernetes-group-version-kind': [{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }],
    });
    // v3 keeps the schema
    expect(buildV3(c, 'v1').components.schemas['com.example.stable.v1.CronTab'].properties.spec).toBeDefined();
  });

  it('v2 paths: body parameters, consumes/produces, schemes', () => {
    const put = paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].put;
    expect(put.parameters[0]).toEqual({ in: 'body', name: 'body', required: true, schema: { $ref: '#/definitions/com.example.stable.v1.CronTab' } });
    expect(put.consumes).toEqual(['application/json', 'application/yaml']);
    expect(put.produces).toEqual(['application/json', 'application/yaml']);
    expect(put.schemes).toEqual(['https']);
    expect(put.responses['201']).toEqual({ description: 'Created', schema: { $ref: '#/definitions/com.example.stable.v1.CronTab' } });
    const patch = paths['/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}'].patch;
    expect(patch.consumes).toEqual(['application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml']);
    expect(patch.parameters[0].schema.$ref).toBe('#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.Patch');
  });

  it('mergeV2: CRD definitions and paths beside the built-ins; the static document wins', () => {
    const base = JSON.parse(openapiV2Json().toString('utf8'));
    const before = JSON.stringify(base);
    const clash = buildV2(crontab(), 'v1');
    clash.paths['/api/v1/namespaces'] = { get: { operationId: 'fake' } };
    clash.definitions['io.k8s.api.core.v1.Pod'] = { type: 'object', description: 'not a pod' };
    clash.paths['/apis/stable.example.com/v1/crontabs'].get.responses['200'].schema = { $ref: '#/definitions/io.k8s.api.core.v1.Pod' };
    const merged = mergeV2(base, [clash, buildV2(crontab({ names: { kind: 'Backup', listKind: 'BackupList', plural: 'backups' } }), 'v1')]);
    expect(JSON.stringify(base)).toBe(before);
    expect(merged.definitions['com.example.stable.v1.CronTab']).toEqual(s);
    expect(merged.definitions['com.example.stable.v1.Backup']).toBeDefined();
    expect(merged.definitions['io.k8s.api.core.v1.Pod']).toEqual(base.definitions['io.k8s.api.core.v1.Pod']);
    expect(merged.definitions['io.k8s.api.core.v1.Pod_v2']).toEqual({ type: 'object', description: 'not a pod' });
    expect(merged.paths['/apis/stable.example.com/v1/crontabs'].get.responses['200'].schema.$ref).toBe('#/definitions/io.k8s.api.core.v1.Pod_v2');
    expect(merged.paths['/api/v1/namespaces']).toEqual(base.paths['/api/v1/namespaces']);
    expect(merged.paths['/apis/stable.example.com/v1/namespaces/{namespace}/backups']).toBeDefined();
    expect(merged.info).toEqual(base.info);
    // shared meta definitions are the static ones, even when the base carries other descriptions
    expect(merged.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']).toEqual(base.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta']);
    const described = structuredClone(base);
    described.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].description = 'ObjectMeta is metadata.';
    const m2 = mergeV2(described, [buildV2(crontab(), 'v1')]);
    expect(m2.definitions['io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'].description).toBe('ObjectMeta is metadata.');
    expect(Object.keys(m2.definitions).filter((k) => k.endsWith('_v2'))).toEqual([]);
  });
});
