import { describe, it, expect } from 'vitest';
import { endpointSliceDef } from '../../src/resources/discovery/endpointslice.js';
import { eventsV1EventDef } from '../../src/resources/events/event.js';
import { leaseDef } from '../../src/resources/coordination/lease.js';
import {
  selfSubjectAccessReviewDef,
  selfSubjectRulesReviewDef,
  reviewSelfSubjectAccess,
  reviewSelfSubjectRules,
  selfSubjectRulesReviewBadRequest,
} from '../../src/resources/authorization/reviews.js';
import type { KObject } from '../../src/resources/types.js';

const show = (cs: { field: string; message: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);

describe('EndpointSlice', () => {
  const slice = (): KObject => ({
    metadata: { name: 'web-abc', namespace: 'default', labels: { 'kubernetes.io/service-name': 'web' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: ['10.244.0.5'], conditions: { ready: true }, hostname: 'web-0' }],
    ports: [{ port: 80 }],
  });
  it('defaults port name and protocol; keeps generation', () => {
    const s = slice();
    endpointSliceDef.defaults!(s);
    expect(s.ports).toEqual([{ port: 80, name: '', protocol: 'TCP' }]);
    expect(endpointSliceDef.validate!(s)).toEqual([]);
    expect(endpointSliceDef.generation).toBe(true);
  });
  it('validation', () => {
    const s = slice();
    s.addressType = 'IPv4';
    s.endpoints = [{ addresses: [] }, { addresses: ['300.1.1.1', '127.0.0.1'], hostname: 'Bad_Host' }];
    s.ports = [{ name: 'http', protocol: 'TCP' }, { name: 'http', protocol: 'ICMP' }];
    expect(show(endpointSliceDef.validate!(s))).toEqual([
      'endpoints[0].addresses: Required value: must contain at least 1 address',
      'endpoints[1].addresses[0]: Invalid value: "300.1.1.1": must be a valid IPv4 address',
      'endpoints[1].addresses[1]: Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)',
      expect.stringContaining('endpoints[1].hostname: Invalid value: "Bad_Host"'),
      'ports[1].name: Duplicate value: "http"',
      'ports[1].protocol: Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"',
    ]);
    expect(show(endpointSliceDef.validate!({ metadata: {}, endpoints: [] }))).toEqual(['addressType: Required value']);
  });
  it('addressType is immutable; generation follows content and labels', () => {
    const a = slice();
    const b = { ...structuredClone(a), addressType: 'IPv6' };
    expect(show(endpointSliceDef.validateUpdate!(b, a))).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
    const c = structuredClone(a);
    c.metadata.annotations = { x: 'y' };
    expect(endpointSliceDef.generationChanged!(c, a)).toBe(false);
    c.metadata.labels.extra = '1';
    expect(endpointSliceDef.generationChanged!(c, a)).toBe(true);
    const d = structuredClone(a);
    d.endpoints[0].conditions.ready = false;
    expect(endpointSliceDef.generationChanged!(d, a)).toBe(true);
  });
});

describe('events.k8s.io/v1 Event', () => {
  const ev = (): KObject => ({
    metadata: { name: 'web.1', namespace: 'default' },
    eventTime: '2024-01-01T00:00:00.000000Z',
    reportingController: 'example.com/ctl',
    reportingInstance: 'ctl-1',
    action: 'Sync',
    reason: 'Synced',
    regarding: { kind: 'Pod', namespace: 'default', name: 'web-0' },
    note: 'hello',
    type: 'Normal',
  });
  it('accepts a well-formed event', () => {
    expect(eventsV1EventDef.validate!(ev())).toEqual([]);
    expect(eventsV1EventDef.shortNames).toEqual(['ev']);
    expect(eventsV1EventDef.allowCreateOnUpdate).toBe(true);
  });
  it('required fields and deprecated ones', () => {
    const e: KObject = { metadata: { name: 'x', namespace: 'default' }, deprecatedCount: 3, type: 'Odd' };
    expect(show(eventsV1EventDef.validate!(e))).toEqual([
      'reportingController: Required value',
      'reportingController: Invalid value: "": name part must be non-empty',
      // IsQualifiedName checks the pattern even for an empty name
      expect.stringContaining('reportingController: Invalid value: "": name part must consist of alphanumeric characters'),
      'reportingInstance: Required value',
      'action: Required value',
      'reason: Required value',
      'eventTime: Required value',
      'type: Invalid value: "": has invalid value: Odd',
      'deprecatedCount: Invalid value: "": needs to be unset',
    ]);
  });
  it('regarding namespace must match', () => {
    const e = ev();
    e.regarding.namespace = 'other';
    expect(show(eventsV1EventDef.validate!(e))).toEqual(['involvedObject.namespace: Invalid value: "other": does not match event.namespace']);
  });
  it('updates may only touch series and metadata', () => {
    const a = ev();
    const b = { ...structuredClone(a), note: 'changed', series: { count: 2, lastObservedTime: '2024-01-01T00:00:01.000000Z' } };
    expect(show(eventsV1EventDef.validateUpdate!(b, a))).toEqual(['message: Invalid value: "changed": field is immutable']);
  });
  it('field selectors as upstream conversion.go', () => {
    const fs = eventsV1EventDef.fieldSelectors!;
    expect(Object.keys(fs).sort()).toEqual(
      [
        'reason',
        'regarding.apiVersion',
        'regarding.fieldPath',
        'regarding.kind',
        'regarding.name',
        'regarding.namespace',
        'regarding.resourceVersion',
        'regarding.uid',
        'reportingController',
        'type',
      ].sort(),
    );
    expect(fs['regarding.name'](ev())).toBe('web-0');
    expect(fs['regarding.uid'](ev())).toBe('');
  });
});

describe('Lease', () => {
  it('validates durations', () => {
    expect(leaseDef.validate!({ spec: { holderIdentity: 'a', leaseDurationSeconds: 15 } })).toEqual([]);
    expect(show(leaseDef.validate!({ spec: { leaseDurationSeconds: 0, leaseTransitions: -1 } }))).toEqual([
      'spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0',
      'spec.leaseTransitions: Invalid value: -1: must be greater than or equal to 0',
    ]);
    expect(leaseDef.allowCreateOnUpdate).toBe(true);
    expect(leaseDef.group).toBe('coordination.k8s.io');
  });
});

describe('authorization reviews (allow-all)', () => {
  it('are create-only and cluster-scoped', () => {
    for (const d of [selfSubjectAccessReviewDef, selfSubjectRulesReviewDef]) {
      expect(d.verbs).toEqual(['create']);
      expect(d.namespaced).toBe(false);
    }
  });
  it('SelfSubjectAccessReview', () => {
    const req = { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { verb: 'get', resource: 'pods' } } };
    expect(selfSubjectAccessReviewDef.validate!(req)).toEqual([]);
    const res = reviewSelfSubjectAccess(req);
    expect(res.status).toEqual({ allowed: true });
    expect(res.spec).toEqual(req.spec);
    expect(res.metadata.creationTimestamp).toBeNull();
    expect(show(selfSubjectAccessReviewDef.validate!({ spec: {} }))).toEqual([
      'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    ]);
  });
  it('SelfSubjectRulesReview', () => {
    expect(selfSubjectRulesReviewBadRequest({ spec: {} })).toBe('no namespace on request');
    expect(selfSubjectRulesReviewBadRequest({ spec: { namespace: 'default' } })).toBeUndefined();
    expect(reviewSelfSubjectRules({ spec: { namespace: 'default' } }).status).toEqual({
      resourceRules: [{ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }],
      nonResourceRules: [{ verbs: ['*'], nonResourceURLs: ['*'] }],
      incomplete: false,
    });
  });
});
