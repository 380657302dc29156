// Validation, defaults, printers and the autoscaling v1<->v2 conversion of the networking.k8s.io,
// policy and autoscaling kinds (upstream: pkg/apis/{networking,policy,autoscaling}, printers.go).
import { describe, expect, it } from 'vitest';
import { ingressDef, isWildcardDNS1123Subdomain } from '../../src/resources/networking/ingress.js';
import { ingressClassDef } from '../../src/resources/networking/ingressclass.js';
import { networkPolicyDef, parseCIDRSloppy } from '../../src/resources/networking/networkpolicy.js';
import { podDisruptionBudgetDef, validateIntOrPercent } from '../../src/resources/policy/poddisruptionbudget.js';
import { goQuantity, horizontalPodAutoscalerDef } from '../../src/resources/autoscaling/horizontalpodautoscaler.js';
import { hpaV1ToV2, hpaV2ToV1 } from '../../src/resources/autoscaling/horizontalpodautoscaler-v1.js';
import { formatIngressHosts } from '../../src/printers/networking.js';
import { formatHPAMetrics } from '../../src/printers/autoscaling.js';
import { validateConditions } from '../../src/resources/conditions.js';

const show = (cs: { field: string; message: string }[]) => cs.map((c) => `${c.field}: ${c.message}`);
const now = Date.parse('2026-01-01T00:10:00Z');
const meta = { name: 'x', creationTimestamp: '2026-01-01T00:00:00Z' };

describe('Ingress', () => {
  it('backend checks: both kinds, neither, port name and number', () => {
    const spec = {
      rules: [
        {
          host: '*.example.com',
          http: {
            paths: [
              { path: '/a//b', pathType: 'Exact', backend: { service: { name: 'Web', port: { name: 'http', number: 80 } } } },
              { path: '/', pathType: 'Prefix', backend: {} },
              { path: '/', pathType: 'Prefix', backend: { resource: { kind: 'Bucket', name: 'a/b' }, service: { name: 'x', port: { number: 1 } } } },
              { path: '/', pathType: 'Fuzzy', backend: { service: { name: 'x', port: {} } } },
            ],
          },
        },
      ],
    };
    const ing = { metadata: meta, spec };
    ingressDef.prepareForCreate!(ing);
    expect(show(ingressDef.validate!(ing))).toEqual([
      `spec.rules[0].http.paths[0].path: Invalid value: "/a//b": must not contain '//'`,
      "spec.rules[0].http.paths[0].backend.service.name: Invalid value: \"Web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      'spec.rules[0].http.paths[0].backend: Invalid value: "": cannot set both port name & port number',
      'spec.rules[0].http.paths[1].backend: Invalid value: "": resource or service backend is required',
      'spec.rules[0].http.paths[2].backend: Invalid value: "": cannot set both resource and service backends',
      'spec.rules[0].http.paths[3].pathType: Unsupported value: "Fuzzy": supported values: "Exact", "ImplementationSpecific", "Prefix"',
      'spec.rules[0].http.paths[3].backend: Required value: port name or number is required',
    ]);
  });

  it('wildcard hosts must be *.<subdomain>', () => {
    expect(isWildcardDNS1123Subdomain('*.example.com')).toEqual([]);
    expect(isWildcardDNS1123Subdomain('a.*.com')[0]).toMatch(/^a wildcard DNS-1123 subdomain must start with '\*\.'/);
  });

  it('prints hosts as upstream: four, then + N more...', () => {
    expect(formatIngressHosts([])).toBe('*');
    expect(formatIngressHosts([{ host: 'a' }, {}, { host: 'b' }])).toBe('a,b');
    const six = ['a', 'b', 'c', 'd', 'e', 'f'].map((host) => ({ host }));
    expect(formatIngressHosts(six)).toBe('a,b,c,d + 2 more...');
    const row = ingressDef.table!.row(
      { metadata: meta, spec: { ingressClassName: 'nginx', rules: [{ host: 'a' }], tls: [{}] }, status: { loadBalancer: { ingress: [{ ip: '10.0.0.2' }, { hostname: 'lb.example.com' }, { ip: '10.0.0.2' }] } } },
      now,
    );
    expect(row).toEqual(['x', 'nginx', 'a', '10.0.0.2,lb.example.com', '80, 443', '10m']);
  });
});

