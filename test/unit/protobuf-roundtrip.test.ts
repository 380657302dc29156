// JSON -> protobuf -> JSON for every served kind: a representative object with every field of
// the kind's published OpenAPI schema set (no zero values, so omitempty cannot hide a field),
// including int64, Quantity, IntOrString (both forms), Time, MicroTime, RawExtension, FieldsV1
// and base64 bytes; then the same for each kind's List.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { servedKinds } from '../../src/schema/gen/served.js';
import { decodeKubernetesProtobuf, encodeKubernetesProtobuf, isSupportedProtobufKind, PROTOBUF_MAGIC } from '../../src/server/protobuf.js';

type Schema = { type?: string; format?: string; $ref?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema | boolean };
const swagger = JSON.parse(fs.readFileSync(fileURLToPath(new URL('../../openapi/v2/swagger.json', import.meta.url)), 'utf8')) as {
  definitions: Record<string, Schema & { 'x-kubernetes-group-version-kind'?: { group: string; version: string; kind: string }[] }>;
};
const defs = swagger.definitions;

const SPECIAL: Record<string, (n: number) => unknown> = {
  'io.k8s.apimachinery.pkg.util.intstr.IntOrString': (n) => (n % 2 ? 'http' : 8080 + n),
  'io.k8s.apimachinery.pkg.api.resource.Quantity': (n) => (n % 2 ? '1536Mi' : '250m'),
  'io.k8s.apimachinery.pkg.apis.meta.v1.Time': (n) => `2024-01-0${(n % 9) + 1}T03:04:05Z`,
  'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime': (n) => `2024-01-0${(n % 9) + 1}T03:04:05.123456Z`,
  'io.k8s.apimachinery.pkg.runtime.RawExtension': (n) => ({ apiVersion: 'v1', kind: 'ConfigMap', data: { n: String(n) } }),
  'io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1': () => ({ 'f:metadata': { 'f:labels': { '.': {}, 'f:app': {} } } }),
  // apiextensions.k8s.io/v1's own JSON forms (marshal.go)
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSON': (n) => ({ any: [n, 'json', null, { nested: true }] }),
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrBool': (n) => (n % 2 ? true : { type: 'string', maxLength: n }),
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrArray': (n) => (n % 2 ? { type: 'integer', format: 'int64' } : [{ type: 'string' }, { type: 'boolean', default: false }]),
  'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.JSONSchemaPropsOrStringArray': (n) => (n % 2 ? ['a', `b${n}`] : { type: 'object', required: ['x'] }),
};

