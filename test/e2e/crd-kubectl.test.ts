// E2E: a CustomResourceDefinition and its custom resources through real kubectl 1.33 and 1.29,
// as a user of a real cluster sees them: the CRD established and discovered, printer columns,
// explain from the schema, patches, the scale and status subresources, watch, schema and CEL
// validation, pruning and defaulting, selectable fields, and the CRD's deletion taking its objects
// and its resource type along. Upstream: apiextensions-apiserver pkg/apiserver
// (customresource_handler.go, schema/, validation/), pkg/registry/customresource (strategy.go,
// validator.go, tableconvertor/), and kubectl's pkg/cmd/util/helpers.go for how errors print.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { Kubectl, availableKubectls } from '../helpers/kubectl.js';
import { startServer } from '../helpers/server.js';
import { AGE, lines, manifest, parseTable, poll } from './fixtures/util.js';

const CRD_YAML = new URL('./fixtures/crd/crontab-crd.yaml', import.meta.url).pathname;
const CRD = 'crontabs.stable.example.com';
const CRD_REF = `customresourcedefinition.apiextensions.k8s.io/${CRD}`;
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

const cronTab = (name: string, spec: string) => `apiVersion: stable.example.com/v1
kind: CronTab
metadata:
  name: ${name}
  namespace: default
spec:
${spec.replace(/^/gm, '  ')}
`;

const MY_CRON = cronTab(
  'my-cron',
  `cronSpec: "* * * * */5"
image: my-awesome-cron-image
color: red
replicas: 2
timeout: 30s
extra:
  anything: goes
  nested: {deep: 1}`,
);

let srv: KubeEmulator;
beforeAll(async () => {
  srv = await startServer({ podStages: 'fast' });
});
afterAll(async () => {
  await srv?.close();
});

