// A container's environment as the kubelet builds it (pkg/kubelet/kubelet_pods.go
// makeEnvironmentVariables, pkg/kubelet/envvars/envvars.go): the image's ENV, envFrom and env
// ($(VAR) references expanded), the service link variables, HOSTNAME, PATH and HOME.
import type { KObject } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import { podFieldValue, resourceFieldValue } from './volumes.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** third_party/forked/golang/expansion: `$(VAR)` from the map (left as is when unknown), `$$` -> `$`. */
export function expand(input: string, lookup: (name: string) => string | undefined): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    const ch = input[i];
    if (ch !== '$' || i + 1 >= input.length) {
      out += ch;
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i++;
      continue;
    }
    if (next === '(') {
      const end = input.indexOf(')', i + 2);
      if (end < 0) {
        out += input.slice(i);
        break;
      }
      const name = input.slice(i + 2, end);
      const v = lookup(name);
      out += v === undefined ? `$(${name})` : v;
      i = end;
      continue;
    }
    out += ch;
  }
  return out;
}

const envName = (s: string) => s.toUpperCase().replace(/-/g, '_');
const isServiceIPSet = (svc: KObject) => !!svc.spec?.clusterIP && svc.spec.clusterIP !== 'None';

/** envvars.go FromServices: FOO_SERVICE_HOST, FOO_SERVICE_PORT(_NAME), FOO_PORT(_80_TCP(_PROTO|_PORT|_ADDR)). */
export function serviceLinkVars(services: KObject[]): [string, string][] {
  const out: [string, string][] = [];
  for (const svc of services) {
    if (!isServiceIPSet(svc)) continue;
    const ports = arr(svc.spec?.ports).filter((p) => typeof p?.port === 'number');
    if (!ports.length) continue;
    const prefix = envName(String(svc.metadata?.name ?? ''));
    const ip = String(svc.spec.clusterIP);
    out.push([`${prefix}_SERVICE_HOST`, ip]);
    out.push([`${prefix}_SERVICE_PORT`, String(ports[0].port)]);
    for (const p of ports) if (p.name) out.push([`${prefix}_SERVICE_PORT_${envName(String(p.name))}`, String(p.port)]);
    ports.forEach((p, i) => {
      const proto = String(p.protocol || 'TCP');
      const hostPort = ip.includes(':') ? `[${ip}]:${p.port}` : `${ip}:${p.port}`;
      if (i === 0) out.push([`${prefix}_PORT`, `${proto.toLowerCase()}://${hostPort}`]);
      const pp = `${prefix}_PORT_${p.port}_${proto.toUpperCase()}`;
      out.push([pp, `${proto.toLowerCase()}://${hostPort}`]);
      out.push([`${pp}_PROTO`, proto.toLowerCase()]);
      out.push([`${pp}_PORT`, String(p.port)]);
      out.push([`${pp}_ADDR`, ip]);
    });
  }
  return out;
}

export interface EnvSources {
  registry: Registry;
  /** services of a namespace (the informer's cache) */
  services(namespace: string): KObject[];
  node?: KObject;
  /** problems found (a missing ConfigMap key): the kubelet would not start the container */
  warn?(msg: string): void;
}

/** The services whose link variables a pod gets (getServiceEnvVarMap). */
function linkedServices(pod: KObject, src: EnvSources): KObject[] {
  const ns = pod.metadata?.namespace;
  const byName = new Map<string, KObject>();
  const links = pod.spec?.enableServiceLinks !== false;
  const master = src.services('default').find((s) => s.metadata?.name === 'kubernetes');
  if (links) for (const s of src.services(ns)) byName.set(s.metadata.name, s);
  if (master && !byName.has('kubernetes')) byName.set('kubernetes', master);
  return [...byName.values()];
}

