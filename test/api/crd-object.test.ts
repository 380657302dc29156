// CustomResourceDefinition objects through the API (apiextensions.k8s.io/v1, a built-in kind):
// create / get / list / update / patch / status, upstream's strategy (status reset on create, kept
// on update, storedVersions, generation), discovery, the default table, field selectors, and its
// 422 refusals worded as upstream's
// (staging/src/k8s.io/apiextensions-apiserver/pkg/registry/customresourcedefinition/strategy.go,
// etcd.go, pkg/apis/apiextensions/validation/validation.go).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { startBare, TABLE_ACCEPT } from './util.js';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf } from '../../src/server/protobuf.js';

let emu: KubeEmulator;
const api = () => request(emu.app.server);
const BASE = '/apis/apiextensions.k8s.io/v1/customresourcedefinitions';

beforeAll(async () => {
  emu = await startBare();
});
afterAll(async () => {
  await emu.close();
});

function crd(plural: string, group = 'stable.example.com', extra: Record<string, any> = {}): any {
  const kind = plural[0]!.toUpperCase() + plural.slice(1, -1);
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${plural}.${group}` },
    spec: {
      group,
      scope: 'Namespaced',
      names: { plural, singular: plural.slice(0, -1), kind, shortNames: [plural.slice(0, 2)] },
      versions: [
        {
          name: 'v1',
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: 'object',
              properties: { spec: { type: 'object', properties: { cronSpec: { type: 'string' }, replicas: { type: 'integer' } } } },
            },
          },
        },
      ],
      ...extra,
    },
  };
}

describe('create and read', () => {
  it('applies the defaults and resets the status, with the storage version stored', async () => {
    const body = crd('crontabs');
    body.status = { acceptedNames: { plural: 'x', kind: 'X' }, conditions: [{ type: 'Established', status: 'True' }], storedVersions: ['v9'] };
    const res = await api().post(BASE).send(body).expect(201);
    expect(res.body.metadata.generation).toBe(1);
    expect(res.body.spec.names.listKind).toBe('CrontabList');
    expect(res.body.spec.conversion).toEqual({ strategy: 'None' });
    expect(res.body.status).toEqual({ acceptedNames: { plural: '', kind: '' }, conditions: null, storedVersions: ['v1'] });
    const got = await api().get(`${BASE}/crontabs.stable.example.com`).expect(200);
    expect(got.body).toMatchObject({ apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', metadata: { name: 'crontabs.stable.example.com', generation: 1 } });
    expect(got.body.metadata.namespace).toBeUndefined();
  });

  it('lists, with metadata.name as field selector and nothing else', async () => {
    await api().post(BASE).send(crd('widgets')).expect(201);
    const all = await api().get(BASE).expect(200);
    expect(all.body.kind).toBe('CustomResourceDefinitionList');
    expect(all.body.items.map((i: any) => i.metadata.name).sort()).toEqual(['crontabs.stable.example.com', 'widgets.stable.example.com']);
    const one = await api().get(`${BASE}?fieldSelector=metadata.name%3Dwidgets.stable.example.com`).expect(200);
    expect(one.body.items.map((i: any) => i.metadata.name)).toEqual(['widgets.stable.example.com']);
    const bad = await api().get(`${BASE}?fieldSelector=spec.group%3Dstable.example.com`).expect(400);
    expect(bad.body.message).toBe('"spec.group" is not a known field selector: only "metadata.name", "metadata.namespace"');
  });

  it('prints the default table: NAME and CREATED AT', async () => {
    const res = await api().get(BASE).set('Accept', TABLE_ACCEPT).expect(200);
    expect(res.body.kind).toBe('Table');
    expect(res.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Created At']);
    expect(res.body.rows[0].cells[0]).toBe('crontabs.stable.example.com');
    expect(res.body.rows[0].cells[1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('is in discovery with its short names, category and status subresource', async () => {
    const res = await api().get('/apis/apiextensions.k8s.io/v1').expect(200);
    const byName = Object.fromEntries(res.body.resources.map((r: any) => [r.name, r]));
    expect(byName.customresourcedefinitions).toMatchObject({ namespaced: false, kind: 'CustomResourceDefinition', shortNames: ['crd', 'crds'], categories: ['api-extensions'], singularName: 'customresourcedefinition' });
    expect(byName['customresourcedefinitions/status']).toMatchObject({ kind: 'CustomResourceDefinition', verbs: ['get', 'patch', 'update'] });
    const groups = await api().get('/apis').expect(200);
    const names = groups.body.groups.map((g: any) => g.name);
    expect(names.indexOf('apiextensions.k8s.io')).toBeGreaterThan(names.indexOf('autoscaling') >= 0 ? names.indexOf('autoscaling') : names.indexOf('authorization.k8s.io'));
    expect(names.indexOf('apiextensions.k8s.io')).toBeLessThan(names.indexOf('coordination.k8s.io'));
  });
});

describe('update', () => {
  it('needs a resourceVersion (AllowUnconditionalUpdate false)', async () => {
    const cur = (await api().get(`${BASE}/crontabs.stable.example.com`).expect(200)).body;
    delete cur.metadata.resourceVersion;
    const res = await api().put(`${BASE}/crontabs.stable.example.com`).send(cur).expect(422);
    expect(res.body.message).toContain('metadata.resourceVersion: Invalid value: 0: must be specified for an update');
  });

  it('keeps the status, bumps the generation on a spec change, adds a new storage version to storedVersions', async () => {
    const cur = (await api().get(`${BASE}/crontabs.stable.example.com`).expect(200)).body;
    cur.spec.versions[0].storage = false;
    cur.spec.versions.push({ ...cur.spec.versions[0], name: 'v2', storage: true });
    cur.status = { acceptedNames: { plural: 'hacked', kind: 'Hacked' }, storedVersions: ['v2'] };
    const res = await api().put(`${BASE}/crontabs.stable.example.com`).send(cur).expect(200);
    expect(res.body.metadata.generation).toBe(2);
    // the live status stays (the naming controller's accepted names), not the one sent
    expect(res.body.status.acceptedNames.plural).not.toBe('hacked');
    expect(res.body.status.storedVersions).toEqual(['v1', 'v2']);
    // a metadata-only change leaves the generation alone
    res.body.metadata.labels = { a: 'b' };
    const again = await api().put(`${BASE}/crontabs.stable.example.com`).send(res.body).expect(200);
    expect(again.body.metadata.generation).toBe(2);
  });

  it('refuses a change of group or plural, and removing a stored version', async () => {
    const cur = (await api().get(`${BASE}/crontabs.stable.example.com`).expect(200)).body;
    cur.spec.versions = cur.spec.versions.filter((v: any) => v.name === 'v2');
    const res = await api().put(`${BASE}/crontabs.stable.example.com`).send(cur).expect(422);
    expect(res.body.reason).toBe('Invalid');
    expect(res.body.details.causes).toContainEqual({
      reason: 'FieldValueInvalid',
      field: 'status.storedVersions[0]',
      message:
        'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions',
    });
    const patched = await api()
      .patch(`${BASE}/widgets.stable.example.com`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { group: 'other.example.com', names: { plural: 'gadgets' } } })
      .expect(422);
    expect(patched.body.message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "widgets.stable.example.com" is invalid: [spec.group: Invalid value: "other.example.com": field is immutable, spec.names.plural: Invalid value: "gadgets": field is immutable]',
    );
  });

  it('scope and kind are immutable once the CRD is Established', async () => {
    await api()
      .patch(`${BASE}/widgets.stable.example.com/status`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ status: { conditions: [{ type: 'Established', status: 'True', reason: 'InitialNamesAccepted', message: 'the initial names have been accepted', lastTransitionTime: '2024-01-01T00:00:00Z' }] } })
      .expect(200);
    const res = await api()
      .patch(`${BASE}/widgets.stable.example.com`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ spec: { scope: 'Cluster', names: { kind: 'Gadget' } } })
      .expect(422);
    expect(res.body.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.scope', message: 'Invalid value: "Cluster": field is immutable' },
      { reason: 'FieldValueInvalid', field: 'spec.names.kind', message: 'Invalid value: "Gadget": field is immutable' },
    ]);
  });
});

describe('status subresource', () => {
  it('writes only the status; the spec stays and the generation does not move', async () => {
    const cur = (await api().get(`${BASE}/widgets.stable.example.com`).expect(200)).body;
    cur.spec.group = 'ignored.example.com';
    cur.metadata.labels = { ignored: 'yes' };
    cur.status.acceptedNames = { plural: 'widgets', singular: 'widget', kind: 'Widget', listKind: 'WidgetList', shortNames: ['wi'] };
    const res = await api().put(`${BASE}/widgets.stable.example.com/status`).send(cur).expect(200);
    expect(res.body.spec.group).toBe('stable.example.com');
    expect(res.body.metadata.labels).toBeUndefined();
    expect(res.body.metadata.generation).toBe(1);
    expect(res.body.status.acceptedNames.kind).toBe('Widget');
    expect(res.body.status.storedVersions).toEqual(['v1']);
  });

  it('validates the accepted names', async () => {
    const res = await api()
      .patch(`${BASE}/widgets.stable.example.com/status`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ status: { acceptedNames: { kind: 'Widget', listKind: 'Widget' } } })
      .expect(422);
    expect(res.body.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "widgets.stable.example.com" is invalid: status.acceptedNames.listKind: Invalid value: "Widget": kind and listKind may not be the same');
  });

  it('an emptied storedVersions is defaulted back to the storage version', async () => {
    const res = await api()
      .patch(`${BASE}/widgets.stable.example.com/status`)
      .set('Content-Type', 'application/merge-patch+json')
      .send({ status: { storedVersions: [] } })
      .expect(200);
    expect(res.body.status.storedVersions).toEqual(['v1']);
  });
});

describe('refusals on create', () => {
  const refuse = async (body: any) => (await api().post(BASE).send(body).expect(422)).body;

  it('a name that is not <plural>.<group>', async () => {
    const body = crd('things');
    body.metadata.name = 'things.example.com';
    const s = await refuse(body);
    expect(s).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422, details: { name: 'things.example.com', group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition' } });
    expect(s.message).toBe('CustomResourceDefinition.apiextensions.k8s.io "things.example.com" is invalid: metadata.name: Invalid value: "things.example.com": must be spec.names.plural+"."+spec.group');
  });

  it('no storage version', async () => {
    const body = crd('things');
    body.spec.versions[0].storage = false;
    const s = await refuse(body);
    expect(s.details.causes.map((c: any) => c.field)).toEqual(['spec.versions', 'status.storedVersions']);
    expect(s.details.causes[0].message).toMatch(
      /^Invalid value: \[\]apiextensions\.CustomResourceDefinitionVersion\{apiextensions\.CustomResourceDefinitionVersion\{Name:"v1", Served:true, Storage:false, Deprecated:false, DeprecationWarning:\(\*string\)\(nil\), Schema:\(\*apiextensions\.CustomResourceValidation\)\(nil\), Subresources:\(\*apiextensions\.CustomResourceSubresources\)\(nil\), AdditionalPrinterColumns:\[\]apiextensions\.CustomResourceColumnDefinition\(nil\), SelectableFields:\[\]apiextensions\.SelectableField\(nil\)\}\}: must have exactly one version marked as storage version$/,
    );
    expect(s.details.causes[1].message).toBe('Invalid value: []string(nil): must have at least one stored version');
  });

  it('a schema with $ref and a group without a dot', async () => {
    const body = crd('things', 'example');
    body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.cronSpec = { $ref: '#/definitions/x' };
    const s = await refuse(body);
    expect(s.details.causes).toEqual([
      { reason: 'FieldValueInvalid', field: 'spec.group', message: 'Invalid value: "example": should be a domain with at least one dot' },
      { reason: 'FieldValueForbidden', field: 'spec.validation.openAPIV3Schema.properties[spec].properties[cronSpec].$ref', message: 'Forbidden: $ref is not supported' },
    ]);
  });

  it('preserveUnknownFields: true', async () => {
    const s = await refuse(crd('things', 'stable.example.com', { preserveUnknownFields: true }));
    expect(s.message).toBe(
      'CustomResourceDefinition.apiextensions.k8s.io "things.stable.example.com" is invalid: spec.preserveUnknownFields: Invalid value: true: cannot set to true, set x-kubernetes-preserve-unknown-fields to true in spec.versions[*].schema instead',
    );
  });

  it('a Webhook conversion without a clientConfig', async () => {
    const s = await refuse(crd('things', 'stable.example.com', { conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1'] } } }));
    expect(s.details.causes).toEqual([{ reason: 'FieldValueRequired', field: 'spec.conversion.webhookClientConfig', message: 'Required value: required when strategy is set to Webhook' }]);
  });

  it('a protected group without the approval annotation', async () => {
    const s = await refuse(crd('things', 'stable.k8s.io'));
    expect(s.details.causes).toEqual([
      { reason: 'FieldValueRequired', field: 'metadata.annotations[api-approved.kubernetes.io]', message: 'Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111' },
    ]);
    const ok = crd('things', 'stable.k8s.io');
    ok.metadata.annotations = { 'api-approved.kubernetes.io': 'unapproved, testing' };
    await api().post(BASE).send(ok).expect(201);
  });

  it('bodies of the wrong shape are refused, never a 500', async () => {
    const shapes: ((b: any) => void)[] = [
      (b) => (b.spec.versions = 'v1'),
      (b) => (b.spec.versions = [null]),
      (b) => (b.spec.names = null),
      (b) => (b.spec.versions[0].schema.openAPIV3Schema['x-kubernetes-validations'] = [null, 'rule']),
      (b) => (b.spec.versions[0].additionalPrinterColumns = {}),
      (b) => (b.spec.conversion = { strategy: 'Webhook', webhook: { clientConfig: { service: null, caBundle: '!!' } } }),
      (b) => (b.spec = []),
    ];
    for (const [i, shape] of shapes.entries()) {
      const body = crd('shapes');
      shape(body);
      const res = await api().post(BASE).send(body);
      expect(res.status, `shape ${i}: ${JSON.stringify(res.body)}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `shape ${i}: ${JSON.stringify(res.body)}`).toBeLessThan(500);
    }
  });

  it('unknown fields: reported in strictly decoded schemas, silently dropped in the union-held ones (items, additionalProperties)', async () => {
    const body = crd('unions');
    const spec = body.spec.versions[0].schema.openAPIV3Schema.properties.spec;
    spec.properties.list = { type: 'array', items: { type: 'string', typo: 1, properties: { x: { type: 'string', deeper: true } } } };
    spec.properties.map = { type: 'object', additionalProperties: { type: 'string', bogus: 'y' } };
    const res = await api().post(`${BASE}?fieldValidation=Strict`).send(body).expect(201);
    expect(res.body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.list.items).toEqual({ type: 'string', properties: { x: { type: 'string' } } });
    expect(res.body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.map.additionalProperties).toEqual({ type: 'string' });
    const strict = crd('stricts');
    strict.spec.versions[0].schema.openAPIV3Schema.properties.spec.typo = true;
    const bad = await api().post(`${BASE}?fieldValidation=Strict`).send(strict).expect(400);
    expect(bad.body.message).toBe(
      'CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: strict decoding error: unknown field "spec.versions[0].schema.openAPIV3Schema.properties.spec.typo"',
    );
  });

  it('additionalProperties that is neither a boolean nor a schema cannot be decoded', async () => {
    const body = crd('badaps');
    body.spec.versions[0].schema.openAPIV3Schema.properties.spec.additionalProperties = 5;
    const res = await api().post(BASE).send(body).expect(400);
    expect(res.body.message).toBe('CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: boolean or JSON schema expected');
  });

  it('a dry run validates and stores nothing', async () => {
    await api().post(`${BASE}?dryRun=All`).send(crd('gizmos')).expect(201);
    await api().get(`${BASE}/gizmos.stable.example.com`).expect(404);
  });

});

