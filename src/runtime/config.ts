// What the simulated runtime knows about images: which are web servers (and where their document
// root is), their default command, environment, log lines and port mappings. Built-in profiles for
// nginx, httpd and the seed's ikubernetes/myapp; `--runtime-config FILE` (YAML) adds or overrides them:
//
//   images:
//   - image: nginx              # normalized repository (docker.io/library/nginx), short name
//                               # (nginx, ikubernetes/myapp), `*` globs, optional `:tag`
//     serve: { type: http-static, root: /usr/share/nginx/html, port: 80 }
//     forward: { "8080": "127.0.0.1:3000" }   # pod port -> local address (connect/port-forward)
//     logs: ["line one", "line two"]           # written to the container's log when it starts
//     env: { FOO: bar }                        # the image's environment (ENV)
//     command: ["sh"]                          # the image's default command (ENTRYPOINT + CMD)
import { readFileSync } from 'node:fs';
import { normalizeImage } from '../controllers/nodeagent/runtime.js';
import { yamlLib } from '../util/lazy.js';

export type ServerFlavor = 'nginx' | 'httpd' | 'myapp';

export interface ServeSpec {
  type: 'http-static';
  /** the document root in the container */
  root: string;
  port: number;
  /** how pages and log lines are worded (default nginx) */
  flavor?: ServerFlavor;
  /** the server's start-up lines go to the log (the built-in images) */
  banner?: boolean;
}

export interface ImageProfile {
  /** the pattern this profile was given for */
  image: string;
  serve?: ServeSpec;
  /** pod port -> `host:port` */
  forward?: Record<string, string>;
  logs?: string[];
  env?: Record<string, string>;
  /** the image's default command when the container gives none */
  command?: string[];
}

export interface RuntimeConfig {
  images: ImageProfile[];
}

const SHELL_IMAGES = ['busybox', 'alpine', 'ubuntu', 'debian', 'centos', 'fedora', 'rockylinux', 'almalinux', 'amazonlinux', 'bash', 'registry.k8s.io/e2e-test-images/busybox', 'curlimages/curl', 'nicolaka/netshoot', 'praqma/network-multitool', 'gcr.io/google-containers/busybox', 'k8s.gcr.io/busybox'];

/** The built-in profiles (a --runtime-config entry for the same pattern comes first). */
export const BUILTIN_IMAGES: ImageProfile[] = [
  { image: 'nginx', serve: { type: 'http-static', root: '/usr/share/nginx/html', port: 80, flavor: 'nginx', banner: true }, env: { NGINX_VERSION: '1.27.3' } },
  { image: 'nginxinc/nginx-unprivileged', serve: { type: 'http-static', root: '/usr/share/nginx/html', port: 8080, flavor: 'nginx', banner: true } },
  { image: 'bitnami/nginx', serve: { type: 'http-static', root: '/app', port: 8080, flavor: 'nginx' } },
  { image: 'httpd', serve: { type: 'http-static', root: '/usr/local/apache2/htdocs', port: 80, flavor: 'httpd', banner: true }, env: { HTTPD_PREFIX: '/usr/local/apache2' } },
  { image: 'ikubernetes/myapp', serve: { type: 'http-static', root: '/usr/share/nginx/html', port: 80, flavor: 'myapp' }, env: { NGINX_VERSION: '1.12.2' } },
  ...SHELL_IMAGES.map((image) => ({ image, command: ['sh'] })),
];

/** `docker.io/library/nginx:1.25` -> { repo: 'docker.io/library/nginx', short: 'nginx', tag: '1.25' } */
export function imageParts(image: string): { repo: string; short: string; tag?: string } {
  const norm = normalizeImage(image || 'unknown');
  const at = norm.indexOf('@');
  let repo = at >= 0 ? norm.slice(0, at) : norm;
  let tag: string | undefined;
  const colon = repo.lastIndexOf(':');
  if (colon > repo.lastIndexOf('/')) {
    tag = repo.slice(colon + 1);
    repo = repo.slice(0, colon);
  }
  const short = repo.startsWith('docker.io/library/') ? repo.slice('docker.io/library/'.length) : repo.startsWith('docker.io/') ? repo.slice('docker.io/'.length) : repo;
  return { repo, short, tag };
}

function globMatch(pattern: string, s: string): boolean {
  if (!pattern.includes('*')) return pattern === s;
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(s);
}

/** Whether `pattern` (repository or short name, `*` globs, optional `:tag`) names `image`. */
export function imageMatches(pattern: string, image: string): boolean {
  const p = pattern.trim();
  if (!p) return false;
  if (p === '*') return true;
  const { repo, short, tag } = imageParts(image);
  let pRepo = p;
  let pTag: string | undefined;
  const colon = p.lastIndexOf(':');
  if (colon > p.lastIndexOf('/')) {
    pRepo = p.slice(0, colon);
    pTag = p.slice(colon + 1);
  }
  if (pTag !== undefined && !globMatch(pTag, tag ?? '')) return false;
  if (globMatch(pRepo, repo) || globMatch(pRepo, short)) return true;
  // a pattern without wildcards normalizes like an image reference (`library/nginx`, `docker.io/nginx`)
  if (!pRepo.includes('*')) return imageParts(pRepo).repo === repo;
  return false;
}