describe.each(availableKubectls([33, 29]))('kubectl 1.$minor: a CustomResourceDefinition and its CronTabs', ({ minor, bin }) => {
  let k: Kubectl;
  beforeAll(() => {
    k = new Kubectl(bin, srv.url);
  });
  afterAll(async () => {
    // the next kubectl starts from no CRD
    await k?.run(['delete', 'crd', CRD, '--ignore-not-found']);
  });

  const json = async (args: string[]) => JSON.parse(await k.ok([...args, '-o', 'json']));
  /** The CronTab table of `kubectl get all` (one table per kind, blank lines between). */
  const allSection = (out: string) => {
    const section = out.split('\n\n').find((x) => x.includes('crontab.stable.example.com/'));
    expect(section, out).toBeDefined();
    return section!;
  };

  it('apply the CRD; wait --for condition=established; get crd prints NAME and CREATED AT', async () => {
    expect(await k.run(['apply', '-f', CRD_YAML])).toMatchObject({ code: 0, stdout: `${CRD_REF} created\n` });
    expect(await k.run(['wait', '--for', 'condition=established', `crd/${CRD}`, '--timeout', '10s'])).toMatchObject({ code: 0, stdout: `${CRD_REF} condition met\n` });
    const t = parseTable(await k.ok(['get', 'crd']));
    expect(t.header).toEqual(['NAME', 'CREATED AT']);
    expect(t.rows).toEqual([[CRD, expect.stringMatching(RFC3339)]]);
    const crd = await json(['get', 'crd', CRD]);
    expect(crd.status.acceptedNames).toEqual({ plural: 'crontabs', singular: 'crontab', shortNames: ['ct'], kind: 'CronTab', listKind: 'CronTabList', categories: ['all'] });
    expect(crd.status.storedVersions).toEqual(['v1']);
  });

  it('api-resources --api-group: short name, namespaced, kind; -o wide: verbs and categories', async () => {
    const t = parseTable(await k.ok(['api-resources', '--api-group', 'stable.example.com']));
    expect(t.header).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(t.rows).toEqual([['crontabs', 'ct', 'stable.example.com/v1', 'true', 'CronTab']]);
    const w = parseTable(await k.ok(['api-resources', '--api-group', 'stable.example.com', '-o', 'wide']));
    expect(w.rows).toEqual([['crontabs', 'ct', 'stable.example.com/v1', 'true', 'CronTab', 'delete,deletecollection,get,list,patch,create,update,watch', 'all']]);
  });

  it('explain crontab.spec: the schema descriptions', async () => {
    // kubectl's OpenAPI v3 explain template (pkg/explain/v2/templates/plaintext.tmpl); enums since 1.30
    const out = lines(await k.ok(['explain', 'crontab.spec']));
    expect(out.slice(0, 4)).toEqual(['GROUP:      stable.example.com', 'KIND:       CronTab', 'VERSION:    v1', 'FIELD: spec <Object>']);
    expect(out).toContain('DESCRIPTION:');
    expect(out).toContain('    The desired schedule and image of a CronTab.');
    expect(out).toContain('FIELDS:');
    const field = (name: string, type: string, ...rest: string[]) => {
      const i = out.indexOf(`  ${name}\t<${type}>`);
      expect(i, `explain lists ${name} <${type}>:\n${out.join('\n')}`).toBeGreaterThan(0);
      expect(out.slice(i + 1, i + 1 + rest.length)).toEqual(rest);
    };
    field('color', 'string', ...(minor >= 30 ? ['  enum: red, green, blue'] : []), '    The colour of the crontab.');
    field('cronSpec', 'string', '    The cron expression the job runs on.');
    field('replicas', 'integer', '    How many copies run at once.');
    field('extra', 'Object', '    Anything else, kept as written.');
  });

  it('create: x-kubernetes-int-or-string and x-kubernetes-preserve-unknown-fields keep what they hold', async () => {
    expect(await k.run(['create', '-f', manifest(`my-cron-${minor}.yaml`, MY_CRON)])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron created\n' });
    const o = await json(['get', 'crontab', 'my-cron']);
    expect(o).toMatchObject({ apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'my-cron', namespace: 'default', generation: 1 } });
    expect(o.spec).toMatchObject({ cronSpec: '* * * * */5', timeout: '30s', extra: { anything: 'goes', nested: { deep: 1 } } });
  });

  it('get prints the additionalPrinterColumns; -o wide adds the priority 1 column', async () => {
    const t = parseTable(await k.ok(['get', 'crontabs']));
    expect(t.header).toEqual(['NAME', 'SPEC', 'AGE']);
    expect(t.rows).toEqual([['my-cron', '* * * * */5', expect.stringMatching(AGE)]]);
    const w = parseTable(await k.ok(['get', 'crontab', 'my-cron', '-o', 'wide']));
    expect(w.header).toEqual(['NAME', 'SPEC', 'REPLICAS', 'AGE']);
    expect(w.rows).toEqual([['my-cron', '* * * * */5', '2', expect.stringMatching(AGE)]]);
  });

  it('get ct: the short name; get all: the category', async () => {
    const t = parseTable(await k.ok(['get', 'ct']));
    expect(t.rows.map((r) => r[0])).toEqual(['my-cron']);
    const a = parseTable(allSection(await k.ok(['get', 'all'])));
    expect(a.rows.map((r) => r[0])).toEqual(['crontab.stable.example.com/my-cron']);
  });

  it('get all: the CronTab table has its printer columns', async () => {
    const a = parseTable(allSection(await k.ok(['get', 'all'])));
    expect(a.header).toEqual(['NAME', 'SPEC', 'AGE']);
    expect(a.rows).toEqual([['crontab.stable.example.com/my-cron', '* * * * */5', expect.stringMatching(AGE)]]);
  });

  it('patch --type merge and --type json; --type strategic refused (415) as kubectl prints it', async () => {
    expect(await k.run(['patch', 'ct', 'my-cron', '--type', 'merge', '-p', '{"spec":{"image":"img-2"}}'])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron patched\n' });
    expect(await k.run(['patch', 'ct', 'my-cron', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/cronSpec","value":"*/2 * * * *"}]'])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron patched\n' });
    const o = await json(['get', 'ct', 'my-cron']);
    expect(o.spec).toMatchObject({ image: 'img-2', cronSpec: '*/2 * * * *' });
    expect(o.metadata.generation).toBe(3);
    // kubectl's default patch type is strategic; custom resources take json, merge and apply patches only
    // (customresource_handler.go supportedTypes; kubectl patch.go wraps the 415)
    const smp = `error: application/strategic-merge-patch+json is not supported by stable.example.com/v1, Kind=CronTab: the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml\n`;
    expect(await k.run(['patch', 'ct', 'my-cron', '--type', 'strategic', '-p', '{"spec":{"image":"img-3"}}'])).toMatchObject({ code: 1, stderr: smp });
    expect(await k.run(['patch', 'ct', 'my-cron', '-p', '{"spec":{"image":"img-3"}}'])).toMatchObject({ code: 1, stderr: smp });
  });

  it('apply --server-side: the field manager owns the fields it applied', async () => {
    const path = manifest(`ssa-${minor}.yaml`, cronTab('ssa-cron', 'cronSpec: "0 * * * *"\nimage: first\ncolor: blue'));
    expect(await k.run(['apply', '--server-side', '--field-manager', 'crontab-operator', '-f', path])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/ssa-cron serverside-applied\n' });
    const again = manifest(`ssa-${minor}-2.yaml`, cronTab('ssa-cron', 'cronSpec: "0 * * * *"\nimage: second\ncolor: blue'));
    expect(await k.run(['apply', '--server-side', '--field-manager', 'crontab-operator', '-f', again])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/ssa-cron serverside-applied\n' });
    const o = await json(['get', 'ct', 'ssa-cron', '--show-managed-fields']);
    expect(o.spec).toMatchObject({ cronSpec: '0 * * * *', image: 'second', color: 'blue' });
    expect(o.metadata.managedFields.map((f: any) => [f.manager, f.operation, f.apiVersion])).toEqual([['crontab-operator', 'Apply', 'stable.example.com/v1']]);
    expect(o.metadata.managedFields[0].fieldsV1).toEqual({ 'f:spec': { 'f:color': {}, 'f:cronSpec': {}, 'f:image': {} } });
  });

  it('scale ct/my-cron --replicas 3; get --subresource scale; patch --subresource status', async () => {
    expect(await k.run(['scale', 'ct/my-cron', '--replicas', '3'])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron scaled\n' });
    expect((await json(['get', 'ct', 'my-cron'])).spec.replicas).toBe(3);
    // the scale subresource's columns (apiextensions-apiserver pkg/apiserver/helpers.go getScaleColumnsForVersion)
    const t = parseTable(await k.ok(['get', 'ct', 'my-cron', '--subresource', 'scale']));
    expect(t.header).toEqual(['NAME', 'DESIRED', 'AVAILABLE', 'AGE']);
    expect(t.rows).toEqual([['my-cron', '3', '0', expect.stringMatching(AGE)]]);
    expect(await k.run(['patch', 'ct', 'my-cron', '--subresource', 'status', '--type', 'merge', '-p', '{"status":{"replicas":3,"labelSelector":"app=cron"}}'])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron patched\n' });
    const scale = await json(['get', 'ct', 'my-cron', '--subresource', 'scale']);
    expect(scale).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'my-cron', namespace: 'default' }, spec: { replicas: 3 }, status: { replicas: 3, selector: 'app=cron' } });
    // status through the main resource is ignored: kubectl sees nothing change
    expect(await k.run(['patch', 'ct', 'my-cron', '--type', 'merge', '-p', '{"status":{"replicas":9}}'])).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/my-cron patched (no change)\n' });
    expect((await json(['get', 'ct', 'my-cron'])).status).toEqual({ replicas: 3, labelSelector: 'app=cron' });
  });

  let watched = '';
  it('get -w sees an update', async () => {
    const child = spawn(k.bin, ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, 'get', 'ct', 'my-cron', '-w'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    try {
      await poll(() => lines(out).length >= 2, `the first rows of get -w:\n${out}`);
      // a change of the CRD (its kinds are rebuilt) leaves the watch open
      await k.ok(['label', 'crd', CRD, 'touched=yes']);
      await k.ok(['patch', 'ct', 'my-cron', '--type', 'merge', '-p', '{"spec":{"cronSpec":"*/7 * * * *"}}']);
      await poll(() => lines(out).length >= 3, `the watch row of the update:\n${out}`);
    } finally {
      child.kill();
    }
    watched = out;
    expect(parseTable(out).rows.map((r) => r[0])).toEqual(['my-cron', 'my-cron']);
  });

  it('get -w: the rows carry the printer columns', () => {
    const t = parseTable(watched);
    expect(t.header).toEqual(['NAME', 'SPEC', 'AGE']);
    expect(t.rows.map((r) => r.slice(0, 2))).toEqual([
      ['my-cron', '*/2 * * * *'],
      ['my-cron', '*/7 * * * *'],
    ]);
  });

  it('schema validation refuses with upstream wording: enum, minimum', async () => {
    // enum: NotSupported, which keeps the CEL rules from running (strategy.go hasBlockingErr: a
    // cause with a nil path, which field.Path prints as <nil>)
    const e = await k.run(['create', '-f', manifest(`bad-enum-${minor}.yaml`, cronTab('bad-enum', 'cronSpec: x\ncolor: purple'))]);
    expect(e).toMatchObject({ code: 1, stdout: '' });
    expect(e.stderr).toBe(
      'The CronTab "bad-enum" is invalid: \n' +
        '* spec.color: Unsupported value: "purple": supported values: "red", "green", "blue"\n' +
        '* <nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation\n',
    );
    const m = await k.run(['create', '-f', manifest(`bad-min-${minor}.yaml`, cronTab('bad-min', 'cronSpec: x\nreplicas: -1'))]);
    expect(m).toMatchObject({ code: 1, stdout: '', stderr: 'The CronTab "bad-min" is invalid: spec.replicas: Invalid value: -1: spec.replicas in body should be greater than or equal to 0\n' });
    expect((await k.run(['get', 'ct', 'bad-enum', 'bad-min', '-o', 'name'])).stdout).toBe('');
  });

  it('a CEL rule (x-kubernetes-validations) refuses with its message, on create and on update', async () => {
    const c = await k.run(['create', '-f', manifest(`bad-cel-${minor}.yaml`, cronTab('bad-cel', 'cronSpec: x\nreplicas: 20\nmaxReplicas: 10'))]);
    expect(c).toMatchObject({ code: 1, stdout: '', stderr: 'The CronTab "bad-cel" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas\n' });
    // and on update (scale is an update of spec.replicas)
    const s = await k.run(['patch', 'ct', 'my-cron', '--type', 'merge', '-p', '{"spec":{"replicas":11}}']);
    expect(s).toMatchObject({ code: 1, stderr: 'The CronTab "my-cron" is invalid: spec: Invalid value: "object": replicas must not exceed maxReplicas\n' });
    expect((await k.run(['get', 'ct', 'bad-cel', '-o', 'name'])).stdout).toBe('');
  });

  it('an unknown field: pruned with a warning (--validate=warn), refused with --validate=strict', async () => {
    const text = cronTab('unknown', 'cronSpec: x\nfoo: bar\nextra:\n  foo: kept');
    const strict = await k.run(['create', '--validate=strict', '-f', manifest(`unknown-${minor}.yaml`, text)]);
    expect(strict).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `Error from server (BadRequest): error when creating "${manifest(`unknown-${minor}.yaml`, text)}": CronTab in version "v1" cannot be handled as a CronTab: strict decoding error: unknown field "spec.foo"\n`,
    });
    const warn = await k.run(['create', '--validate=warn', '-f', manifest(`unknown-${minor}.yaml`, text)]);
    expect(warn).toMatchObject({ code: 0, stdout: 'crontab.stable.example.com/unknown created\n', stderr: 'Warning: unknown field "spec.foo"\n' });
    const o = await json(['get', 'ct', 'unknown']);
    expect(o.spec.foo).toBeUndefined();
    expect(o.spec.extra).toEqual({ foo: 'kept' });
  });

  it('defaults are applied', async () => {
    await k.ok(['create', '-f', manifest(`defaulted-${minor}.yaml`, cronTab('defaulted', 'cronSpec: x\ntimeout: 30'))]);
    const o = await json(['get', 'ct', 'defaulted']);
    expect(o.spec).toEqual({ cronSpec: 'x', timeout: 30, color: 'green', replicas: 1, maxReplicas: 10 });
  });

  it('get --field-selector on a selectable field; other fields are refused', async () => {
    expect(await k.ok(['get', 'ct', '--field-selector', 'spec.color=red', '-o', 'name'])).toBe('crontab.stable.example.com/my-cron\n');
    expect(await k.ok(['get', 'ct', '--field-selector', 'spec.color=blue,metadata.namespace=default', '-o', 'name'])).toBe('crontab.stable.example.com/ssa-cron\n');
    const bad = await k.run(['get', 'ct', '--field-selector', 'spec.image=img-2']);
    expect(bad).toMatchObject({
      code: 1,
      stderr: 'Error from server (BadRequest): Unable to find "stable.example.com/v1, Resource=crontabs" that match label selector "", field selector "spec.image=img-2": field label not supported: spec.image\n',
    });
  });

  it('get --field-selector spec.color!=red: the valid, defaulted CronTabs', async () => {
    // the invalid ones were refused; "unknown" and "defaulted" have the default color
    expect(await k.ok(['get', 'ct', '--field-selector', 'spec.color!=red', '-o', 'name'])).toBe('crontab.stable.example.com/defaulted\ncrontab.stable.example.com/ssa-cron\ncrontab.stable.example.com/unknown\n');
    expect(await k.ok(['get', 'ct', '--field-selector', 'spec.color=green', '-o', 'name'])).toBe('crontab.stable.example.com/defaulted\ncrontab.stable.example.com/unknown\n');
  });

  it('delete the CRD: its objects and its resource type go; a watch sees them deleted and ends', async () => {
    const names = lines(await k.ok(['get', 'ct', '-o', 'name'])).map((n) => n.replace('crontab.stable.example.com/', ''));
    expect(names.length).toBeGreaterThan(2);
    const child = spawn(k.bin, ['--kubeconfig', k.kubeconfig, '--cache-dir', k.cacheDir, 'get', 'ct', '-w', '--output-watch-events'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let exit: number | null | undefined;
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (out += String(d)));
    child.on('exit', (code) => (exit = code));
    try {
      await poll(() => lines(out).length > names.length, `the ADDED rows of get -w:\n${out}`);
      expect(await k.run(['delete', 'crd', CRD])).toMatchObject({ code: 0, stdout: `customresourcedefinition.apiextensions.k8s.io "${CRD}" deleted\n` });
      // the CRD's storage torn down ends the watch (customresource_handler.go tearDown); kubectl get -w then exits 0
      await poll(() => exit !== undefined, `get -w to end:\n${out}`);
    } finally {
      child.kill();
    }
    expect(exit).toBe(0);
    const t = parseTable(out);
    expect(t.header[0]).toBe('EVENT');
    const events = (type: string) => t.rows.filter((r) => r[0] === type).map((r) => r[1]).sort();
    expect(events('ADDED')).toEqual([...names].sort());
    expect(events('DELETED')).toEqual([...names].sort());
    expect(await k.run(['get', 'crd', CRD])).toMatchObject({ code: 1, stderr: `Error from server (NotFound): customresourcedefinitions.apiextensions.k8s.io "${CRD}" not found\n` });
    // api-resources reads discovery afresh (and refreshes kubectl's cache)
    expect(lines(await k.ok(['api-resources', '--api-group', 'stable.example.com']))).toEqual(['NAME   SHORTNAMES   APIVERSION   NAMESPACED   KIND']);
    expect(await k.run(['get', 'crontabs'])).toMatchObject({ code: 1, stdout: '', stderr: 'error: the server doesn\'t have a resource type "crontabs"\n' });
  });

  it('apply of a file holding a CRD and a CronTab: no matches for the CronTab at first, a second apply works', async () => {
    const path = manifest(`mixed-${minor}.yaml`, `${readFileSync(CRD_YAML, 'utf8')}---\n${MY_CRON}`);
    // kubectl maps every object of the file before it applies any (apply.go GetObjects)
    const first = await k.run(['apply', '-f', path]);
    expect(first).toMatchObject({
      code: 1,
      stdout: `${CRD_REF} created\n`,
      stderr: `error: resource mapping not found for name: "my-cron" namespace: "default" from "${path}": no matches for kind "CronTab" in version "stable.example.com/v1"\nensure CRDs are installed first\n`,
    });
    const second = await k.run(['apply', '-f', path]);
    expect(second).toMatchObject({ code: 0, stdout: `${CRD_REF} unchanged\ncrontab.stable.example.com/my-cron created\n` });
    // the CronTabs of the deleted CRD are gone
    expect(await k.ok(['get', 'ct', '-o', 'name'])).toBe('crontab.stable.example.com/my-cron\n');
    const o = await json(['get', 'ct', 'my-cron']);
    expect(o.metadata.generation).toBe(1);
    expect(o.status).toBeUndefined();
  });

  it('apply -f of an unknown kind: no matches for kind (not "failed to check CRD")', async () => {
    const path = manifest(`widget-${minor}.yaml`, 'apiVersion: nope.example.com/v1\nkind: Widget\nmetadata:\n  name: w\n');
    expect(await k.run(['apply', '-f', path])).toMatchObject({
      code: 1,
      stdout: '',
      stderr: `error: resource mapping not found for name: "w" namespace: "" from "${path}": no matches for kind "Widget" in version "nope.example.com/v1"\nensure CRDs are installed first\n`,
    });
  });
});
