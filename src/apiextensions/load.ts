// The custom-resource machinery (structural schemas, CEL, printer columns, the OpenAPI builder) is
// loaded on first need, not at start-up: a server without CRDs never pays for it. It is needed by
// the first write to a CustomResourceDefinition (its validation compiles schemas and rules) and by
// the serving of a CRD (at start when some are stored, else when the first one is created).
import type * as CustomResources from './customresource.js';

let loading: Promise<typeof CustomResources> | undefined;
let loaded: typeof CustomResources | undefined;

export function loadCustomResourceSupport(): Promise<typeof CustomResources> {
  loading ??= (async () => {
    const [cr] = await Promise.all([import('./customresource.js'), import('./checkers.js')]);
    loaded = cr;
    return cr;
  })();
  return loading;
}

/** The loaded module, once loadCustomResourceSupport has resolved. */
export function customResourceSupport(): typeof CustomResources | undefined {
  return loaded;
}