/** A value for `schema` with every property set to something non-zero. */
function sample(schema: Schema, seen: string[], n: { i: number }): unknown {
  n.i++;
  if (schema.$ref) {
    const name = schema.$ref.replace('#/definitions/', '');
    if (SPECIAL[name]) return SPECIAL[name]!(n.i);
    if (seen.includes(name)) return undefined; // recursion (JSONSchemaProps) stops here
    const v = sample(defs[name]!, [...seen, name], n) as Record<string, unknown>;
    // an embedded object (a StatefulSet's PVC templates) has no TypeMeta in protobuf, as in Go
    if (seen.length && defs[name]!['x-kubernetes-group-version-kind']) {
      delete v.apiVersion;
      delete v.kind;
    }
    return v;
  }
  if (schema.properties) {
    const out: Record<string, unknown> = {};
    for (const [k, p] of Object.entries(schema.properties)) {
      const v = sample(p, seen, n);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  switch (schema.type) {
    case 'string':
      return schema.format === 'byte' ? Buffer.from(`bytes-${n.i}`).toString('base64') : `s${n.i}`;
    case 'integer':
      return schema.format === 'int64' ? 1234567890123 + n.i : 7 + n.i;
    case 'number':
      return 0.5 + n.i;
    case 'boolean':
      return true;
    case 'array': {
      // a recursive element (JSONSchemaProps' allOf) leaves the list out
      const item = sample(schema.items!, seen, n);
      return item === undefined ? undefined : [item];
    }
    case 'object':
      if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
        const v = sample(schema.additionalProperties, seen, n);
        return v === undefined ? undefined : { k1: v };
      }
      return {};
    default:
      return `s${n.i}`;
  }
}

function definitionOf(group: string, version: string, kind: string): string {
  if (group === 'meta.k8s.io') return `io.k8s.apimachinery.pkg.apis.meta.v1.${kind}`;
  const hit = Object.entries(defs).find(([, d]) => d['x-kubernetes-group-version-kind']?.some((g) => g.group === group && g.version === version && g.kind === kind));
  if (!hit) throw new Error(`no definition for ${group}/${version} ${kind}`);
  return hit[0];
}

function representative(group: string, version: string, kind: string): Record<string, unknown> {
  const obj = sample(defs[definitionOf(group, version, kind)]!, [], { i: 0 }) as Record<string, unknown>;
  return { ...obj, apiVersion: group ? `${group}/${version}` : version, kind };
}

const roundTrip = (obj: Record<string, unknown>): Record<string, unknown> => {
  const bytes = encodeKubernetesProtobuf(obj);
  expect(bytes, `${obj.apiVersion} ${obj.kind} has a protobuf form`).toBeDefined();
  expect(bytes!.subarray(0, 4).equals(PROTOBUF_MAGIC)).toBe(true);
  return decodeKubernetesProtobuf(bytes!).object;
};

describe('JSON -> protobuf -> JSON is the identity for every served kind', () => {
  const kinds = [
    ...servedKinds().map((s) => [s.group, s.version, s.kind] as const),
    ['autoscaling', 'v1', 'Scale'] as const,
    ['', 'v1', 'Binding'] as const,
    ['meta.k8s.io', 'v1', 'DeleteOptions'] as const,
    ['meta.k8s.io', 'v1', 'Status'] as const,
  ];
  for (const [group, version, kind] of kinds) {
    it(`${group || 'core'}/${version} ${kind}`, () => {
      const obj = representative(group, version, kind);
      expect(roundTrip(obj)).toEqual(obj);
    });
  }

  it('every served kind and its List have a message', () => {
    for (const s of servedKinds()) {
      const av = s.group ? `${s.group}/${s.version}` : s.version;
      expect(isSupportedProtobufKind(av, s.kind)).toBe(true);
      if (!['SelfSubjectAccessReview', 'SelfSubjectRulesReview', 'SubjectAccessReview', 'LocalSubjectAccessReview', 'TokenReview', 'SelfSubjectReview'].includes(s.kind)) expect(isSupportedProtobufKind(av, `${s.kind}List`)).toBe(true);
    }
  });

  it('Lists round-trip with their items', () => {
    for (const [group, kind] of [['', 'Pod'], ['apps', 'StatefulSet'], ['', 'Secret'], ['coordination.k8s.io', 'Lease']] as const) {
      const item = representative(group, 'v1', kind);
      delete item.apiVersion;
      delete item.kind;
      const list = { apiVersion: group ? `${group}/v1` : 'v1', kind: `${kind}List`, metadata: { resourceVersion: '12', continue: 'abc', remainingItemCount: 3 }, items: [item, item] };
      expect(roundTrip(list)).toEqual(list);
    }
  });

  it('keeps Go zero values as the JSON API renders them', () => {
    // pointers keep an explicit zero; value fields without omitempty come back even when absent
    const sts = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'web' }, spec: { replicas: 0, selector: {}, template: { spec: { containers: [{ name: 'c', image: 'i', ports: [{ containerPort: 0 }] }] } } } };
    const back = roundTrip(sts) as any;
    expect(back.metadata).toEqual({ name: 'web', creationTimestamp: null });
    expect(back.spec.replicas).toBe(0);
    expect(back.spec.serviceName).toBe(''); // json:"serviceName" (no omitempty)
    expect('minReadySeconds' in back.spec).toBe(false); // omitempty
    expect(back.spec.template.metadata).toEqual({ creationTimestamp: null });
    expect(back.spec.template.spec.containers[0]).toEqual({ name: 'c', image: 'i', ports: [{ containerPort: 0 }], resources: {} });
    expect(back.spec.updateStrategy).toEqual({});
    expect(back.status).toEqual({ replicas: 0, availableReplicas: 0 });
    expect(roundTrip(back)).toEqual(back);
  });

  it('int64 beyond 32 bits, both IntOrString forms, Quantity, MicroTime', () => {
    const lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'l', generation: 4294967297, creationTimestamp: '2024-01-02T03:04:05Z' }, spec: { holderIdentity: 'me', leaseDurationSeconds: 40, acquireTime: '2024-01-02T03:04:05.000001Z', renewTime: '2024-01-02T03:04:06.999999Z', leaseTransitions: 2 } };
    expect(roundTrip(lease)).toEqual(lease);
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', creationTimestamp: null }, spec: { ports: [{ port: 80, targetPort: 'http' }, { port: 81, targetPort: 8081 }] }, status: { loadBalancer: {} } };
    expect(roundTrip(svc)).toEqual(svc);
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', creationTimestamp: null }, spec: { containers: [{ name: 'c', resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { 'nvidia.com/gpu': '1' } } }] }, status: {} };
    expect(roundTrip(pod)).toEqual(pod);
  });
});