describe('IngressClass', () => {
  it('parameters: scope rules', () => {
    const ic = (parameters: object) => {
      const o = { metadata: meta, spec: { controller: 'example.com/c', parameters } };
      ingressClassDef.prepareForCreate!(o);
      return o;
    };
    expect(show(ingressClassDef.validate!(ic({ kind: 'K', name: 'n', scope: 'Namespace' })))).toEqual([
      "spec.parameters.namespace: Required value: `parameters.scope` is set to 'Namespace'",
    ]);
    expect(show(ingressClassDef.validate!(ic({ kind: 'K', name: 'n', scope: 'Cluster', namespace: 'a' })))).toEqual([
      "spec.parameters.namespace: Forbidden: `parameters.scope` is set to 'Cluster'",
    ]);
    expect(show(ingressClassDef.validate!(ic({ kind: '..', name: '', scope: 'World' })))).toEqual([
      "spec.parameters.kind: Invalid value: \"..\": may not be '..'",
      'spec.parameters.name: Required value',
      'spec.parameters.scope: Unsupported value: "World": supported values: "Cluster", "Namespace"',
    ]);
  });
});

describe('IngressClass updates', () => {
  it('report the immutable controller before the create checks', () => {
    const old = { metadata: meta, spec: { controller: 'example.com/c' } };
    const upd = { metadata: meta, spec: { controller: 'nginx' } };
    expect(ingressClassDef.validate!(upd)).toEqual([]);
    expect(show(ingressClassDef.validateUpdate!(upd, old))).toEqual([
      'spec.controller: Invalid value: "nginx": field is immutable',
      'spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")',
    ]);
  });
});

describe('NetworkPolicy', () => {
  it('parses CIDRs as ParseCIDRSloppy (leading zeros in IPv4 octets are fine)', () => {
    expect(parseCIDRSloppy('010.0.0.0/8')).toMatchObject({ bits: 32, prefix: 8 });
    expect(parseCIDRSloppy('2001:db8::/64')).toMatchObject({ bits: 128, prefix: 64 });
    expect(parseCIDRSloppy('10.0.0.0/33')).toBeUndefined();
    expect(parseCIDRSloppy('10.0.0.0')).toBeUndefined();
  });
  it('ports: endPort rules, protocols', () => {
    const np = { metadata: meta, spec: { podSelector: {}, egress: [{ ports: [{ port: 'http', endPort: 90 }, { port: 100, endPort: 90, protocol: 'ICMP' }, { endPort: 5 }] }] } };
    networkPolicyDef.defaults!(np);
    networkPolicyDef.prepareForCreate!(np);
    expect(np.spec).toMatchObject({ policyTypes: ['Ingress', 'Egress'] });
    expect(show(networkPolicyDef.validate!(np))).toEqual([
      'spec.egress[0].ports[0].endPort: Invalid value: 90: may not be specified when `port` is non-numeric',
      'spec.egress[0].ports[1].protocol: Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      'spec.egress[0].ports[1].endPort: Invalid value: 90: must be greater than or equal to `port`',
      'spec.egress[0].ports[2].endPort: Invalid value: 5: may not be specified when `port` is not specified',
    ]);
  });
});

describe('PodDisruptionBudget', () => {
  it('int-or-percent checks', () => {
    expect(validateIntOrPercent('10%', 'f')).toEqual([]);
    expect(validateIntOrPercent(3, 'f')).toEqual([]);
    expect(show(validateIntOrPercent('ten', 'f'))).toEqual([
      "f: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"ten\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    ]);
  });
  it('unhealthyPodEvictionPolicy values', () => {
    const pdb = { metadata: meta, spec: { unhealthyPodEvictionPolicy: 'Sometimes' } };
    podDisruptionBudgetDef.prepareForCreate!(pdb);
    expect(show(podDisruptionBudgetDef.validate!(pdb))).toEqual([
      'spec.unhealthyPodEvictionPolicy: Unsupported value: "Sometimes": supported values: "AlwaysAllow", "IfHealthyBudget"',
    ]);
  });
  it('conditions are checked as metav1 conditions', () => {
    expect(show(validateConditions([{ type: 'A', status: 'True', reason: '1x' }, { type: 'A', status: 'True', reason: 'R', lastTransitionTime: 't' }], 's'))).toEqual([
      's[0].lastTransitionTime: Required value: must be set',
      "s[0].reason: Invalid value: \"1x\": a condition reason must start with alphabetic character, optionally followed by a string of alphanumeric characters or '_,:', and must end with an alphanumeric character or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName',  or 'ReasonA,ReasonB',  or 'ReasonA:ReasonB', regex used for validation is '[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?')",
      's[1].type: Duplicate value: "A"',
    ]);
  });
});

