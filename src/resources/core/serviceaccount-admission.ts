// The ServiceAccount admission plugin (plugin/pkg/admission/serviceaccount/admission.go), on pod
// creates only (every writer: requests and the in-process controllers alike):
// - a pod without spec.serviceAccountName gets `default`; the account must exist, else 403
//   `error looking up service account ns/name: serviceaccount "name" not found`;
// - automountServiceAccountToken (the pod's, then the account's, default true) adds the projected
//   `kube-api-access-xxxxx` volume (token, kube-root-ca.crt, namespace) and a read-only mount at
//   /var/run/secrets/kubernetes.io/serviceaccount in every init and app container that has no
//   mount there yet (not ephemeral containers: pods cannot be created with them);
// - a pod without imagePullSecrets gets the account's;
// - an account annotated kubernetes.io/enforce-mountable-secrets=true limits the secrets the pod
//   references to the account's `secrets` (and imagePullSecrets to its imagePullSecrets);
// - mirror pods are not mutated and may reference neither accounts, secrets nor token projections.
// Upstream retries a missing `default` for ~1-2 s (the controller creates it asynchronously);
// the ServiceAccount controller here creates it in the same event-loop turn as the namespace.
import type { KObject, KindConfig } from '../types.js';
import type { Registry } from '../../registry/registry.js';
import type { Entry } from '../../storage/store.js';
import { forbidden } from '../../registry/errors.js';
import { admittedName, generateName } from '../../registry/meta.js';
import { admissionPluginEnabled } from '../../admission/plugins.js';

export const SERVICE_ACCOUNT_PLUGIN = 'ServiceAccount';
export const DEFAULT_SERVICE_ACCOUNT = 'default';
export const DEFAULT_API_TOKEN_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const SERVICE_ACCOUNT_VOLUME_PREFIX = 'kube-api-access-';
const ENFORCE_MOUNTABLE_SECRETS = 'kubernetes.io/enforce-mountable-secrets';
const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

const isObj = (v: unknown): v is KObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const objs = (v: unknown): KObject[] => arr(v).filter(isObj);

/** TokenVolumeSource: the projected volume every automounting pod gets (defaultMode set explicitly, #104464). */
export function tokenVolumeSource(): KObject {
  return {
    defaultMode: 0o644,
    sources: [
      // serviceaccount.WarnOnlyBoundTokenExpirationSeconds
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
      { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
    ],
  };
}

/** shouldAutomount: the pod's preference wins, then the account's; true by default. */
function shouldAutomount(sa: KObject, spec: KObject): boolean {
  if (typeof spec.automountServiceAccountToken === 'boolean') return spec.automountServiceAccountToken;
  if (typeof sa.automountServiceAccountToken === 'boolean') return sa.automountServiceAccountToken;
  return true;
}

/** mountServiceAccountToken */
function mountServiceAccountToken(spec: KObject): void {
  // a volume already named kube-api-access-* is the token volume
  const existing = objs(spec.volumes).find((v) => typeof v.name === 'string' && v.name.startsWith(SERVICE_ACCOUNT_VOLUME_PREFIX));
  const name: string = existing?.name ?? generateName(SERVICE_ACCOUNT_VOLUME_PREFIX);
  let needsVolume = false;
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers)]) {
    // an existing mount at the default path prevents mounting the token
    if (objs(c.volumeMounts).some((m) => m.mountPath === DEFAULT_API_TOKEN_MOUNT_PATH)) continue;
    c.volumeMounts = [...arr(c.volumeMounts), { mountPath: DEFAULT_API_TOKEN_MOUNT_PATH, name, readOnly: true }];
    needsVolume = true;
  }
  if (!existing && needsVolume) spec.volumes = [...arr(spec.volumes), { name, projected: tokenVolumeSource() }];
}

/** strconv.ParseBool's true spellings */
const parseBool = (v: unknown) => ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(String(v));

