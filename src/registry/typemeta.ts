// The kind and apiVersion of a request body, as upstream's decoder judges them
// (apimachinery pkg/runtime/serializer/json/json.go Decode: both default from the URL when empty;
// versioning.go converts what was decoded into the request's type; apiserver
// pkg/endpoints/handlers/rest.go transformDecodeError words the failure; create.go / update.go
// refuse a decoded group-version that is not the request's).
import type { ResourceDef } from '../resources/types.js';
import { apiVersionOf } from '../resources/types.js';
import { badRequest, type StatusError } from './errors.js';

/** The scheme every built-in kind is registered in (pkg/api/legacyscheme/scheme.go). */
const SCHEME = 'k8s.io/kubernetes/pkg/api/legacyscheme/scheme.go:30';

/** The Go package name of a group's internal types (`core.Namespace`, `apps.StatefulSet`). */
function internalPackage(group: string): string {
  if (!group || group === 'events.k8s.io') return 'core'; // events.k8s.io/v1 Event converts to core.Event
  return group.split('.')[0];
}

const versionOf = (apiVersion: string) => apiVersion.slice(apiVersion.lastIndexOf('/') + 1);

/**
 * The 400 for a body whose (defaulted) kind / apiVersion is not the request's; undefined when
 * they match. `registered` tells whether an apiVersion + kind is a kind the server knows.
 */
export function typeMetaError(def: Pick<ResourceDef, 'group' | 'version' | 'kind'>, kind: unknown, apiVersion: unknown, registered: (apiVersion: string, kind: string) => boolean): StatusError | undefined {
  const want = apiVersionOf(def);
  const k = typeof kind === 'string' && kind !== '' ? kind : def.kind;
  const av = typeof apiVersion === 'string' && apiVersion !== '' ? apiVersion : want;
  if (k === def.kind && av === want) return undefined;
  const v = versionOf(av);
  const prefix = `${k} in version ${JSON.stringify(v)} cannot be handled as a ${def.kind}`;
  if (!registered(av, k)) return badRequest(`${prefix}: no kind ${JSON.stringify(k)} is registered for version ${JSON.stringify(av)} in scheme ${JSON.stringify(SCHEME)}`);
  if (k === def.kind) {
    // another version of the same kind decodes and converts; the handler then refuses its group-version
    return badRequest(`the API version in the data (${av}) does not match the expected API version (${want})`);
  }
  return badRequest(`${prefix}: converting (${v}.${k}) to (${internalPackage(def.group)}.${def.kind}): unknown conversion`);
}

/**
 * checkName (apiserver pkg/endpoints/handlers/rest.go): a PUT body must carry the URL's name (an
 * empty name does not match either); the namespace, when set, must be the request's.
 */
export function checkName(obj: { metadata?: { name?: unknown; namespace?: unknown } }, name: string, namespace: string): void {
  // apiserver handlers/rest.go checkName; namer.go ObjectName answers errEmptyName for no name
  const objName = typeof obj?.metadata?.name === 'string' ? obj.metadata.name : '';
  if (objName === '') throw badRequest(`the name of the object (${name} based on URL) was undeterminable: name must be provided`);
  if (objName !== name) throw badRequest(`the name of the object (${objName}) does not match the name on the URL (${name})`);
  const objNs = obj?.metadata?.namespace;
  if (namespace && typeof objNs === 'string' && objNs !== '' && objNs !== namespace)
    throw badRequest(`the namespace of the object (${objNs}) does not match the namespace on the request (${namespace})`);
}
