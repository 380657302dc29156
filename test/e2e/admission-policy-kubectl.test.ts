// E2E: a ValidatingAdmissionPolicy and its binding applied with real kubectl, then a Deployment
// refused with the policy's message, as kubectl prints it (kubectl's pkg/cmd/util/helpers.go), and a
// Warn binding's Warning header printed by kubectl.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';

const POLICY = `apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicy
metadata:
  name: demo-policy.example.com
spec:
  failurePolicy: Fail
  matchConstraints:
    resourceRules:
    - apiGroups: ["apps"]
      apiVersions: ["v1"]
      operations: ["CREATE", "UPDATE"]
      resources: ["deployments"]
  validations:
  - expression: "object.spec.replicas <= 5"
    message: "replicas must be no greater than 5"
---
apiVersion: admissionregistration.k8s.io/v1
kind: ValidatingAdmissionPolicyBinding
metadata:
  name: demo-binding-test.example.com
spec:
  policyName: demo-policy.example.com
  validationActions: [Deny]
`;

const deployment = (name: string, replicas: number) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  namespace: default
spec:
  replicas: ${replicas}
  selector:
    matchLabels: {app: ${name}}
  template:
    metadata:
      labels: {app: ${name}}
    spec:
      containers:
      - name: c
        image: nginx
`;

let srv: KubeEmulator;
beforeAll(async () => {
  srv = await startServer({ podStages: 'fast' });
});
afterAll(async () => {
  await srv?.close();
});

describe.each(availableKubectls([33]))('kubectl 1.$minor: ValidatingAdmissionPolicy', ({ bin }) => {
  it('applies a policy and a binding, then refuses a Deployment with the message', async () => {
    const k = new Kubectl(bin, srv.url);
    const out = await k.ok(['apply', '-f', '-'], { input: POLICY });
    expect(out).toContain('validatingadmissionpolicy.admissionregistration.k8s.io/demo-policy.example.com created');
    expect(out).toContain('validatingadmissionpolicybinding.admissionregistration.k8s.io/demo-binding-test.example.com created');
    const table = await k.ok(['get', 'validatingadmissionpolicies']);
    expect(table.split('\n')[0]).toMatch(/^NAME\s+VALIDATIONS\s+PARAMKIND\s+AGE$/);
    expect(table).toMatch(/demo-policy\.example\.com\s+1\s+<unset>/);
    const r = await k.run(['apply', '-f', '-'], { input: deployment('too-big', 10) });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(
      `The deployments "too-big" is invalid: : ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com' denied request: replicas must be no greater than 5`,
    );
    await k.ok(['apply', '-f', '-'], { input: deployment('small', 2) });
  });

  it('prints a Warn binding\'s warning', async () => {
    const k = new Kubectl(bin, srv.url);
    await k.ok(['patch', 'validatingadmissionpolicybinding', 'demo-binding-test.example.com', '--type=merge', '-p', '{"spec":{"validationActions":["Warn"]}}']);
    const r = await k.run(['create', '-f', '-'], { input: deployment('warned', 7) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Warning: Validation failed for ValidatingAdmissionPolicy 'demo-policy.example.com' with binding 'demo-binding-test.example.com': replicas must be no greater than 5`);
  });
});
