// E2E: CustomResourceDefinition objects with real kubectl (1.33, 1.29): apply (client- and
// server-side), get with upstream's default table (NAME, CREATED AT), the crd/crds short names,
// and refusals worded as upstream's. Serving what a CRD defines is not part of this.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer } from '../helpers/server.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import type { KubeEmulator } from '../../src/server/app.js';

const manifest = (plural: string, extra = '') => `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: ${plural}.stable.example.com
spec:
  group: stable.example.com
  scope: Namespaced
  names:
    plural: ${plural}
    singular: ${plural.slice(0, -1)}
    kind: ${plural[0]!.toUpperCase()}${plural.slice(1, -1)}
    shortNames: [${plural.slice(0, 2)}]
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              cronSpec: {type: string}
              replicas: {type: integer}
${extra}`;

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: CustomResourceDefinition objects', ({ minor, bin }) => {
  let srv: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    srv = await startServer({ controllers: [] });
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    await srv?.close();
  });

  it('apply creates, re-apply is unchanged, get prints NAME and CREATED AT', async () => {
    expect((await k.ok(['apply', '-f', '-'], { input: manifest('crontabs') })).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com created');
    expect((await k.ok(['apply', '-f', '-'], { input: manifest('crontabs') })).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com unchanged');
    const table = (await k.ok(['get', 'crd'])).trimEnd().split('\n');
    expect(table[0]).toMatch(/^NAME\s+CREATED AT$/);
    expect(table[1]).toMatch(/^crontabs\.stable\.example\.com\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await k.ok(['get', 'crds', '-o', 'name'])).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com');
    expect(await k.ok(['get', 'customresourcedefinition', 'crontabs.stable.example.com', '-o', 'jsonpath={.status.storedVersions}'])).toBe('["v1"]');
  });

  it('a changed schema is configured and bumps the generation', async () => {
    const changed = manifest('crontabs').replace('replicas: {type: integer}', 'replicas: {type: integer}\n              image: {type: string}');
    expect((await k.ok(['apply', '-f', '-'], { input: changed })).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/crontabs.stable.example.com configured');
    expect(await k.ok(['get', 'crd', 'crontabs.stable.example.com', '-o', 'jsonpath={.metadata.generation}'])).toBe('2');
  });

  it('server-side apply', async () => {
    expect((await k.ok(['apply', '--server-side', '-f', '-'], { input: manifest('widgets') })).trim()).toBe('customresourcedefinition.apiextensions.k8s.io/widgets.stable.example.com serverside-applied');
  });

  it('refusals as upstream words them', async () => {
    const badName = manifest('gadgets').replace('name: gadgets.stable.example.com', 'name: gadget.stable.example.com');
    const r = await k.run(['apply', '-f', '-'], { input: badName });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('The CustomResourceDefinition "gadget.stable.example.com" is invalid: metadata.name: Invalid value: "gadget.stable.example.com": must be spec.names.plural+"."+spec.group');
    const ref = manifest('gadgets').replace('cronSpec: {type: string}', "cronSpec: {$ref: '#/definitions/x'}");
    const r2 = await k.run(['create', '-f', '-'], { input: ref });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toContain('The CustomResourceDefinition "gadgets.stable.example.com" is invalid: spec.validation.openAPIV3Schema.properties[spec].properties[cronSpec].$ref: Forbidden: $ref is not supported');
    const noStorage = manifest('gadgets').replace('storage: true', 'storage: false');
    const r3 = await k.run(['create', '-f', '-'], { input: noStorage });
    expect(r3.code).toBe(1);
    expect(r3.stderr).toMatch(/spec\.versions: Invalid value: .*: must have exactly one version marked as storage version/);
    expect(r3.stderr).toContain('status.storedVersions: Invalid value: []string(nil): must have at least one stored version');
  });

  it('delete', async () => {
    expect((await k.ok(['delete', 'crd', 'widgets.stable.example.com'])).trim()).toBe('customresourcedefinition.apiextensions.k8s.io "widgets.stable.example.com" deleted');
  });
});