/** limitSecretReferences: the message of the first reference the account does not allow, or undefined. */
export function limitSecretReferences(sa: KObject, spec: KObject): string | undefined {
  const saName = sa.metadata?.name ?? '';
  const mountable = new Set(objs(sa.secrets).map((s) => s.name));
  for (const v of objs(spec.volumes)) {
    if (!isObj(v.secret)) continue;
    const secretName = v.secret.secretName ?? '';
    if (!mountable.has(secretName))
      return `volume with secret.secretName="${secretName}" is not allowed because service account ${saName} does not reference that secret`;
  }
  for (const [list, what] of [[spec.initContainers, 'init container'], [spec.containers, 'container']] as const) {
    for (const c of objs(list)) {
      for (const e of objs(c.env)) {
        const ref = e.valueFrom?.secretKeyRef;
        if (isObj(ref) && !mountable.has(ref.name ?? ''))
          return `${what} ${c.name ?? ''} with envVar ${e.name ?? ''} referencing secret.secretName="${ref.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
      }
      for (const e of objs(c.envFrom)) {
        if (isObj(e.secretRef) && !mountable.has(e.secretRef.name ?? ''))
          return `${what} ${c.name ?? ''} with envFrom referencing secret.secretName="${e.secretRef.name ?? ''}" is not allowed because service account ${saName} does not reference that secret`;
      }
    }
  }
  const pullSecrets = new Set(objs(sa.imagePullSecrets).map((s) => s.name));
  const refs = arr(spec.imagePullSecrets);
  for (let i = 0; i < refs.length; i++) {
    const name = isObj(refs[i]) ? (refs[i].name ?? '') : '';
    if (!pullSecrets.has(name))
      return `imagePullSecrets[${i}].name="${name}" is not allowed because service account ${saName} does not reference that imagePullSecret`;
  }
  return undefined;
}

// the secret references of VisitPodSecretNames (pkg/api/pod/util.go), all containers
const VOLUME_SECRET_REFS: [string, string][] = [
  ['azureFile', 'secretName'], ['cephfs', 'secretRef'], ['cinder', 'secretRef'], ['flexVolume', 'secretRef'], ['rbd', 'secretRef'],
  ['secret', 'secretName'], ['scaleIO', 'secretRef'], ['iscsi', 'secretRef'], ['storageos', 'secretRef'], ['csi', 'nodePublishSecretRef'],
];
function referencesSecrets(spec: KObject): boolean {
  if (objs(spec.imagePullSecrets).some((s) => s.name)) return true;
  for (const c of [...objs(spec.initContainers), ...objs(spec.containers), ...objs(spec.ephemeralContainers)]) {
    if (objs(c.envFrom).some((e) => isObj(e.secretRef) && e.secretRef.name)) return true;
    if (objs(c.env).some((e) => isObj(e.valueFrom?.secretKeyRef) && e.valueFrom.secretKeyRef.name)) return true;
  }
  for (const v of objs(spec.volumes)) {
    for (const [src, field] of VOLUME_SECRET_REFS) {
      const ref = isObj(v[src]) ? v[src][field] : undefined;
      if (typeof ref === 'string' ? ref : isObj(ref) && ref.name) return true;
    }
    if (isObj(v.projected) && objs(v.projected.sources).some((s) => isObj(s.secret) && s.secret.name)) return true;
  }
  return false;
}

/** Validate's mirror pod rules: the refusal, or undefined. */
function mirrorPodRefusal(spec: KObject): string | undefined {
  if (spec.serviceAccountName) return 'a mirror pod may not reference service accounts';
  if (referencesSecrets(spec)) return 'a mirror pod may not reference secrets';
  for (const v of objs(spec.volumes)) {
    if (isObj(v.projected) && objs(v.projected.sources).some((s) => isObj(s.serviceAccountToken)))
      return 'a mirror pod may not use ServiceAccountToken volume projections';
  }
  return undefined;
}

/** Adds the plugin to pod creates, unless --disable-admission-plugins names it. */
export function installServiceAccountAdmission(registry: Registry, config?: KindConfig): void {
  if (!admissionPluginEnabled(config, SERVICE_ACCOUNT_PLUGIN)) return;
  const podDef = registry.def('', 'pods');
  const saDef = registry.def('', 'serviceaccounts');
  if (!podDef || !saDef) return;
  // the accounts, each parsed once per stored revision (the lister's cache)
  const parsed = new WeakMap<Entry, KObject>();
  const account = (ns: string, name: string): KObject | undefined => {
    const e = registry.getEntry(saDef, ns, name);
    if (!e) return undefined;
    let sa = parsed.get(e);
    if (!sa) parsed.set(e, (sa = JSON.parse(e.json) as KObject));
    return sa;
  };
  registry.addAdmission(podDef, (op, pod, _old, opts) => {
    // pods are mutated on create only; subresources are not this plugin's (ephemeralcontainers is not served)
    if (op !== 'create' || opts.subresource) return;
    const ns = pod.metadata?.namespace;
    if (!ns) return;
    if (!isObj(pod.spec)) pod.spec = {};
    const spec = pod.spec;
    const refuse = (why: string) => forbidden(podDef, admittedName(pod.metadata), why);
    // mirror pods are not modified (the kubelet would delete them), only checked
    if (isObj(pod.metadata?.annotations) && MIRROR_POD_ANNOTATION in pod.metadata.annotations) {
      const why = mirrorPodRefusal(spec);
      if (why) throw refuse(why);
      return;
    }
    if (!spec.serviceAccountName) spec.serviceAccountName = DEFAULT_SERVICE_ACCOUNT;
    const saName = String(spec.serviceAccountName);
    const sa = account(ns, saName);
    if (!sa) throw refuse(`error looking up service account ${ns}/${saName}: serviceaccount "${saName}" not found`);
    // the deprecated alias follows (v1 conversion writes serviceAccount from serviceAccountName)
    spec.serviceAccount = saName;
    if (shouldAutomount(sa, spec)) mountServiceAccountToken(spec);
    if (arr(spec.imagePullSecrets).length === 0 && arr(sa.imagePullSecrets).length)
      spec.imagePullSecrets = objs(sa.imagePullSecrets).map((s) => ({ name: s.name ?? '' }));
    // Validate (run by Admit too): the account's mountable-secrets limit
    if (parseBool(sa.metadata?.annotations?.[ENFORCE_MOUNTABLE_SECRETS])) {
      const why = limitSecretReferences(sa, spec);
      if (why) throw refuse(why);
    }
  });
}
