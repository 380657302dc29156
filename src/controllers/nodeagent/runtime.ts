// What a container runtime would report: normalized image names, image digests and sizes,
// container ids, pod IPs from the node's pod CIDR (host-local IPAM: round robin, .1 is the gateway).
import { createHash, randomBytes } from 'node:crypto';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** containerd's normalized reference: `nginx` -> `docker.io/library/nginx:latest`. */
export function normalizeImage(image: string): string {
  let ref = image.trim();
  const slash = ref.indexOf('/');
  const first = slash < 0 ? '' : ref.slice(0, slash);
  const hasDomain = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasDomain) ref = `docker.io/${slash < 0 ? `library/${ref}` : ref}`;
  else if (first === 'docker.io' && ref.slice(slash + 1).indexOf('/') < 0) ref = `docker.io/library/${ref.slice(slash + 1)}`;
  const lastSlash = ref.lastIndexOf('/');
  const tail = ref.slice(lastSlash + 1);
  if (!tail.includes(':') && !tail.includes('@')) ref += ':latest';
  return ref;
}

/** `docker.io/library/nginx@sha256:<digest>` (the digest is derived from the name: stable). */
export function imageID(image: string): string {
  const norm = normalizeImage(image);
  const at = norm.indexOf('@');
  if (at >= 0) return norm.replace(/:[^/@]*@/, '@');
  const repo = norm.slice(0, norm.lastIndexOf(':'));
  return `${repo}@sha256:${sha(`image:${norm}`)}`;
}

/** A plausible, stable size in bytes for an image. */
export function imageSize(image: string): number {
  return 5_000_000 + (parseInt(sha(`size:${normalizeImage(image)}`).slice(0, 8), 16) % 150_000_000);
}

export function newContainerID(): string {
  return `containerd://${randomBytes(32).toString('hex')}`;
}

/** Go's time.Duration String() for whole milliseconds: 850ms, 1.5s, 2m3.004s. */
export function goDuration(ms: number): string {
  ms = Math.max(0, Math.round(ms));
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  const sec = `${Number.isInteger(s) ? s : s.toFixed(3).replace(/0+$/, '')}s`;
  if (h) return `${h}h${m}m${sec}`;
  if (m) return `${m}m${sec}`;
  return sec;
}

/** Parses `500ms`, `3s`, `1m30s`, `2h` (Go durations) or a bare number of seconds; undefined if invalid. */
export function parseDuration(s: string | undefined): number | undefined {
  if (s === undefined) return undefined;
  const t = s.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 1000;
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  const unit: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m; m = re.exec(t)) {
    total += Number(m[1]) * unit[m[2]];
    end = re.lastIndex;
  }
  return end === t.length && end > 0 ? total : undefined;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

/** Per-node pod IP allocation keyed by pod uid. */
export class PodIPAM {
  private readonly byUid = new Map<string, { node: string; ip: string }>();
  private readonly used = new Map<string, Set<string>>();
  private readonly next = new Map<string, number>();

  /** The pod's IP in `cidr` (an a.b.c.d/n IPv4 block), allocated on first call. */
  allocate(node: string, cidr: string, uid: string): string | undefined {
    const have = this.byUid.get(uid);
    if (have) return have.ip;
    const [base, bits] = cidr.split('/');
    const size = 2 ** (32 - Number(bits));
    const start = ipToInt(base);
    const used = this.usedOn(node);
    const first = 2;
    const last = size - 2;
    let off = this.next.get(node) ?? first;
    for (let i = 0; i < last - first + 1; i++) {
      if (off > last || off < first) off = first;
      const ip = intToIp(start + off);
      off++;
      if (used.has(ip)) continue;
      used.add(ip);
      this.next.set(node, off);
      this.byUid.set(uid, { node, ip });
      return ip;
    }
    return undefined;
  }

  /** Records an IP found on an existing pod (after a restart). */
  reserve(node: string, ip: string, uid: string): void {
    if (this.byUid.has(uid)) return;
    this.usedOn(node).add(ip);
    this.byUid.set(uid, { node, ip });
  }

  release(uid: string): void {
    const have = this.byUid.get(uid);
    if (!have) return;
    this.byUid.delete(uid);
    this.used.get(have.node)?.delete(have.ip);
  }

  has(uid: string): boolean {
    return this.byUid.has(uid);
  }

  private usedOn(node: string): Set<string> {
    let s = this.used.get(node);
    if (!s) this.used.set(node, (s = new Set()));
    return s;
  }
}
