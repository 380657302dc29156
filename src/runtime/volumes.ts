// A pod's volumes as host directories, and the files the kubelet manages in every container
// (/etc/hosts, /etc/hostname, /etc/resolv.conf). Done once per pod, on first use (never at pod start).
//
// Where each volume lives:
// - emptyDir: <runtime root>/pods/<uid>/volumes/<name> (gone with the pod)
// - PV/hostPath made by the emulator's provisioner: its directory under the volumes dir, as it is
// - administrator PVs: NFS -> <nfs root>/<server>/<path>; hostPath and local -> <host-path root>/<path>
//   (never the host's own path); others (csi, iscsi, ...) -> <runtime root>/pv/<pv name>
// - pod hostPath and inline nfs volumes: as for PVs
// - configMap, secret, downwardAPI, projected (the service account volume too): files written the
//   way the kubelet's atomic writer does (`..data` -> `..<timestamp>`, one symlink per top-level entry)
import { chmod, mkdir, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, relative, resolve, sep } from 'node:path';
import type { Logger } from 'pino';
import type { KObject } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import type { MountSpec } from './types.js';
import { serviceAccountTokens } from '../auth/tokens/serviceaccount.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);
const isObj = (v: unknown): v is Record<string, any> => !!v && typeof v === 'object' && !Array.isArray(v);

export interface VolumeDirs {
  /** the runtime's own root (<data dir>/runtime) */
  root: string;
  /** where the provisioner's hostPath PVs live */
  volumesDir: string;
  /** NFS exports: <nfsRoot>/<server>/<path> */
  nfsRoot: string;
  /** stand-in for the node's filesystem for hostPath / local volumes */
  hostPathRoot: string;
}

export interface VolumeContext {
  registry: Registry;
  dirs: VolumeDirs;
  logger: Logger;
  /** the cluster DNS domain (cluster.local) */
  zone: string;
}

export interface PreparedVolume {
  hostPath: string;
  readOnly: boolean;
}

/** `p` made relative and kept inside `root` (`/data/x/../../y` -> <root>/y). */
export function under(root: string, p: string): string {
  const rel = normalize(`/${String(p ?? '')}`).replace(/^\/+/, '');
  const out = resolve(root, rel);
  const r = relative(root, out);
  if (r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r)) return root;
  return out;
}

function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  // (`..data/x` is inside: only a `..` component climbs out)
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}

/** The host directory of a hostPath-ish path: the provisioner's own, else under the host-path root. */
function hostPathDir(dirs: VolumeDirs, path: string): string {
  if (typeof path === 'string' && isAbsolute(path) && inside(dirs.volumesDir, path)) return resolve(path);
  return under(dirs.hostPathRoot, path);
}

function nfsDir(dirs: VolumeDirs, nfs: KObject): string {
  const server = String(nfs?.server ?? 'nfs').replace(/[/\\]/g, '_').replace(/^\.+$/, '_');
  return under(join(dirs.nfsRoot, server || 'nfs'), String(nfs?.path ?? '/'));
}

function pvDir(dirs: VolumeDirs, pv: KObject): string {
  const s = pv.spec ?? {};
  if (isObj(s.hostPath)) return hostPathDir(dirs, s.hostPath.path);
  if (isObj(s.nfs)) return nfsDir(dirs, s.nfs);
  if (isObj(s.local)) return under(dirs.hostPathRoot, s.local.path);
  return join(dirs.root, 'pv', String(pv.metadata?.name ?? 'unnamed').replace(/[/\\]/g, '_'));
}

async function ensureHostPath(dir: string, type: string | undefined): Promise<void> {
  if (type === 'FileOrCreate' || type === 'File') {
    await mkdir(dirname(dir), { recursive: true });
    await writeFile(dir, '', { flag: 'a' });
    return;
  }
  if (type === 'Socket' || type === 'CharDevice' || type === 'BlockDevice') return;
  await mkdir(dir, { recursive: true });
}