describe('protobuf (the apiextensions clientset prefers it: gentype.PrefersProtobuf)', () => {
  const PB = 'application/vnd.kubernetes.protobuf';
  const binary = (res: any, cb: (err: Error | null, body: Buffer) => void) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => cb(null, Buffer.concat(chunks)));
  };
  it('creates from a protobuf body and answers protobuf, schemas with every union form intact', async () => {
    const body = crd('pbthings');
    body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties = {
      flag: { type: 'boolean', default: false },
      anything: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      open: { type: 'object', additionalProperties: true, properties: { a: { type: 'string', enum: ['x', 'y'] } } },
      list: { type: 'array', items: { type: 'object', properties: { n: { type: 'integer', minimum: 0, maximum: 9.5 } } } },
    };
    const res = await api().post(BASE).set('Content-Type', PB).set('Accept', `${PB},application/json`).send(encodeKubernetesProtobuf(body)).buffer(true).parse(binary).expect(201);
    expect(res.headers['content-type']).toBe(PB);
    const back = decodeKubernetesProtobuf(res.body).object as any;
    expect(back.spec.versions[0].schema).toEqual(body.spec.versions[0].schema);
    expect(back.status).toEqual({ acceptedNames: { plural: '', kind: '' }, conditions: null, storedVersions: ['v1'] });
    const json = (await api().get(`${BASE}/pbthings.stable.example.com`).expect(200)).body;
    expect(json.spec.versions[0].schema).toEqual(body.spec.versions[0].schema);
    const list = await api().get(BASE).set('Accept', PB).buffer(true).parse(binary).expect(200);
    expect((decodeKubernetesProtobuf(list.body).object as any).items.length).toBeGreaterThan(1);
  });
});

