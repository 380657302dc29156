// E2E: kubectl explain shows field descriptions. They come from the description table the build
// derives from the kubernetes-types dependency (scripts/gen-descriptions.mjs); this test derives
// the table itself at test time (no description text is written in this file) and serves it.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setDescriptionTable, type DescriptionTable } from '../../src/schema/descriptions.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { availableKubectls, Kubectl } from '../helpers/kubectl.js';
import { REPO_ROOT } from '../helpers/paths.js';
import { startServer } from '../helpers/server.js';

function tableFromDependency(): DescriptionTable {
  const out = join(mkdtempSync(join(tmpdir(), 'descriptions-')), 'table.json');
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'gen-descriptions.mjs'), '--out', out], { stdio: 'ignore' });
  return JSON.parse(readFileSync(out, 'utf8')) as DescriptionTable;
}

/** Words as kubectl prints them, wrapped and indented: compare with whitespace collapsed. */
const words = (s: string) => s.replace(/\s+/g, ' ').trim();

const table = tableFromDependency();
const CONTAINERS = table.definitions['io.k8s.api.core.v1.PodSpec'].properties!.containers;
const CONTAINER = table.definitions['io.k8s.api.core.v1.Container'].description!;
const IMAGE = table.definitions['io.k8s.api.core.v1.Container'].properties!.image;
const SPEC = table.definitions['io.k8s.api.core.v1.Pod'].properties!.spec;

// kubectl 1.33 explains from /openapi/v3; 1.27's plaintext-openapiv2 output reads /openapi/v2 (protobuf)
const cases = availableKubectls([33, 27]).flatMap(({ minor, bin }) =>
  minor === 27 ? [{ minor, bin, how: 'v2', extra: ['--output', 'plaintext-openapiv2'] }, { minor, bin, how: 'v3', extra: [] }] : [{ minor, bin, how: 'v3', extra: [] }],
);

describe.each(cases)('kubectl 1.$minor explain ($how)', ({ bin, extra }) => {
  let emu: KubeEmulator;
  let k: Kubectl;
  beforeAll(async () => {
    setDescriptionTable(table);
    emu = await startServer();
    k = new Kubectl(bin, emu.url);
  });
  afterAll(async () => {
    await emu?.close();
  });

  it('pod.spec.containers: the field, its type and its fields are described', async () => {
    for (const text of [CONTAINERS, CONTAINER, IMAGE]) expect(text.length).toBeGreaterThan(20);
    const out = await k.ok(['explain', 'pod.spec.containers', ...extra]);
    // only fields newer than the dependency's Kubernetes version go without a text
    const undescribed = [...out.matchAll(/^ {2,3}(\w+)\t<[^>]+>( -required-)?\n +<no description>$/gm)].map((m) => m[1]);
    const known = Object.keys(table.definitions['io.k8s.api.core.v1.Container'].properties!);
    expect(known.filter((f) => undescribed.includes(f))).toEqual([]);
    expect(undescribed.length).toBeLessThan(known.length / 4);
    const flat = words(out);
    expect(flat).toContain(words(CONTAINERS));
    expect(flat).toContain(words(CONTAINER));
    expect(flat).toContain(words(IMAGE));
  });

  it('pod: a $ref field (spec) carries its description', async () => {
    const out = await k.ok(['explain', 'pod', ...extra]);
    expect(out).not.toContain('<no description>');
    expect(words(out)).toContain(words(SPEC));
  });
});
