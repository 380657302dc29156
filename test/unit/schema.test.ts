import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  checkFields,
  childNode,
  definitionFor,
  fieldMeta,
  findDuplicateFields,
  openapiV2Json,
  openapiV2Protobuf,
  openapiV3Document,
  openapiV3Root,
  pruneUnknown,
  schemaNode,
  strictDecodingMessage,
  unknownFieldMessage,
} from '../../src/schema/index.js';
import { buildDefinitionsModel, buildV2, buildV3All, stableJson, type Swagger } from '../../src/schema/gen/build.js';
import { decodeGnostic, encodeGnostic } from '../../src/schema/gen/gnostic.js';
import { gvFileName } from '../../src/schema/gen/served.js';

const REPO = resolve(import.meta.dirname, '../..');
const SEED = resolve(REPO, '../shared/seed');
const SWAGGER = resolve(REPO, '../shared/upstream/kubernetes-v1.35.0-swagger.json');
const PROTO = join(REPO, 'src/schema/openapiv2.proto');

const STS = 'io.k8s.api.apps.v1.StatefulSet';

function stsWith(mutate: (o: any) => void): any {
  const o: any = {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'web', labels: { app: 'web' } },
    spec: {
      replicas: 2,
      serviceName: 'web',
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
    },
  };
  mutate(o);
  return o;
}