describe('deep schemas (nested as deep as a body may be)', () => {
  it('a schema 4,900 properties deep is validated, stored and read back, as JSON where protobuf runs out of stack', async () => {
    const depth = 4900;
    const schema = '{"type":"object","properties":{"a":'.repeat(depth) + '{"type":"string","typo":1}' + '}}'.repeat(depth);
    const text = `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"deeps.x.example.com"},"spec":{"group":"x.example.com","scope":"Namespaced","names":{"plural":"deeps","kind":"Deep"},"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":${schema}}}]}}`;
    const bad = await api().post(`${BASE}?fieldValidation=Strict`).set('Content-Type', 'application/json').send(text).expect(400);
    expect(bad.body.message).toMatch(/^CustomResourceDefinition in version "v1" cannot be handled as a CustomResourceDefinition: strict decoding error: unknown field "spec\.versions\[0\]\.schema\.openAPIV3Schema(\.properties\.a){4900}\.typo"$/);
    await api().post(BASE).set('Content-Type', 'application/json').send(text.replace(',"typo":1', '')).expect(201);
    const got = await api().get(`${BASE}/deeps.x.example.com`).set('Accept', 'application/vnd.kubernetes.protobuf,application/json').expect(200);
    expect(got.headers['content-type']).toMatch(/^application\/json/);
    expect(got.text.length).toBeGreaterThan(depth * 30);
  });
});