export class ImageProfiles {
  private readonly list: ImageProfile[];
  private readonly cache = new Map<string, Omit<ImageProfile, 'image'>>();

  constructor(config?: RuntimeConfig) {
    this.list = [...(config?.images ?? []), ...BUILTIN_IMAGES];
  }

  /** The merged profile for an image: the first matching entry's fields win, field by field. */
  for(image: string): Omit<ImageProfile, 'image'> {
    const hit = this.cache.get(image);
    if (hit) return hit;
    const out: Omit<ImageProfile, 'image'> = {};
    for (const p of this.list) {
      if (!imageMatches(p.image, image)) continue;
      if (p.serve && !out.serve) out.serve = p.serve;
      if (p.forward && !out.forward) out.forward = p.forward;
      if (p.logs && !out.logs) out.logs = p.logs;
      if (p.env) out.env = { ...p.env, ...(out.env ?? {}) };
      if (p.command && !out.command) out.command = p.command;
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(image, out);
    return out;
  }
}

const strMap = (v: unknown, what: string): Record<string, string> | undefined => {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw new Error(`${what}: expected a map`);
  return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]));
};

/** Checks and normalizes a parsed --runtime-config document. */
export function parseRuntimeConfig(doc: unknown, source = 'runtime config'): RuntimeConfig {
  if (doc === null || doc === undefined) return { images: [] };
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new Error(`${source}: expected a map with "images"`);
  const raw = (doc as Record<string, unknown>).images ?? [];
  if (!Array.isArray(raw)) throw new Error(`${source}: images: expected a list`);
  const images = raw.map((e, i): ImageProfile => {
    const at = `${source}: images[${i}]`;
    if (!e || typeof e !== 'object') throw new Error(`${at}: expected a map`);
    const image = (e as any).image;
    if (typeof image !== 'string' || !image.trim()) throw new Error(`${at}.image: required`);
    const p: ImageProfile = { image: image.trim() };
    const s = (e as any).serve;
    if (s !== undefined && s !== null) {
      if ((s.type ?? 'http-static') !== 'http-static') throw new Error(`${at}.serve.type: only http-static is supported`);
      const port = Number(s.port ?? 80);
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${at}.serve.port: not a port number`);
      const root = String(s.root ?? '/usr/share/nginx/html');
      if (!root.startsWith('/')) throw new Error(`${at}.serve.root: must be an absolute path`);
      const flavor = s.flavor ?? 'nginx';
      if (!['nginx', 'httpd', 'myapp'].includes(flavor)) throw new Error(`${at}.serve.flavor: nginx, httpd or myapp`);
      p.serve = { type: 'http-static', root, port, flavor };
    }
    const fwd = strMap((e as any).forward, `${at}.forward`);
    if (fwd) {
      for (const [k, v] of Object.entries(fwd)) {
        if (!/^\d+$/.test(k)) throw new Error(`${at}.forward: ${k}: not a port number`);
        if (!/^[^\s]+:\d+$/.test(v)) throw new Error(`${at}.forward.${k}: expected host:port, got ${v}`);
      }
      p.forward = fwd;
    }
    const logs = (e as any).logs;
    if (logs !== undefined && logs !== null) {
      if (!Array.isArray(logs)) throw new Error(`${at}.logs: expected a list of lines`);
      p.logs = logs.map(String);
    }
    p.env = strMap((e as any).env, `${at}.env`);
    if (!p.env) delete p.env;
    const cmd = (e as any).command;
    if (cmd !== undefined && cmd !== null) {
      if (!Array.isArray(cmd)) throw new Error(`${at}.command: expected a list`);
      p.command = cmd.map(String);
    }
    return p;
  });
  return { images };
}

/** Reads a --runtime-config YAML file (throws with the file's name on a bad one). */
export async function loadRuntimeConfig(file: string): Promise<RuntimeConfig> {
  // yamlLib: the CommonJS build, required on first use (an `await import('yaml')` has no named exports
  // in the code-split bundle, where the chunk of a CommonJS package exports only a default)
  const text = readFileSync(file, 'utf8');
  return parseRuntimeConfig(yamlLib().parse(text), file);
}

/** The pod annotation mapping pod ports to local addresses: `8080=127.0.0.1:3000,9090=localhost:9`. */
export const ANN_PORT_FORWARD = 'kube-emulator.io/port-forward';

export function parseForwardAnnotation(v: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof v !== 'string') return out;
  for (const part of v.split(',')) {
    const m = /^\s*(\d+)\s*=\s*([^\s]+:\d+)\s*$/.exec(part);
    if (m) out[m[1]] = m[2];
  }
  return out;
}