describe('schema model lookups', () => {
  it('finds definitions by GVK', () => {
    expect(definitionFor('apps', 'v1', 'StatefulSet')).toBe(STS);
    expect(definitionFor('', 'v1', 'Pod')).toBe('io.k8s.api.core.v1.Pod');
    expect(definitionFor('events.k8s.io', 'v1', 'Event')).toBe('io.k8s.api.events.v1.Event');
    expect(definitionFor('autoscaling', 'v1', 'Scale')).toBe('io.k8s.api.autoscaling.v1.Scale');
    expect(definitionFor('', 'v1', 'Status')).toBe('io.k8s.apimachinery.pkg.apis.meta.v1.Status');
    expect(definitionFor('apps', 'v1', 'Deployment')).toBe('io.k8s.api.apps.v1.Deployment');
    expect(definitionFor('rbac.authorization.k8s.io', 'v1', 'ClusterRole')).toBe('io.k8s.api.rbac.v1.ClusterRole');
    // a kind this server does not serve has none
    expect(definitionFor('flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema')).toBeUndefined();
  });

  it('exposes patch metadata for SMP / SSA', () => {
    expect(fieldMeta('io.k8s.api.core.v1.PodSpec', 'containers')).toEqual({
      kind: 'list',
      patchStrategy: 'merge',
      patchMergeKey: 'name',
      listType: 'map',
      listMapKeys: ['name'],
      definition: 'io.k8s.api.core.v1.Container',
    });
    const ports = fieldMeta('io.k8s.api.core.v1.Container', 'ports')!;
    expect(ports.patchMergeKey).toBe('containerPort');
    expect(ports.listMapKeys).toEqual(['containerPort', 'protocol']);
    expect(fieldMeta(STS, 'spec')).toEqual({ kind: 'struct', definition: 'io.k8s.api.apps.v1.StatefulSetSpec' });
    expect(fieldMeta('io.k8s.api.apps.v1.StatefulSetSpec', 'selector')?.mapType).toBe('atomic');
    expect(fieldMeta('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'labels')?.kind).toBe('map');
    expect(fieldMeta('io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'finalizers')?.patchStrategy).toBe('merge');
    expect(fieldMeta(STS, 'nope')).toBeUndefined();
    const spec = childNode(schemaNode(STS)!, 'spec')!;
    expect(childNode(spec, 'replicas')).toMatchObject({ kind: 'scalar', type: 'integer', format: 'int32' });
  });
});

describe('checkFields', () => {
  it('accepts the seed manifests (StatefulSet, Service, Namespace, PVs)', () => {
    let n = 0;
    for (const f of ['sts.yaml', 'pv.yaml', 'sts-canary.yaml']) {
      for (const doc of YAML.parseAllDocuments(readFileSync(join(SEED, f), 'utf8'))) {
        const o = doc.toJS();
        if (!o) continue;
        const [g, v] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
        const def = definitionFor(g, v, o.kind);
        expect(def, `${f} ${o.kind}`).toBeDefined();
        expect(checkFields(def!, o), `${f} ${o.kind}`).toEqual({ unknown: [], causes: [] });
        n++;
      }
    }
    expect(n).toBeGreaterThanOrEqual(5);
  });

  it('reports unknown fields with strict-decoding paths', () => {
    const o = stsWith((o) => {
      o.spec.foo = 1;
      o.metadata.bogus = 'x';
      o.spec.template.spec.containers[0].imagee = 'nginx';
      o.spec.template.spec.containers[0].ports[0].hostPortt = 1;
      o.spec.volumeClaimTemplates[0].spec.resources.limitz = {};
      o.spec.template.apiVersion = 'v1'; // only the top level may carry apiVersion/kind
    });
    const r = checkFields(STS, o);
    expect(r.causes).toEqual([]);
    expect(r.unknown.sort()).toEqual(
      [
        'metadata.bogus',
        'spec.foo',
        'spec.template.apiVersion',
        'spec.template.spec.containers[0].imagee',
        'spec.template.spec.containers[0].ports[0].hostPortt',
        'spec.volumeClaimTemplates[0].spec.resources.limitz',
      ].sort(),
    );
    expect(strictDecodingMessage(r.unknown.slice(0, 2).map(unknownFieldMessage))).toMatch(/^strict decoding error: unknown field "[^"]+", unknown field "/);
  });

  it('walks maps: keys join the path with a dot (maps of quantities / byte strings here)', () => {
    // none of the kinds we serve has a map whose values are structs; maps of Quantity and of
    // base64 strings exercise the same walk
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', annotations: { a: 'b' } }, data: { k: 'YWJj' }, stringData: { x: 'y' } };
    expect(checkFields('io.k8s.api.core.v1.Secret', secret)).toEqual({ unknown: [], causes: [] });
    const quota = {
      apiVersion: 'v1',
      kind: 'ResourceQuota',
      metadata: { name: 'q' },
      spec: { hard: { cpu: '1', memory: 2, 'requests.storage': 'much' }, scopeSelector: { matchExpressions: [{ scopeName: 'x', operator: 'In', valuess: [] }] } },
    };
    const r = checkFields('io.k8s.api.core.v1.ResourceQuota', quota);
    expect(r.unknown).toEqual(['spec.scopeSelector.matchExpressions[0].valuess']);
    expect(r.causes).toEqual([{ reason: 'FieldValueTypeInvalid', field: 'spec.hard.requests.storage', message: expect.stringMatching(/^quantities must match/) }]);
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, binaryData: { 'k.bin': 'not base64!' } };
    expect(checkFields('io.k8s.api.core.v1.ConfigMap', cm).causes[0]).toMatchObject({ field: 'binaryData.k.bin', reason: 'FieldValueTypeInvalid' });
  });

  it('treats RawExtension and FieldsV1 as free-form', () => {
    const cr = { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: { name: 'r' }, revision: 1, data: { spec: { anything: [1, { x: 2 }] } } };
    expect(checkFields('io.k8s.api.apps.v1.ControllerRevision', cr)).toEqual({ unknown: [], causes: [] });
    const mf = stsWith((o) => {
      o.metadata.managedFields = [{ manager: 'kubectl', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } }, time: '2024-01-01T00:00:00Z' }];
    });
    expect(checkFields(STS, mf)).toEqual({ unknown: [], causes: [] });
  });

  it('accepts IntOrString and Quantity in both forms, rejects bad ones', () => {
    const svc = (targetPort: unknown) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name: 's' }, spec: { ports: [{ port: 80, targetPort }] } });
    expect(checkFields('io.k8s.api.core.v1.Service', svc(8080)).causes).toEqual([]);
    expect(checkFields('io.k8s.api.core.v1.Service', svc('http')).causes).toEqual([]);
    expect(checkFields('io.k8s.api.core.v1.Service', svc(true)).causes).toEqual([
      {
        reason: 'FieldValueTypeInvalid',
        field: 'spec.ports[0].targetPort',
        message: 'json: cannot unmarshal bool into Go struct field ServicePort.spec.ports.targetPort of type int32',
      },
    ]);
    const q = (storage: unknown) => stsWith((o) => (o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = storage));
    expect(checkFields(STS, q(1073741824)).causes).toEqual([]);
    expect(checkFields(STS, q('500Mi')).causes).toEqual([]);
    expect(checkFields(STS, q('lots')).causes[0].message).toMatch(/^quantities must match the regular expression/);
  });

  it('reports wrong JSON types the way Go decoding words them', () => {
    const r = checkFields(
      STS,
      stsWith((o) => {
        o.spec.replicas = '3';
        o.spec.template.spec.containers[0].ports[0].containerPort = 80.5;
        o.metadata.labels.app = 5;
        o.spec.template = o.spec.template; // unchanged
        o.spec.volumeClaimTemplates[0].spec.accessModes = 'ReadWriteOnce';
      }),
    );
    expect(r.causes.map((c) => c.message)).toEqual([
      'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string',
      'json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.replicas of type int32',
      'json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32',
      'json: cannot unmarshal string into Go struct field PersistentVolumeClaimSpec.spec.volumeClaimTemplates.spec.accessModes of type []string',
    ]);
    expect(r.causes.map((c) => c.field)).toEqual([
      'metadata.labels.app',
      'spec.replicas',
      'spec.template.spec.containers[0].ports[0].containerPort',
      'spec.volumeClaimTemplates[0].spec.accessModes',
    ]);
    const t = checkFields(STS, stsWith((o) => (o.spec.template = 'x')));
    expect(t.causes[0].message).toBe('json: cannot unmarshal string into Go struct field StatefulSetSpec.spec.template of type v1.PodTemplateSpec');
    const c = checkFields(STS, stsWith((o) => (o.spec.template.spec.containers = [7])));
    expect(c.causes[0].message).toBe('json: cannot unmarshal number into Go struct field PodSpec.spec.template.spec.containers of type v1.Container');
    expect(checkFields(STS, stsWith((o) => (o.spec.replicas = null))).causes).toEqual([]);
  });

  it('pruneUnknown removes unknown fields in place and returns their paths', () => {
    const o = stsWith((o) => {
      o.spec.foo = 1;
      o.spec.template.spec.containers[0].imagee = 'x';
    });
    expect(pruneUnknown(STS, o).sort()).toEqual(['spec.foo', 'spec.template.spec.containers[0].imagee']);
    expect(o.spec.foo).toBeUndefined();
    expect(o.spec.template.spec.containers[0]).toEqual({ name: 'c', image: 'nginx', ports: [{ containerPort: 80 }] });
    expect(checkFields(STS, o)).toEqual({ unknown: [], causes: [] });
  });
});