describe('server-side apply', () => {
  it('creates and updates a CRD', async () => {
    const body = crd('appliers');
    const res = await api()
      .patch(`${BASE}/appliers.stable.example.com?fieldManager=test&force=true`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(JSON.stringify(body))
      .expect(201);
    expect(res.body.status.storedVersions).toEqual(['v1']);
    body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.extra = { type: 'boolean' };
    const again = await api()
      .patch(`${BASE}/appliers.stable.example.com?fieldManager=test&force=true`)
      .set('Content-Type', 'application/apply-patch+yaml')
      .send(JSON.stringify(body))
      .expect(200);
    expect(again.body.metadata.generation).toBe(2);
    expect(again.body.spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.extra).toEqual({ type: 'boolean' });
  });
});

describe('real-world CRDs are accepted', () => {
  it('a controller-gen style CRD: several versions, status and scale, columns, defaults, int-or-string, list and map types, rules', async () => {
    const schemaFor = (extra: Record<string, any> = {}) => ({
      openAPIV3Schema: {
        description: 'Certificate is the Schema for the certificates API',
        type: 'object',
        required: ['spec'],
        properties: {
          apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema' },
          kind: { type: 'string' },
          metadata: { type: 'object' },
          spec: {
            type: 'object',
            required: ['secretName'],
            'x-kubernetes-validations': [{ rule: 'self.replicas >= 0', message: 'replicas must not be negative', fieldPath: '.replicas', reason: 'FieldValueInvalid' }],
            properties: {
              secretName: { type: 'string', minLength: 1, maxLength: 253, pattern: '^[a-z0-9.-]+$' },
              replicas: { type: 'integer', format: 'int32', default: 1, minimum: 0 },
              duration: { type: 'string', enum: ['short', 'long'], default: 'short' },
              port: { 'x-kubernetes-int-or-string': true, anyOf: [{ type: 'integer' }, { type: 'string' }] },
              labels: { type: 'object', additionalProperties: { type: 'string' }, 'x-kubernetes-map-type': 'atomic' },
              raw: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              template: { type: 'object', 'x-kubernetes-embedded-resource': true, 'x-kubernetes-preserve-unknown-fields': true },
              dnsNames: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set', maxItems: 100 },
              ports: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['name', 'protocol'],
                items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, protocol: { type: 'string', default: 'TCP' }, number: { type: 'integer' } } },
              },
              selector: { type: 'object', 'x-kubernetes-map-type': 'atomic', properties: { matchLabels: { type: 'object', additionalProperties: { type: 'string' } } } },
              ...extra,
            },
          },
          status: {
            type: 'object',
            properties: {
              replicas: { type: 'integer' },
              selector: { type: 'string' },
              conditions: {
                type: 'array',
                'x-kubernetes-list-type': 'map',
                'x-kubernetes-list-map-keys': ['type'],
                items: { type: 'object', required: ['type', 'status'], properties: { type: { type: 'string' }, status: { type: 'string', enum: ['True', 'False', 'Unknown'] }, lastTransitionTime: { type: 'string', format: 'date-time' } } },
              },
            },
          },
        },
      },
    });
    const version = (name: string, storage: boolean, extra?: Record<string, any>) => ({
      name,
      served: true,
      storage,
      ...(storage ? {} : { deprecated: true, deprecationWarning: `example.com/${name} Certificate is deprecated` }),
      schema: schemaFor(extra),
      subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas', labelSelectorPath: '.status.selector' } },
      additionalPrinterColumns: [
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
        { name: 'Secret', type: 'string', jsonPath: '.spec.secretName', priority: 1 },
        { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ],
      // (identical selectable fields with differing schemas would be hoisted to spec.selectableFields
      // and refused, as upstream's conversion to the internal type and validation do)
      selectableFields: storage ? [{ jsonPath: '.spec.secretName' }, { jsonPath: '.spec.duration' }] : [{ jsonPath: '.spec.secretName' }],
    });
    const body = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'certificates.cert.example.com', annotations: { 'controller-gen.kubebuilder.io/version': 'v0.16.1' } },
      spec: {
        group: 'cert.example.com',
        scope: 'Namespaced',
        names: { plural: 'certificates', singular: 'certificate', kind: 'Certificate', listKind: 'CertificateList', shortNames: ['cert', 'certs'], categories: ['all', 'example'] },
        versions: [version('v1', true), version('v1beta1', false, { legacy: { type: 'boolean' } })],
        conversion: { strategy: 'Webhook', webhook: { conversionReviewVersions: ['v1', 'v1beta1'], clientConfig: { service: { name: 'webhook', namespace: 'cert-system', path: '/convert' } } } },
      },
    };
    const res = await api().post(BASE).send(body);
    expect(res.body.details?.causes ?? []).toEqual([]);
    expect(res.status).toBe(201);
    expect(res.body.spec.conversion.webhook.clientConfig.service.port).toBe(443);
    expect(res.body.status.storedVersions).toEqual(['v1']);
  });
});
