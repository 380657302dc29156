// IP parsing as upstream validates it: k8s.io/utils/net ParseIPSloppy + IPFamilyOf
// (staging/src/k8s.io/apimachinery/pkg/util/validation/ip.go IsValidIP, IsValidIPv4Address, IsValidIPv6Address).
import { isIPv6 } from 'node:net';

export const INVALID_IP_MESSAGE = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';

const IPV4_SLOPPY = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/;
const V4_MAPPED = /^\[::ffff:[0-9a-f]{1,4}:[0-9a-f]{1,4}\]$/;

/**
 * The IP family of `s`: 4, 6, or 0 when it is not an IP. Sloppy as upstream: IPv4 octets may carry
 * leading zeros (read as decimal); IPv4-mapped IPv6 counts as IPv4; zones (`%eth0`) are not IPs.
 */
export function ipFamily(s: unknown): 4 | 6 | 0 {
  if (typeof s !== 'string') return 0;
  const m = IPV4_SLOPPY.exec(s);
  if (m) return m.slice(1).every((o) => Number(o) <= 255) ? 4 : 0;
  if (!s.includes(':') || s.includes('%') || !isIPv6(s)) return 0;
  try {
    return V4_MAPPED.test(new URL(`http://[${s}]/`).hostname) ? 4 : 6;
  } catch {
    return 0;
  }
}