describe('findDuplicateFields', () => {
  it('reports duplicated keys as paths', () => {
    const raw = '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","name":"b","labels":{"x":"1","x":"2"}},' +
      '"spec":{"containers":[{"name":"c"},{"name":"d","image":"i","image":"j","image":"k"}]},"kind":"Pod"}';
    expect(findDuplicateFields(raw)).toEqual(['metadata.name', 'metadata.labels.x', 'spec.containers[1].image', 'kind']);
    expect(findDuplicateFields('{"a":{"b":1},"c":[1,2,{"a":1}]}')).toEqual([]);
    expect(findDuplicateFields('{"a":')).toEqual([]);
    expect(findDuplicateFields('{"a\\"b":1,"a\\"b":2}')).toEqual(['a"b']);
  });
});

describe('published OpenAPI documents', () => {
  it('v3 root lists every group-version with a stable hash', () => {
    const root = openapiV3Root();
    expect(Object.keys(root.paths)).toContain('apis/apps/v1');
    const doc = openapiV3Document('apis/apps/v1')!;
    expect(doc.hash).toMatch(/^[0-9A-F]{128}$/);
    expect(root.paths['apis/apps/v1'].serverRelativeURL).toBe(`/openapi/v3/apis/apps/v1?hash=${doc.hash}`);
    expect(openapiV3Document('apis/certificates.k8s.io/v1')).toBeUndefined();
    expect(openapiV3Document('../../etc/passwd')).toBeUndefined();
  });

  it('every PATCH operation has an inline fieldValidation parameter and a GVK', () => {
    for (const gv of Object.keys(openapiV3Root().paths)) {
      const doc = JSON.parse(openapiV3Document(gv)!.body.toString('utf8'));
      for (const [p, item] of Object.entries<any>(doc.paths)) {
        if (!item.patch) continue;
        expect(item.patch.parameters.some((x: any) => x.name === 'fieldValidation' && !x.$ref), p).toBe(true);
        expect(item.patch['x-kubernetes-group-version-kind'], p).toBeDefined();
      }
    }
    const apps = JSON.parse(openapiV3Document('apis/apps/v1')!.body.toString('utf8'));
    expect(apps.components.schemas[STS]['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'StatefulSet', version: 'v1' }]);
    expect(JSON.stringify(apps)).not.toMatch(/#\/definitions\//);
  });

  it('v2 protobuf decodes back to the v2 JSON document', async () => {
    const json = JSON.parse(openapiV2Json().toString('utf8'));
    const pb = decodeGnostic(await openapiV2Protobuf(), PROTO);
    expect(pb.swagger).toBe('2.0');
    expect(pb.paths.path.length).toBe(Object.keys(json.paths).length);
    const sts = pb.definitions.additional_properties.find((d: any) => d.name === STS).value;
    expect(sts.vendor_extension[0].name).toBe('x-kubernetes-group-version-kind');
    expect(YAML.parse(sts.vendor_extension[0].value.yaml)).toEqual([{ group: 'apps', kind: 'StatefulSet', version: 'v1' }]);
    const patch = pb.paths.path.find((p: any) => p.name === '/apis/apps/v1/namespaces/{namespace}/statefulsets/{name}').value.patch;
    const names = patch.parameters.map((x: any) => x.parameter?.non_body_parameter?.query_parameter_sub_schema?.name).filter(Boolean);
    expect(names).toContain('fieldValidation');
  });
});

describe('generated files are current', () => {
  const have = existsSync(SWAGGER);
  if (!have) console.warn(`\n!!! ${SWAGGER} is absent: NOT checking that the generated schema files are current !!!\n`);
  it.skipIf(!have)('match a fresh run of the generator', () => {
    const sw = JSON.parse(readFileSync(SWAGGER, 'utf8')) as Swagger;
    const read = (rel: string) => readFileSync(join(REPO, rel));
    expect(read('src/schema/generated/definitions.json').toString('utf8')).toBe(stableJson(buildDefinitionsModel(sw)));
    const v2 = buildV2(sw);
    expect(read('openapi/v2/swagger.json').toString('utf8')).toBe(stableJson(v2));
    expect(read('openapi/v2/swagger.pb').equals(encodeGnostic(v2, PROTO))).toBe(true);
    for (const [gv, doc] of Object.entries(buildV3All(sw))) {
      expect(read(`openapi/v3/${gvFileName(gv)}.json`).toString('utf8'), gv).toBe(stableJson(doc));
    }
  });
});