/** `2026_12_02_14_53_48.123456789` (the atomic writer's timestamped directory). */
function tsDirName(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}${p(Math.floor(Math.random() * 1e6), 6)}`;
}

interface FileEntry {
  path: string;
  data: Buffer;
  mode: number;
}

/** Writes files as pkg/volume/util/atomic_writer.go lays them out. */
async function atomicWrite(dir: string, files: FileEntry[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const ts = tsDirName();
  const tsDir = join(dir, ts);
  await mkdir(tsDir, { recursive: true });
  const tops = new Set<string>();
  for (const f of files) {
    const rel = normalize(f.path).replace(/^\/+/, '');
    if (!rel || rel.startsWith('..')) continue;
    const target = join(tsDir, rel);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.data);
    await chmod(target, f.mode & 0o7777);
    tops.add(rel.split('/')[0]);
  }
  await symlink(ts, join(dir, '..data'));
  for (const t of tops) await symlink(join('..data', t), join(dir, t)).catch(() => {});
}

function keyFiles(data: Record<string, Buffer>, items: any[] | undefined, defaultMode: number): FileEntry[] {
  if (Array.isArray(items) && items.length) {
    const out: FileEntry[] = [];
    for (const it of items) {
      if (!isObj(it) || typeof it.key !== 'string' || !(it.key in data)) continue;
      out.push({ path: String(it.path ?? it.key), data: data[it.key], mode: typeof it.mode === 'number' ? it.mode : defaultMode });
    }
    return out;
  }
  return Object.entries(data).map(([k, v]) => ({ path: k, data: v, mode: defaultMode }));
}

function configMapData(cm: KObject | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(cm?.data ?? {})) out[k] = Buffer.from(String(v));
  for (const [k, v] of Object.entries(cm?.binaryData ?? {})) out[k] = Buffer.from(String(v), 'base64');
  return out;
}

function secretData(s: KObject | undefined): Record<string, Buffer> {
  const out: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(s?.data ?? {})) out[k] = Buffer.from(String(v), 'base64');
  for (const [k, v] of Object.entries(s?.stringData ?? {})) out[k] = Buffer.from(String(v));
  return out;
}

/** A pod field as the downward API renders it (fieldpath.ExtractFieldPathAsString). */
export function podFieldValue(pod: KObject, fieldPath: string): string | undefined {
  const md = pod.metadata ?? {};
  const fmtMap = (m: Record<string, string> | undefined) =>
    Object.keys(m ?? {})
      .sort()
      .map((k) => `${k}=${JSON.stringify(String(m![k]))}`)
      .join('\n');
  const sub = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (sub) return (md[sub[1]] ?? {})[sub[2]] ?? '';
  switch (fieldPath) {
    case 'metadata.name':
      return md.name;
    case 'metadata.namespace':
      return md.namespace;
    case 'metadata.uid':
      return md.uid;
    case 'metadata.labels':
      return fmtMap(md.labels);
    case 'metadata.annotations':
      return fmtMap(md.annotations);
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? '';
    case 'status.hostIP':
      return pod.status?.hostIP ?? '';
    case 'status.hostIPs':
      return arr(pod.status?.hostIPs).map((x) => x?.ip).filter(Boolean).join(',');
    case 'status.podIP':
      return pod.status?.podIP ?? '';
    case 'status.podIPs':
      return arr(pod.status?.podIPs).map((x) => x?.ip).filter(Boolean).join(',');
  }
  return undefined;
}

const CPU_RE = /^(\d+(?:\.\d+)?)(m?)$/;
/** A quantity in base units (cores, bytes). */
export function parseQuantity(q: unknown): number | undefined {
  if (typeof q === 'number') return q;
  if (typeof q !== 'string') return undefined;
  const m = /^([+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$/.exec(q.trim());
  if (!m) return CPU_RE.test(q) ? Number(q) : undefined;
  const mult: Record<string, number> = { '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6 };
  return Number(m[1]) * mult[m[2] ?? ''];
}

/** resourceFieldRef (pkg/api/v1/resource ExtractContainerResourceValue): ceil(value / divisor). */
export function resourceFieldValue(pod: KObject, containerName: string | undefined, ref: KObject, node?: KObject): string {
  const c = [...arr(pod.spec?.containers), ...arr(pod.spec?.initContainers)].find((x) => x?.name === containerName) ?? {};
  const res = String(ref.resource ?? '');
  const [kind, name] = res.split('.') as [string, string];
  let v = parseQuantity(c.resources?.[kind]?.[name]);
  // no limit: the node's allocatable (the kubelet's defaulting)
  if (v === undefined && kind === 'limits') v = parseQuantity(node?.status?.allocatable?.[name]) ?? (name === 'cpu' ? 4 : name === 'memory' ? 8 * 1024 ** 3 : 0);
  if (v === undefined) v = 0;
  const divisor = parseQuantity(ref.divisor) || 1;
  return String(Math.ceil(v / divisor - 1e-9));
}

function downwardFiles(pod: KObject, items: any[], defaultMode: number, node: KObject | undefined): FileEntry[] {
  const out: FileEntry[] = [];
  for (const it of arr(items)) {
    if (!isObj(it) || typeof it.path !== 'string') continue;
    let v: string | undefined;
    if (isObj(it.fieldRef)) v = podFieldValue(pod, String(it.fieldRef.fieldPath ?? ''));
    else if (isObj(it.resourceFieldRef)) v = resourceFieldValue(pod, it.resourceFieldRef.containerName, it.resourceFieldRef, node);
    if (v === undefined) continue;
    out.push({ path: it.path, data: Buffer.from(v), mode: typeof it.mode === 'number' ? it.mode : defaultMode });
  }
  return out;
}

const YEAR_SECONDS = 365 * 24 * 3600;

function tokenFile(vc: VolumeContext, pod: KObject, src: KObject, mode: number): FileEntry | undefined {
  const { registry } = vc;
  const ns = pod.metadata?.namespace;
  const saName = pod.spec?.serviceAccountName || 'default';
  const saDef = registry.def('', 'serviceaccounts');
  const sa = saDef && registry.tryGet(saDef, ns, saName);
  if (!sa) return undefined;
  const tokens = serviceAccountTokens(registry);
  const requested = typeof src.expirationSeconds === 'number' ? src.expirationSeconds : 3600;
  const audiences = src.audience ? [String(src.audience)] : tokens.apiAudiences;
  const apiAud = audiences.every((a) => tokens.apiAudiences.includes(a));
  // the projected-token transition (tokenrequest.ts): the kube-api-access token warns after an hour
  const extend = requested === 3607 && apiAud;
  const nodeName = pod.spec?.nodeName;
  const nodeDef = registry.def('', 'nodes');
  const node = nodeName && nodeDef ? registry.tryGet(nodeDef, '', nodeName) : undefined;
  const bound = { pod: { name: pod.metadata.name, uid: pod.metadata.uid }, ...(nodeName ? { node: { name: nodeName, uid: node?.metadata?.uid ?? '' } } : {}) };
  const { token } = tokens.issue(sa, { audiences, expirationSeconds: extend ? YEAR_SECONDS : requested, warnAfter: extend ? requested : undefined, bound });
  return { path: String(src.path ?? 'token'), data: Buffer.from(token), mode };
}

/** The files a configMap / secret / downwardAPI / projected volume shows (undefined: not such a volume). */
export function volumeFiles(vc: VolumeContext, pod: KObject, vol: KObject): FileEntry[] | undefined {
  const ns = pod.metadata?.namespace;
  const { registry } = vc;
  const get = (plural: string, name: unknown) => {
    const def = registry.def('', plural);
    return def && typeof name === 'string' ? registry.tryGet(def, ns, name) : undefined;
  };
  const node = () => {
    const def = registry.def('', 'nodes');
    return def && pod.spec?.nodeName ? registry.tryGet(def, '', pod.spec.nodeName) : undefined;
  };
  const mode = (m: unknown) => (typeof m === 'number' ? m : 0o644);
  if (isObj(vol.configMap)) {
    const cm = get('configmaps', vol.configMap.name);
    if (!cm && !vol.configMap.optional) vc.logger.warn({ pod: `${ns}/${pod.metadata?.name}`, configMap: vol.configMap.name }, 'runtime: configmap not found; its volume is empty');
    return keyFiles(configMapData(cm), vol.configMap.items, mode(vol.configMap.defaultMode));
  }
  if (isObj(vol.secret)) {
    const s = get('secrets', vol.secret.secretName);
    if (!s && !vol.secret.optional) vc.logger.warn({ pod: `${ns}/${pod.metadata?.name}`, secret: vol.secret.secretName }, 'runtime: secret not found; its volume is empty');
    return keyFiles(secretData(s), vol.secret.items, mode(vol.secret.defaultMode));
  }
  if (isObj(vol.downwardAPI)) return downwardFiles(pod, vol.downwardAPI.items, mode(vol.downwardAPI.defaultMode), node());
  if (isObj(vol.projected)) {
    const dm = mode(vol.projected.defaultMode);
    const out: FileEntry[] = [];
    for (const src of arr(vol.projected.sources)) {
      if (!isObj(src)) continue;
      if (isObj(src.configMap)) out.push(...keyFiles(configMapData(get('configmaps', src.configMap.name)), src.configMap.items, dm));
      else if (isObj(src.secret)) out.push(...keyFiles(secretData(get('secrets', src.secret.name)), src.secret.items, dm));
      else if (isObj(src.downwardAPI)) out.push(...downwardFiles(pod, src.downwardAPI.items, dm, node()));
      else if (isObj(src.serviceAccountToken)) {
        try {
          const f = tokenFile(vc, pod, src.serviceAccountToken, dm);
          if (f) out.push(f);
        } catch (err) {
          vc.logger.warn({ err: (err as Error)?.message }, 'runtime: cannot issue the projected service account token');
        }
      }
    }
    return out;
  }
  return undefined;
}

/** The host directory of every volume of the pod, set up (created, files written). */
export async function preparePodVolumes(vc: VolumeContext, pod: KObject, podDir: string): Promise<Map<string, PreparedVolume>> {
  const out = new Map<string, PreparedVolume>();
  const { registry, dirs } = vc;
  const ns = pod.metadata?.namespace;
  for (const vol of arr(pod.spec?.volumes)) {
    if (!isObj(vol) || typeof vol.name !== 'string') continue;
    const own = join(podDir, 'volumes', vol.name.replace(/[/\\]/g, '_'));
    try {
      const files = volumeFiles(vc, pod, vol);
      if (files) {
        await rm(own, { recursive: true, force: true });
        await atomicWrite(own, files);
        // configMap, secret, downwardAPI and projected volumes are read-only (since 1.9.3)
        out.set(vol.name, { hostPath: own, readOnly: true });
        continue;
      }
      let hostPath = own;
      let readOnly = false;
      let hostType: string | undefined;
      let claimName: string | undefined;
      if (isObj(vol.hostPath)) {
        hostPath = hostPathDir(dirs, vol.hostPath.path);
        hostType = vol.hostPath.type;
      } else if (isObj(vol.nfs)) {
        hostPath = nfsDir(dirs, vol.nfs);
        readOnly = !!vol.nfs.readOnly;
      } else if (isObj(vol.persistentVolumeClaim)) {
        claimName = vol.persistentVolumeClaim.claimName;
        readOnly = !!vol.persistentVolumeClaim.readOnly;
      } else if (isObj(vol.ephemeral)) {
        claimName = `${pod.metadata?.name}-${vol.name}`;
      }
      if (claimName !== undefined) {
        const pvcDef = registry.def('', 'persistentvolumeclaims');
        const pvDef = registry.def('', 'persistentvolumes');
        const pvc = pvcDef ? registry.tryGet(pvcDef, ns, String(claimName)) : undefined;
        const pv = pvc?.spec?.volumeName && pvDef ? registry.tryGet(pvDef, '', pvc.spec.volumeName) : undefined;
        if (pv) {
          hostPath = pvDir(dirs, pv);
          if (isObj(pv.spec?.hostPath)) hostType = pv.spec.hostPath.type;
        } else {
          // the kubelet would wait for the claim: a directory of its own for now
          vc.logger.warn({ pod: `${ns}/${pod.metadata?.name}`, claim: claimName }, 'runtime: claim not bound; using an empty directory');
        }
      }
      await ensureHostPath(hostPath, hostType);
      out.set(vol.name, { hostPath, readOnly });
    } catch (err) {
      vc.logger.warn({ pod: `${ns}/${pod.metadata?.name}`, volume: vol.name, err: (err as Error)?.message }, 'runtime: cannot set up a volume');
    }
  }
  return out;
}

/**
 * The container's volumeMounts as MountSpecs (subPath / subPathExpr joined, kept inside the volume):
 * a subPath that is (or passes through) a symlink leading out of its volume is refused, as the
 * kubelet's subpath checks do since CVE-2017-1002101.
 */
export async function containerMounts(container: KObject, volumes: Map<string, PreparedVolume>, env: Record<string, string>, logger?: Logger): Promise<MountSpec[]> {
  const out: MountSpec[] = [];
  for (const m of arr(container.volumeMounts)) {
    if (!isObj(m) || typeof m.mountPath !== 'string') continue;
    const v = volumes.get(m.name);
    if (!v) continue;
    let sub = typeof m.subPath === 'string' ? m.subPath : '';
    if (typeof m.subPathExpr === 'string') sub = m.subPathExpr.replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_x, n) => env[n] ?? '');
    const mountPath = normalize(m.mountPath.startsWith('/') ? m.mountPath : `/${m.mountPath}`);
    let hostPath = v.hostPath;
    if (sub) {
      hostPath = under(v.hostPath, sub);
      try {
        await mkdir(hostPath, { recursive: true }).catch(() => {});
        const [real, base] = await Promise.all([realpath(hostPath), realpath(v.hostPath)]);
        if (!inside(base, real)) throw new Error(`subpath ${JSON.stringify(sub)} leads out of its volume`);
      } catch (err) {
        logger?.warn({ volume: m.name, err: (err as Error)?.message }, 'runtime: volume mount refused');
        continue;
      }
    }
    out.push({ mountPath, hostPath, readOnly: v.readOnly || !!m.readOnly });
  }
  return out;
}

/** The pod's hostname (spec.hostname, else the name cut at 63 characters) and its domain. */
export function podHostname(pod: KObject, zone: string): { hostname: string; domain?: string; fqdn?: string } {
  let hostname = String(pod.spec?.hostname || pod.metadata?.name || 'localhost');
  if (hostname.length > 63) hostname = hostname.slice(0, 63).replace(/[-.]+$/, '');
  const sub = pod.spec?.subdomain;
  const domain = sub ? `${sub}.${pod.metadata?.namespace}.svc.${zone}` : undefined;
  return { hostname, domain, fqdn: domain ? `${hostname}.${domain}` : undefined };
}

/** kubelet_pods.go managedHostsFileContent. */
export function hostsFile(pod: KObject, zone: string): string {
  const { hostname, domain } = podHostname(pod, zone);
  let s = '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n';
  const ips = arr(pod.status?.podIPs).map((x) => x?.ip).filter((x) => typeof x === 'string');
  if (!ips.length && pod.status?.podIP) ips.push(pod.status.podIP);
  for (const ip of ips) s += domain ? `${ip}\t${hostname}.${domain}\t${hostname}\n` : `${ip}\t${hostname}\n`;
  const aliases = arr(pod.spec?.hostAliases);
  if (aliases.length) {
    s += '\n# Entries added by HostAliases.\n';
    for (const a of aliases) if (isObj(a)) s += `${a.ip}\t${arr(a.hostnames).join('\t')}\n`;
  }
  return s;
}

/** The pod's resolver configuration (dns.go: ClusterFirst search path, ndots:5; dnsConfig merged). */
export function dnsSettings(pod: KObject, zone: string, nameserver: string): { search: string[]; nameservers: string[]; options: string[]; ndots: number } {
  const ns = pod.metadata?.namespace ?? 'default';
  const policy = pod.spec?.dnsPolicy ?? 'ClusterFirst';
  const cluster = policy === 'ClusterFirstWithHostNet' || (policy === 'ClusterFirst' && !pod.spec?.hostNetwork);
  let search = cluster ? [`${ns}.svc.${zone}`, `svc.${zone}`, zone] : [];
  let nameservers = policy === 'None' ? [] : [nameserver];
  let options = cluster ? ['ndots:5'] : [];
  const cfg = pod.spec?.dnsConfig;
  if (isObj(cfg)) {
    nameservers = [...nameservers, ...arr(cfg.nameservers).map(String)].filter((v, i, a) => a.indexOf(v) === i).slice(0, 3);
    search = [...search, ...arr(cfg.searches).map(String)].filter((v, i, a) => a.indexOf(v) === i);
    const opts = new Map<string, string>();
    for (const o of options) opts.set(o.split(':')[0], o);
    for (const o of arr(cfg.options)) if (isObj(o) && o.name) opts.set(String(o.name), o.value !== undefined ? `${o.name}:${o.value}` : String(o.name));
    options = [...opts.values()];
  }
  const nd = options.find((o) => o.startsWith('ndots:'));
  return { search, nameservers, options, ndots: nd ? Number(nd.slice(6)) || 0 : 1 };
}

export function resolvConf(pod: KObject, zone: string, nameserver: string): string {
  const d = dnsSettings(pod, zone, nameserver);
  let s = '';
  if (d.search.length) s += `search ${d.search.join(' ')}\n`;
  for (const n of d.nameservers) s += `nameserver ${n}\n`;
  if (d.options.length) s += `options ${d.options.join(' ')}\n`;
  return s;
}
