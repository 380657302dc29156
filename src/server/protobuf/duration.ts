// metav1.Duration's JSON form is Go's time.Duration string (1h2m3.5s); its protobuf form the
// nanoseconds (apimachinery pkg/apis/meta/v1/duration.go).

/** Go's time.Duration.String(): 1h2m3.5s, 150ms, 0s. */
export function formatDuration(nanos: number): string {
  if (nanos === 0) return '0s';
  const neg = nanos < 0;
  let n = Math.abs(nanos);
  let out: string;
  if (n < 1e9) {
    const [unit, size] = n < 1e3 ? ['ns', 1] : n < 1e6 ? ['\u00b5s', 1e3] : ['ms', 1e6];
    out = `${trimFraction(n / size)}${unit}`;
  } else {
    const h = Math.floor(n / 3.6e12);
    n -= h * 3.6e12;
    const m = Math.floor(n / 6e10);
    n -= m * 6e10;
    out = `${h ? `${h}h` : ''}${h || m ? `${m}m` : ''}${trimFraction(n / 1e9)}s`;
  }
  return neg ? `-${out}` : out;
}

function trimFraction(v: number): string {
  return v.toFixed(9).replace(/\.?0+$/, '');
}

const UNITS: Record<string, number> = { ns: 1, us: 1e3, '\u00b5s': 1e3, '\u03bcs': 1e3, ms: 1e6, s: 1e9, m: 6e10, h: 3.6e12 };

/** Go's time.ParseDuration, to nanoseconds; 0 for what it does not parse. */
export function parseDuration(s: string): number {
  const m = /^([-+]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|\u00b5s|\u03bcs|ms|s|m|h))+$/.exec(s);
  if (!m) return 0;
  let total = 0;
  for (const part of s.slice(m[1]!.length).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) total += Number(part[1]) * UNITS[part[2]!]!;
  return Math.round(m[1] === '-' ? -total : total);
}