describe('HorizontalPodAutoscaler', () => {
  it('metric sources: the given one only, targets positive', () => {
    const hpa = {
      metadata: meta,
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'd' },
        maxReplicas: 2,
        metrics: [
          { type: 'Object', pods: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '1' } } },
          { type: 'External', external: { metric: { name: 'a/b' }, target: { type: 'Value', value: '0', averageValue: '1' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Percent' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 4000, selectPolicy: 'Random', policies: [{ type: 'Pods', value: 0, periodSeconds: 2000 }] } },
      },
    };
    expect(show(horizontalPodAutoscalerDef.validate!(hpa))).toEqual([
      'spec.metrics[0].object: Required value: must populate information for the given metric source',
      "spec.metrics[1].external.metric.name: Invalid value: \"a/b\": may not contain '/'",
      'spec.metrics[1].external.target.value: Invalid value: resource.Quantity{i:resource.int64Amount{value:0, scale:0}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"", Format:"DecimalSI"}: must be positive',
      'spec.metrics[1].external.target.value: Forbidden: may not set both a target value for metric and a per-pod target',
      'spec.metrics[2].resource.target.type: Invalid value: "Percent": must be either Utilization, Value, or AverageValue',
      'spec.metrics[2].resource.target.averageUtilization: Required value: must set either a target raw value or a target utilization',
      'spec.behavior.scaleDown.stabilizationWindowSeconds: Invalid value: 4000: must be less than or equal to 3600',
      'spec.behavior.scaleDown.selectPolicy: Unsupported value: "Random": supported values: "Disabled", "Max", "Min"',
      'spec.behavior.scaleDown.policies[0].value: Invalid value: 0: must be greater than zero',
      'spec.behavior.scaleDown.policies[0].periodSeconds: Invalid value: 2000: must be less than or equal to 1800',
    ]);
  });

  it('goQuantity renders as Go prints a parsed resource.Quantity', () => {
    expect(goQuantity('-500m')).toBe('resource.Quantity{i:resource.int64Amount{value:-500, scale:-3}, d:resource.infDecAmount{Dec:(*inf.Dec)(nil)}, s:"-500m", Format:"DecimalSI"}');
  });

  it('TARGETS: two metrics, then + N more...', () => {
    const specs = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } },
      { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
      { type: 'External', external: { metric: { name: 'q' }, target: { type: 'AverageValue', averageValue: '30' } } },
    ];
    const statuses = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 12 } } }];
    expect(formatHPAMetrics(specs, statuses)).toBe('cpu: 12%/50%, <unknown>/1k + 1 more...');
    expect(formatHPAMetrics(specs.slice(2), [])).toBe('<unknown>/30 (avg)');
    expect(formatHPAMetrics([], [])).toBe('<none>');
  });

  it('v2 -> v1 -> v2 keeps every field; status travels in annotations', () => {
    const v2 = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: {
        scaleTargetRef: { kind: 'StatefulSet', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 1,
        maxReplicas: 5,
        metrics: [
          { type: 'Object', object: { describedObject: { kind: 'Service', name: 's', apiVersion: 'v1' }, target: { type: 'Value', value: '10' }, metric: { name: 'rps' } } },
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
        ],
      },
      status: {
        currentReplicas: 2,
        desiredReplicas: 3,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageValue: '100m', averageUtilization: 40 } } }],
        conditions: [{ type: 'AbleToScale', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'Ready' }],
      },
    };
    const v1 = hpaV2ToV1(v2);
    expect(v1.spec).toEqual({ scaleTargetRef: v2.spec.scaleTargetRef, minReplicas: 1, maxReplicas: 5, targetCPUUtilizationPercentage: 70 });
    expect(v1.status).toEqual({ currentReplicas: 2, desiredReplicas: 3, currentCPUUtilizationPercentage: 40 });
    expect(v1.metadata.annotations).toEqual({
      'autoscaling.alpha.kubernetes.io/conditions': '[{"type":"AbleToScale","status":"True","lastTransitionTime":"2026-01-01T00:00:00Z","reason":"Ready"}]',
      'autoscaling.alpha.kubernetes.io/current-metrics': '[{"type":"Resource","resource":{"name":"cpu","currentAverageUtilization":40,"currentAverageValue":"100m"}}]',
      'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Object","object":{"target":{"kind":"Service","name":"s","apiVersion":"v1"},"metricName":"rps","targetValue":"10"}}]',
    });
    const back = hpaV1ToV2(v1);
    expect(back.metadata.annotations).toBeUndefined();
    expect(back.spec.metrics).toEqual(v2.spec.metrics);
    expect(back.status).toEqual(v2.status);
  });
});

