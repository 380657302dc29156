// GET /version (apimachinery/pkg/version.Info), following --emulated-version.
export function versionInfo(emulated: string): Record<string, string> {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(emulated);
  if (!m) throw new Error(`--emulated-version: expected vMAJOR.MINOR[.PATCH], got ${JSON.stringify(emulated)}`);
  const [major, minor, patch] = [m[1], m[2], m[3] ?? '0'];
  // compatibility-version fields appear in /version from 1.33 (KEP-4330)
  const compat: Record<string, string> =
    Number(minor) >= 33
      ? { emulationMajor: major, emulationMinor: minor, minCompatibilityMajor: major, minCompatibilityMinor: String(Number(minor) - 1) }
      : {};
  return {
    major,
    minor,
    ...compat,
    gitVersion: `v${major}.${minor}.${patch}`,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2026-01-01T00:00:00Z',
    goVersion: 'go1.24.0',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

/** The emulated minor version as a number (e.g. 33). */
export function emulatedMinor(emulated: string): number {
  return Number(/^v?\d+\.(\d+)/.exec(emulated)?.[1] ?? 33);
}
