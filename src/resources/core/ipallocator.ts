// Service ClusterIP and NodePort allocators, as upstream's: the range excludes the network and
// broadcast addresses, the first address is the kubernetes Service's, and dynamic allocation
// prefers the upper band so that the lower one stays free for requested IPs (KEP-3070).
// pkg/registry/core/service/ipallocator/{ipallocator,bitmap,allocator}.go, portallocator/allocator.go.
import { randomInt } from 'node:crypto';

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
}
export function intToIP(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}
const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/**
 * calculateRangeOffset: the size of the static (lower) band, min(max(16, size/step), max), none
 * at all for ranges of 16 or fewer: IPs step 16 max 256 (ipallocator), ports step 32 max 128
 * (portallocator).
 */
export function calculateRangeOffset(size: number, step = 16, max = 256): number {
  if (size <= 16) return 0;
  return Math.min(Math.max(16, Math.floor(size / step)), max);
}

/** The first free offset in [from, to) scanning from a random start, or undefined. */
function scan(from: number, to: number, free: (off: number) => boolean): number | undefined {
  const span = to - from;
  if (span <= 0) return undefined;
  const start = randomInt(span);
  for (let i = 0; i < span; i++) {
    const off = from + ((start + i) % span);
    if (free(off)) return off;
  }
  return undefined;
}

export class ServiceIPAllocator {
  /** the network address */
  readonly base: number;
  /** usable addresses: the CIDR's size less the network and broadcast addresses */
  readonly size: number;
  /** the static band: offsets [0, rangeOffset) from the first address */
  readonly rangeOffset: number;
  /** the CIDR as upstream prints it (network address / prefix) */
  readonly cidr: string;
  private readonly used = new Set<number>();

  constructor(cidr: string) {
    const [ip, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!IPV4.test(ip ?? '') || !/^\d+$/.test(bits ?? '') || !(prefix >= 8 && prefix <= 30)) throw new Error(`--service-cidr: invalid IPv4 CIDR ${cidr}`);
    const mask = (~0 << (32 - prefix)) >>> 0;
    this.base = (ipToInt(ip) & mask) >>> 0;
    const cidrSize = 2 ** (32 - prefix);
    this.size = cidrSize - 2;
    this.rangeOffset = calculateRangeOffset(cidrSize);
    this.cidr = `${intToIP(this.base)}/${prefix}`;
  }

  /** The first usable address (the kubernetes Service's). */
  first(): string {
    return intToIP(this.base + 1);
  }

  contains(ip: string): boolean {
    if (typeof ip !== 'string' || !IPV4.test(ip)) return false;
    const n = ipToInt(ip);
    return n > this.base && n <= this.base + this.size;
  }

  has(ip: string): boolean {
    return this.used.has(ipToInt(ip));
  }

  reserve(ip: string): void {
    this.used.add(ipToInt(ip));
  }

  release(ip: string): void {
    this.used.delete(ipToInt(ip));
  }

  /** addresses in use */
  get allocated(): number {
    return this.used.size;
  }

  /**
   * A free address at random, from the dynamic (upper) band first, then the static one
   * (ipallocator.go allocateNextService); reserved unless dryRun. undefined when full.
   */
  allocate(dryRun = false): string | undefined {
    const free = (off: number) => !this.used.has(this.base + 1 + off);
    const off = scan(this.rangeOffset, this.size, free) ?? scan(0, this.rangeOffset, free);
    if (off === undefined) return undefined;
    const n = this.base + 1 + off;
    if (!dryRun) this.used.add(n);
    return intToIP(n);
  }
}

export class NodePortAllocator {
  private readonly used = new Set<number>();
  constructor(
    readonly min = 30000,
    readonly max = 32767,
  ) {}
  has(p: number): boolean {
    return this.used.has(p);
  }
  reserve(p: number): void {
    this.used.add(p);
  }
  release(p: number): void {
    this.used.delete(p);
  }
  /** ports in use */
  get allocated(): number {
    return this.used.size;
  }
  /** The port range has its own static band too (portallocator calculateRangeOffset). */
  allocate(dryRun = false): number | undefined {
    const span = this.max - this.min + 1;
    const offset = calculateRangeOffset(span, 32, 128);
    const free = (off: number) => !this.used.has(this.min + off);
    const off = scan(offset, span, free) ?? scan(0, offset, free);
    if (off === undefined) return undefined;
    if (!dryRun) this.used.add(this.min + off);
    return this.min + off;
  }
}
