import { it, expect } from 'vitest';
import { startServer } from '/work/main/test/helpers/server.js';
import { bindPod } from '/work/main/src/registry/binding.js';
it('binds', async () => {
  const emu = await startServer({ controllers: [] });
  const def = emu.registry.mustDef('', 'pods');
  emu.registry.create(def, 'default', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'c', image: 'nginx' }] } });
  let err: any;
  try { bindPod(emu.registry, 'default', 'p', 'n1'); } catch (e) { err = e; }
  console.log(err?.message, JSON.stringify(emu.registry.get(def, 'default', 'p').status), emu.registry.get(def, 'default', 'p').spec.nodeName);
  await emu.close();
});
