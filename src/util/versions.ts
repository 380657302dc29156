// Kubernetes-aware ordering of API version names (apimachinery pkg/version/helpers.go
// CompareKubeAwareVersionStrings): GA versions first (v2 before v1), then betas, then alphas (each
// by major then minor, highest first), then any other name in alphabetical order.

const KUBE_VERSION = /^v(\d+)(?:(alpha|beta)(\d+))?$/;

/** A sort key: lower sorts first (preferred). */
export function versionPriority(v: string): number {
  const m = KUBE_VERSION.exec(v);
  if (!m) return 3e9; // non-Kubernetes names last (ties broken by compareVersions)
  const major = Math.min(Number(m[1]), 99_999);
  const minor = m[3] ? Math.min(Number(m[3]), 9_999) : 0;
  const stage = m[2] === 'alpha' ? 2 : m[2] === 'beta' ? 1 : 0;
  return stage * 1e9 - major * 1e4 - minor + 1e9;
}

/** Compare for Array.sort: preferred versions first. */
export function compareVersions(a: string, b: string): number {
  return versionPriority(a) - versionPriority(b) || a.localeCompare(b);
}
