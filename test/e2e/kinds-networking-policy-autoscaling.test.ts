// E2E with real kubectl: Ingress, IngressClass, NetworkPolicy, PodDisruptionBudget and
// HorizontalPodAutoscaler (v2, and v1 through `kubectl autoscale` of kubectl 1.29) applied from a
// manifest, printed with upstream's columns, invalid objects refused in upstream's words, and the
// `kubectl create ingress` / `create pdb` generators.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { AGE, CORE_ONLY, lines, parseTable } from './fixtures/util.js';

const MANIFEST = new URL('./fixtures/kinds/networking-policy-autoscaling.yaml', import.meta.url).pathname;
const INVALID = new URL('./fixtures/kinds/invalid.yaml', import.meta.url).pathname;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: networking, policy and autoscaling kinds', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer(CORE_ONLY);
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('api-versions lists autoscaling/v1 and v2; api-resources the short names', async () => {
    const versions = lines(await k.ok(['api-versions']));
    expect(versions).toEqual(expect.arrayContaining(['autoscaling/v1', 'autoscaling/v2', 'networking.k8s.io/v1', 'policy/v1']));
    const t = parseTable(await k.ok(['api-resources', '--api-group=networking.k8s.io']));
    expect(t.rows).toEqual([
      ['ingressclasses', '', 'networking.k8s.io/v1', 'false', 'IngressClass'],
      ['ingresses', 'ing', 'networking.k8s.io/v1', 'true', 'Ingress'],
      ['networkpolicies', 'netpol', 'networking.k8s.io/v1', 'true', 'NetworkPolicy'],
    ]);
    const hpa = parseTable(await k.ok(['api-resources', '--api-group=autoscaling']));
    expect(hpa.rows).toEqual([['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler']]);
  });

  it('apply -f: one object of each kind', async () => {
    expect(lines(await k.ok(['apply', '-f', MANIFEST]))).toEqual([
      'statefulset.apps/web created',
      'ingressclass.networking.k8s.io/nginx created',
      'ingress.networking.k8s.io/web created',
      'networkpolicy.networking.k8s.io/deny-all created',
      'poddisruptionbudget.policy/web created',
      'horizontalpodautoscaler.autoscaling/web2 created',
    ]);
  });

  it('apply --server-side creates the same objects (a second namespace)', async () => {
    await k.ok(['create', 'ns', 'ssa']);
    const out = lines(await k.ok(['apply', '--server-side', '-n', 'ssa', '-f', MANIFEST]));
    expect(out).toContain('horizontalpodautoscaler.autoscaling/web2 serverside-applied');
    const pdb = JSON.parse(await k.ok(['get', 'pdb', 'web', '-n', 'ssa', '-o', 'json']));
    expect(pdb.status).toEqual({ disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 });
    expect(pdb.metadata.generation).toBe(1);
    const ing = JSON.parse(await k.ok(['get', 'ing', 'web', '-n', 'ssa', '-o', 'json']));
    expect(ing.status).toEqual({ loadBalancer: {} });
    expect(ing.spec.ingressClassName).toBe('nginx');
    const hpa = JSON.parse(await k.ok(['get', 'hpa', 'web2', '-n', 'ssa', '-o', 'json', '--show-managed-fields']));
    expect(hpa.status).toEqual({ desiredReplicas: 0, currentMetrics: null });
    expect(hpa.metadata.managedFields.map((m: any) => [m.manager, m.operation, m.apiVersion])).toEqual([['kubectl', 'Apply', 'autoscaling/v2']]);
    await k.ok(['delete', 'ns', 'ssa', '--wait=false']);
  });

  it('get: upstream columns and cells', async () => {
    const ic = parseTable(await k.ok(['get', 'ingressclass']));
    expect(ic.header).toEqual(['NAME', 'CONTROLLER', 'PARAMETERS', 'AGE']);
    expect(ic.rows).toEqual([['nginx', 'k8s.io/ingress-nginx', '<none>', expect.stringMatching(AGE)]]);
    // the Ingress was created without a class: DefaultIngressClass gave it the default one
    const ing = parseTable(await k.ok(['get', 'ing', '-o', 'wide']));
    expect(ing.header).toEqual(['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']);
    expect(ing.rows).toEqual([['web', 'nginx', 'web.example.com', '', '80, 443', expect.stringMatching(AGE)]]);
    const np = parseTable(await k.ok(['get', 'netpol']));
    expect(np.header).toEqual(['NAME', 'POD-SELECTOR', 'AGE']);
    expect(np.rows).toEqual([['deny-all', '<none>', expect.stringMatching(AGE)]]);
    const pdb = parseTable(await k.ok(['get', 'pdb']));
    expect(pdb.header).toEqual(['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']);
    expect(pdb.rows).toEqual([['web', '1', 'N/A', '0', expect.stringMatching(AGE)]]);
    const hpa = parseTable(await k.ok(['get', 'hpa']));
    expect(hpa.header).toEqual(['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']);
    expect(hpa.rows).toEqual([['web2', 'StatefulSet/web', 'memory: <unknown>/100Mi', '1', '5', '0', expect.stringMatching(AGE)]]);
  });

  it('invalid objects are refused with upstream messages', async () => {
    const r = await k.run(['create', '-f', INVALID]);
    expect(r.code).toBe(1);
    const e = (s: string) => `Error from server (Invalid): error when creating "${INVALID}": ${s}`;
    expect(lines(r.stderr)).toEqual([
      e('Ingress.networking.k8s.io "bad" is invalid: spec: Invalid value: []networking.IngressRule(nil): either `defaultBackend` or `rules` must be specified'),
      e('IngressClass.networking.k8s.io "bad" is invalid: spec.controller: Invalid value: "nginx": must be a domain-prefixed path (such as "acme.io/foo")'),
      e('NetworkPolicy.networking.k8s.io "bad" is invalid: spec.policyTypes[0]: Unsupported value: "Sideways": supported values: "Ingress", "Egress"'),
      e('PodDisruptionBudget.policy "bad" is invalid: spec.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%'),
      e('HorizontalPodAutoscaler.autoscaling "bad" is invalid: spec.maxReplicas: Invalid value: 2: must be greater than or equal to `minReplicas`'),
    ]);
  });

  it('kubectl autoscale: autoscaling/v1 up to kubectl 1.32, v2 from 1.33; get hpa reads it either way', async () => {
    const r = await k.run(['autoscale', 'statefulset', 'web', '--max', '3', '-v=6']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('horizontalpodautoscaler.autoscaling/web autoscaled\n');
    expect(r.stderr).toContain(`/apis/autoscaling/${minor >= 33 ? 'v2' : 'v1'}/namespaces/default/horizontalpodautoscalers?fieldManager=kubectl-autoscale`);
    const hpa = parseTable(await k.ok(['get', 'hpa', 'web']));
    expect(hpa.rows).toEqual([['web', 'StatefulSet/web', 'cpu: <unknown>/80%', '1', '3', '0', expect.stringMatching(AGE)]]);
    const v2 = JSON.parse(await k.ok(['get', 'hpa', 'web', '-o', 'json']));
    expect(v2.apiVersion).toBe('autoscaling/v2');
    expect(v2.spec.metrics).toEqual([{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
    const v1 = JSON.parse(await k.ok(['get', '--raw', '/apis/autoscaling/v1/namespaces/default/horizontalpodautoscalers/web']));
    expect(v1.spec).toEqual({ scaleTargetRef: { kind: 'StatefulSet', name: 'web', apiVersion: 'apps/v1' }, minReplicas: 1, maxReplicas: 3, targetCPUUtilizationPercentage: 80 });
    expect(v1.metadata.uid).toBe(v2.metadata.uid);
  });

  it('kubectl create ingress and create pdb', async () => {
    expect(await k.ok(['create', 'ingress', 'simple', '--rule=foo.com/bar=svc1:8080,tls=my-cert'])).toBe('ingress.networking.k8s.io/simple created\n');
    expect(await k.ok(['create', 'pdb', 'my-pdb', '--selector=app=rails', '--max-unavailable=50%'])).toBe('poddisruptionbudget.policy/my-pdb created\n');
    const ing = JSON.parse(await k.ok(['get', 'ing', 'simple', '-o', 'json']));
    expect(ing.spec).toEqual({
      ingressClassName: 'nginx',
      rules: [{ host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'svc1', port: { number: 8080 } } } }] } }],
      tls: [{ hosts: ['foo.com'], secretName: 'my-cert' }],
    });
    const pdb = parseTable(await k.ok(['get', 'pdb', 'my-pdb']));
    expect(pdb.rows).toEqual([['my-pdb', 'N/A', '50%', '0', expect.stringMatching(AGE)]]);
    const bad = await k.run(['create', 'pdb', 'p', '--selector=app=x', '--min-available=101%']);
    expect(bad.stderr).toBe('error: failed to create poddisruptionbudgets: PodDisruptionBudget.policy "p" is invalid: spec.minAvailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"101%"}: must not be greater than 100%\n');
  });
});