describe('Ingress create and update checks differ', () => {
  const spec = (secretName: string) => ({ tls: [{ secretName }], defaultBackend: { service: { name: 'web', port: { number: 80 } } } });
  it('an update keeps an invalid TLS secret name the stored object already had, and skips the annotation check', () => {
    const old = { metadata: { ...meta, annotations: { 'kubernetes.io/ingress.class': 'a' } }, spec: spec('Bad_Name') };
    const upd = { metadata: old.metadata, spec: { ...spec('Bad_Name'), ingressClassName: 'b' } };
    expect(ingressDef.validate!(upd)).toEqual([]);
    expect(ingressDef.validateUpdate!(upd, old)).toEqual([]);
    expect(show(ingressDef.validateUpdate!({ ...upd, spec: spec('Bad_Name') }, { ...old, spec: spec('ok') }))[0]).toMatch(/^spec\.tls\[0\]\.secretName: Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain/);
    // a create checks both
    const created = { metadata: { ...old.metadata }, spec: { ...spec('Bad_Name'), ingressClassName: 'b' } };
    ingressDef.prepareForCreate!(created);
    expect(show(ingressDef.validate!(created)).map((m) => m.split(':')[0])).toEqual(['spec.tls[0].secretName', 'annotations.kubernetes.io/ingress.class']);
  });
});

describe('NetworkPolicy updates', () => {
  it('keep a CIDR the stored policy already had, even if invalid now', () => {
    const pol = (cidr: string) => ({ metadata: meta, spec: { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr } }] }] } });
    expect(networkPolicyDef.validate!(pol('10.0.0.0/40'))).toEqual([]); // not a create: validateUpdate decides
    expect(networkPolicyDef.validateUpdate!(pol('10.0.0.0/40'), pol('10.0.0.0/40'))).toEqual([]);
    expect(show(networkPolicyDef.validateUpdate!(pol('10.0.0.0/40'), pol('10.0.0.0/8')))).toEqual([
      'spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/40": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
    ]);
  });
});

describe('autoscaling/v1 annotations are encoding/json text', () => {
  it('escapes <, > and & as Go does', () => {
    const v2 = { metadata: { name: 'h' }, spec: { maxReplicas: 1, metrics: [{ type: 'External', external: { metric: { name: 'q', selector: { matchLabels: { a: 'b&c' } } }, target: { type: 'Value', value: '1' } } }] } };
    expect(hpaV2ToV1(v2).metadata.annotations['autoscaling.alpha.kubernetes.io/metrics']).toBe(
      '[{"type":"External","external":{"metricName":"q","metricSelector":{"matchLabels":{"a":"b\\u0026c"}},"targetValue":"1"}}]',
    );
  });
});

describe('HPA TARGETS by emulated version', () => {
  it('resource metrics carry their name from 1.30 on (both served versions)', async () => {
    const { allResources } = await import('../../src/resources/index.js');
    const hpa = { metadata: meta, spec: { scaleTargetRef: { kind: 'StatefulSet', name: 'web' }, minReplicas: 1, maxReplicas: 3, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: {} };
    const cell = (minor: number, version: string, o: object) => allResources(minor).find((d) => d.plural === 'horizontalpodautoscalers' && d.version === version)!.table!.row(o, now)[2];
    expect(cell(33, 'v2', hpa)).toBe('cpu: <unknown>/80%');
    expect(cell(29, 'v2', hpa)).toBe('<unknown>/80%');
    const v1 = hpaV2ToV1(hpa);
    expect(cell(33, 'v1', v1)).toBe('cpu: <unknown>/80%');
    expect(cell(29, 'v1', v1)).toBe('<unknown>/80%');
  });
});

describe('stored invalid selector values stay allowed on update', () => {
  const sel = (v: string) => ({ matchExpressions: [{ key: 'app', operator: 'In', values: [v] }] });
  it('PodDisruptionBudget', () => {
    const upd = { metadata: meta, spec: { selector: sel('bad value') } };
    expect(podDisruptionBudgetDef.validateUpdate!(upd, { metadata: meta, spec: { selector: sel('also bad!') } })).toEqual([]);
    expect(show(podDisruptionBudgetDef.validateUpdate!(upd, { metadata: meta, spec: { selector: sel('ok') } }))[0]).toMatch(
      /^spec\.selector\.matchExpressions\[0\]\.values\[0\]: Invalid value: "bad value": a valid label must be/,
    );
  });
  it('NetworkPolicy (decided by the old podSelector, for every selector)', () => {
    const pol = (v: string, peer: string) => ({ metadata: meta, spec: { podSelector: sel(v), ingress: [{ from: [{ podSelector: sel(peer) }] }] } });
    expect(networkPolicyDef.validateUpdate!(pol('x y', 'a b'), pol('bad!', 'ok'))).toEqual([]);
    expect(show(networkPolicyDef.validateUpdate!(pol('ok', 'a b'), pol('ok', 'bad!'))).map((m) => m.split(':')[0])).toEqual(['spec.ingress[0].from[0].podSelector.matchExpressions[0].values[0]']);
  });
});