/** The container's environment (insertion order: what `env` prints). */
export function containerEnv(pod: KObject, container: KObject, imageEnv: Record<string, string>, hostname: string, src: EnvSources): Record<string, string> {
  const ns = pod.metadata?.namespace;
  const get = (plural: string, name: unknown) => {
    const def = src.registry.def('', plural);
    return def && typeof name === 'string' ? src.registry.tryGet(def, ns, name) : undefined;
  };
  const warn = (m: string) => src.warn?.(m);
  const serviceEnv = new Map(serviceLinkVars(linkedServices(pod, src)));
  const own = new Map<string, string>();
  for (const from of arr(container.envFrom)) {
    if (!isObj(from)) continue;
    const prefix = typeof from.prefix === 'string' ? from.prefix : '';
    if (isObj(from.configMapRef)) {
      const cm = get('configmaps', from.configMapRef.name);
      if (!cm && !from.configMapRef.optional) warn(`configmap "${from.configMapRef.name}" not found`);
      for (const [k, v] of Object.entries(cm?.data ?? {})) own.set(prefix + k, String(v));
    } else if (isObj(from.secretRef)) {
      const s = get('secrets', from.secretRef.name);
      if (!s && !from.secretRef.optional) warn(`secret "${from.secretRef.name}" not found`);
      for (const [k, v] of Object.entries(s?.data ?? {})) own.set(prefix + k, Buffer.from(String(v), 'base64').toString());
    }
  }
  for (const e of arr(container.env)) {
    if (!isObj(e) || typeof e.name !== 'string' || !e.name) continue;
    let value: string | undefined;
    if (typeof e.value === 'string') value = expand(e.value, (n) => own.get(n) ?? serviceEnv.get(n));
    else if (isObj(e.valueFrom)) {
      const vf = e.valueFrom;
      if (isObj(vf.fieldRef)) value = podFieldValue(pod, String(vf.fieldRef.fieldPath ?? ''));
      else if (isObj(vf.resourceFieldRef)) value = resourceFieldValue(pod, vf.resourceFieldRef.containerName || container.name, vf.resourceFieldRef, src.node);
      else if (isObj(vf.configMapKeyRef)) {
        const r = vf.configMapKeyRef;
        const cm = get('configmaps', r.name);
        value = cm?.data?.[r.key] ?? (cm?.binaryData?.[r.key] !== undefined ? Buffer.from(String(cm.binaryData[r.key]), 'base64').toString() : undefined);
        if (value === undefined && !r.optional) warn(`couldn't find key ${r.key} in ConfigMap ${ns}/${r.name}`);
      } else if (isObj(vf.secretKeyRef)) {
        const r = vf.secretKeyRef;
        const s = get('secrets', r.name);
        const raw = s?.data?.[r.key];
        value = raw !== undefined ? Buffer.from(String(raw), 'base64').toString() : undefined;
        if (value === undefined && !r.optional) warn(`couldn't find key ${r.key} in Secret ${ns}/${r.name}`);
      }
    } else value = '';
    if (value === undefined) continue;
    own.set(e.name, value);
  }
  const env: Record<string, string> = {};
  env.PATH = imageEnv.PATH ?? DEFAULT_PATH;
  env.HOSTNAME = hostname;
  for (const [k, v] of Object.entries(imageEnv)) if (k !== 'PATH') env[k] = v;
  for (const [k, v] of own) env[k] = v;
  for (const [k, v] of serviceEnv) if (!own.has(k)) env[k] = v;
  if (!('HOME' in env)) env.HOME = '/root';
  return env;
}

/** The container's argv: command + args ($(VAR) expanded), else the image's default with the args. */
export function containerArgv(container: KObject, env: Record<string, string>, imageCommand: string[] | undefined): string[] {
  const x = (list: unknown) => arr(list).map((s) => expand(String(s), (n) => env[n]));
  const command = x(container.command);
  const args = x(container.args);
  if (command.length) return [...command, ...args];
  if (args.length) return args;
  return imageCommand ? [...imageCommand] : [];
}
