// The SimulatedRuntime: a container record per running container of every pod on the simulated
// nodes (the node agent tells it when containers start, stop and restart, and when a pod goes away),
// each with a filesystem, an environment, a main process, a log and, for web-server images, an HTTP
// listener; exec, attach and port-forward (ContainerRuntime) act on them.
//
// Cheap at pod start (1,000 replicas): a record is a few objects; directories, volumes, environment
// and listeners are made on the first exec / attach / connection. Only a container whose command is
// a shell script (or whose image's default command is `sh`) starts a main process at once.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { connect as netConnect } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import type { KObject } from '../resources/types.js';
import type { Registry } from '../registry/registry.js';
import type { InformerFactory, Informer } from '../controllers/informer.js';
import { StatusError } from '../registry/errors.js';
import type {
  ContainerFS,
  ContainerFSSpec,
  ContainerKey,
  ContainerLogs,
  ContainerLogSink,
  ContainerRef,
  ContainerRuntime,
  MainProcess,
  ProcessContext,
  ProcessResult,
  RunCommand,
  SessionStreams,
  StartMainProcess,
} from './types.js';
import { ANN_PORT_FORWARD, ImageProfiles, imageParts, parseForwardAnnotation, type ImageProfile, type RuntimeConfig } from './config.js';
import { containerArgv, containerEnv } from './env.js';
import { ClusterNetwork, connectError } from './network.js';
import { containerMounts, hostsFile, podHostname, preparePodVolumes, resolvConf, type PreparedVolume, type VolumeDirs } from './volumes.js';
import { WebServers, builtinDocuments, serverToken, startupLines, type Site } from './webserver.js';

const arr = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** The implementations of the other parts (src/runtime/fs.ts, shell/, logs.ts, mainprocess.ts). */
export interface RuntimeParts {
  createFS: (spec: ContainerFSSpec) => ContainerFS;
  runCommand: RunCommand;
  /** `--exec-mode local`: real local commands (kwok's way) */
  localRunCommand?: RunCommand;
  startMainProcess?: StartMainProcess;
  logs?: ContainerLogs;
}

export interface SimulatedRuntimeOptions extends RuntimeParts {
  registry: Registry;
  informers: InformerFactory;
  logger: Logger;
  /** the runtime root (<data dir>/runtime); unset: a temporary directory, removed on close */
  root?: string;
  /** the provisioner's volumes dir */
  volumesDir: string;
  /** NFS exports (default <root>/../nfs, or <root>/nfs for a temporary root) */
  nfsRoot?: string;
  /** the stand-in for the node's filesystem (hostPath, local volumes; default <root>/hostpath) */
  hostPathRoot?: string;
  /** --image-dir: image layers, DIR/<repo path>/<tag> or DIR/<repo path> */
  imageDir?: string;
  config?: RuntimeConfig;
  execMode?: 'builtin' | 'local';
  zone?: string;
  /** the cluster DNS address pods are given (default 10.96.0.10) */
  nameserver?: string;
}

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  pod: KObject;
  dir: string;
  containers: Map<string, Container>;
  volumes?: Promise<Map<string, PreparedVolume>>;
}

interface Container {
  key: ContainerKey;
  id: string;
  restart: number;
  state: PodState;
  spec: KObject;
  image: string;
  profile: Omit<ImageProfile, 'image'>;
  log: ContainerLogSink;
  main: MainProcess;
  env?: Record<string, string>;
  ctx?: Promise<ProcessContext>;
  fs?: ContainerFS;
  site?: Site;
  stopped: boolean;
}

/** The programs the built-in shell can run as a main process (anything else just "runs"). */
const SCRIPTABLE = new Set(['sh', 'bash', 'ash', 'dash', 'busybox', 'echo', 'printf', 'sleep', 'cat', 'env', 'printenv', 'tail', 'true', 'false', 'date', 'hostname', 'ls', 'wget', 'curl', 'nslookup', 'yes', 'seq', 'tee', 'test']);
/** The web servers' own binaries: the container serves, as without a command. */
const SERVER_BINARIES = new Set(['nginx', 'httpd', 'httpd-foreground', 'apachectl', 'docker-entrypoint.sh']);

const SIGTERM_EXIT = 143;

/** A main process that does nothing (a program we do not simulate): attach sees its log output. */
class IdleProcess implements MainProcess {
  readonly exited: Promise<ProcessResult>;
  private done!: (r: ProcessResult) => void;
  private readonly taps = new Set<SessionStreams>();
  private result?: ProcessResult;

  constructor() {
    this.exited = new Promise((r) => (this.done = r));
  }

  /** what the process "writes" (its log lines) also reaches attached clients */
  tap(stream: 'stdout' | 'stderr', data: string | Buffer): void {
    for (const s of this.taps) {
      const w = stream === 'stderr' && !s.tty ? s.stderr : s.stdout;
      try {
        w?.write(data);
      } catch {
        // a closed client stream
      }
    }
  }

  attach(streams: SessionStreams): Promise<ProcessResult> {
    if (this.result) return Promise.resolve(this.result);
    this.taps.add(streams);
    streams.stdin?.resume();
    return new Promise((resolve) => {
      const end = (r: ProcessResult) => {
        this.taps.delete(streams);
        resolve(r);
      };
      if (streams.signal.aborted) return end({ exitCode: 0 });
      streams.signal.addEventListener('abort', () => end({ exitCode: 0 }), { once: true });
      void this.exited.then(end);
    });
  }

  async stop(): Promise<ProcessResult> {
    if (!this.result) {
      this.result = { exitCode: SIGTERM_EXIT };
      this.done(this.result);
    }
    return this.result;
  }
}

const NO_LOGS: ContainerLogs = { sink: () => ({ write() {} }), end() {}, remove() {} };

/** Where pods' files and processes live: see the file comment. */
export class SimulatedRuntime implements ContainerRuntime {
  readonly root: string;
  readonly dirs: VolumeDirs;
  readonly network: ClusterNetwork;
  readonly logs: ContainerLogs;
  private readonly tempRoot: boolean;
  private readonly pods = new Map<string, PodState>();
  private readonly byName = new Map<string, string>();
  private readonly byIP = new Map<string, Set<string>>();
  private readonly profiles: ImageProfiles;
  private readonly web: WebServers;
  private readonly services: Informer;
  private readonly log: Logger;
  private readonly builtinLayers = new Map<string, Promise<string>>();
  private closed = false;

  constructor(private readonly opts: SimulatedRuntimeOptions) {
    this.tempRoot = !opts.root;
    this.root = opts.root ?? mkdtempSync(join(tmpdir(), 'kube-emulator-runtime-'));
    this.dirs = {
      root: this.root,
      volumesDir: opts.volumesDir,
      nfsRoot: opts.nfsRoot ?? (this.tempRoot ? join(this.root, 'nfs') : join(this.root, '..', 'nfs')),
      hostPathRoot: opts.hostPathRoot ?? join(this.root, 'hostpath'),
    };
    this.log = opts.logger.child({ component: 'runtime' });
    this.logs = opts.logs ?? NO_LOGS;
    this.profiles = new ImageProfiles(opts.config);
    this.web = new WebServers(this.log);
    this.services = opts.informers.for('', 'services');
    // a kept root (a data dir): directories of pods deleted while the emulator was down go
    if (!this.tempRoot) {
      const pods = opts.informers.for('', 'pods');
      void pods.synced.then(() => this.collectOrphans(new Set(pods.list().map((p) => p.metadata?.uid))));
    }
    this.network = new ClusterNetwork(
      opts.informers,
      { podsAt: (ip) => this.podsAt(ip), openPort: (pod, port, from) => this.openPort(pod, port, from) },
      opts.zone ?? 'cluster.local',
      opts.nameserver ?? '10.96.0.10',
    );
  }

  // ---- the node agent's hooks ------------------------------------------------------------------

  /** The pod's status changed: start records for containers now running, stop those that are not. */
  syncPod(pod: KObject): void {
    if (this.closed) return;
    try {
      this.sync(pod);
    } catch (err) {
      this.log.warn({ pod: `${pod?.metadata?.namespace}/${pod?.metadata?.name}`, err: (err as Error)?.message }, 'runtime: cannot sync a pod');
    }
  }

  private sync(pod: KObject): void {
    const uid = pod?.metadata?.uid;
    if (typeof uid !== 'string') return;
    const running = new Map<string, { id: string; restart: number; spec: KObject }>();
    const specs = [...arr(pod.spec?.initContainers), ...arr(pod.spec?.containers)];
    for (const s of [...arr(pod.status?.initContainerStatuses), ...arr(pod.status?.containerStatuses)]) {
      if (!s?.state?.running || typeof s.name !== 'string') continue;
      const spec = specs.find((c) => c?.name === s.name);
      if (!spec) continue;
      running.set(s.name, { id: String(s.containerID ?? `${uid}/${s.name}/${s.restartCount ?? 0}`), restart: Number(s.restartCount) || 0, spec });
    }
    let st = this.pods.get(uid);
    if (!st) {
      if (!running.size) return;
      const ns = String(pod.metadata.namespace ?? '');
      st = { uid, namespace: ns, name: String(pod.metadata.name), pod, dir: join(this.root, 'pods', uid), containers: new Map() };
      this.pods.set(uid, st);
      this.byName.set(`${ns}/${st.name}`, uid);
    }
    const oldIP = st.pod.status?.podIP;
    st.pod = pod;
    const ip = pod.status?.podIP;
    if (oldIP !== ip && oldIP) this.byIP.get(oldIP)?.delete(uid);
    if (ip) {
      let set = this.byIP.get(ip);
      if (!set) this.byIP.set(ip, (set = new Set()));
      set.add(uid);
    }
    for (const [name, c] of st.containers) {
      const r = running.get(name);
      if (!r || r.id !== c.id) this.stopContainer(c);
    }
    for (const [name, r] of running) {
      const have = st.containers.get(name);
      if (have && have.id === r.id) continue;
      st.containers.set(name, this.startContainer(st, r.spec, r.id, r.restart));
    }
  }

  /** The pod is gone: its containers stop, its logs and directories go. */
  podDeleted(pod: KObject): void {
    const uid = pod?.metadata?.uid;
    if (typeof uid !== 'string') return;
    const st = this.pods.get(uid);
    if (st) {
      for (const c of st.containers.values()) this.stopContainer(c);
      this.pods.delete(uid);
      if (this.byName.get(`${st.namespace}/${st.name}`) === uid) this.byName.delete(`${st.namespace}/${st.name}`);
      const ip = st.pod.status?.podIP;
      if (ip) this.byIP.get(ip)?.delete(uid);
      void rm(st.dir, { recursive: true, force: true }).catch(() => {});
    }
    try {
      this.logs.remove(uid);
    } catch (err) {
      this.log.warn({ err: (err as Error)?.message }, 'runtime: cannot remove logs');
    }
  }

  private startContainer(st: PodState, spec: KObject, id: string, restart: number): Container {
    const key: ContainerKey = { namespace: st.namespace, pod: st.name, uid: st.uid, container: String(spec.name) };
    const image = String(spec.image ?? '');
    const profile = this.profiles.for(image);
    let sink: ContainerLogSink;
    try {
      sink = this.logs.sink(key, restart);
    } catch {
      sink = NO_LOGS.sink(key, restart);
    }
    const c: Container = { key, id, restart, state: st, spec, image, profile, log: sink, main: new IdleProcess(), stopped: false };
    const idle = c.main as IdleProcess;
    // what the container writes reaches its log and whoever is attached
    c.log = {
      write: (stream, data) => {
        sink.write(stream, data);
        if (c.main === idle) idle.tap(stream, data);
      },
    };
    const hasCommand = arr(spec.command).length > 0 || arr(spec.args).length > 0;
    const argv0 = hasCommand ? basename(String(arr(spec.command)[0] ?? arr(spec.args)[0] ?? '')) : basename(profile.command?.[0] ?? '');
    if (profile.serve?.banner && (!hasCommand || SERVER_BINARIES.has(argv0))) {
      for (const l of startupLines(profile.serve.flavor ?? 'nginx', serverToken(profile.serve.flavor ?? 'nginx', imageParts(image).tag))) c.log.write(profile.serve.flavor === 'httpd' ? 'stderr' : 'stdout', `${l}\n`);
    }
    for (const l of profile.logs ?? []) c.log.write('stdout', `${l}\n`);
    if (this.opts.startMainProcess && SCRIPTABLE.has(argv0)) {
      try {
        const env = this.envOf(c);
        const argv = containerArgv(spec, env, profile.command);
        c.main = this.opts.startMainProcess(argv, this.lazyContext(c), {
          stdin: !!spec.stdin,
          stdinOnce: !!spec.stdinOnce,
          tty: !!spec.tty,
          log: c.log,
          run: this.runner(),
        });
        void c.main.exited.then(
          (r) => this.log.debug({ container: key, exitCode: r.exitCode }, 'runtime: main process exited'),
          () => {},
        );
      } catch (err) {
        this.log.warn({ container: key, err: (err as Error)?.message }, 'runtime: cannot start the main process');
        c.main = idle;
      }
    }
    return c;
  }

  private stopContainer(c: Container): void {
    if (c.stopped) return;
    c.stopped = true;
    const grace = (Number(c.state.pod.spec?.terminationGracePeriodSeconds ?? 30) || 0) * 1000;
    void Promise.resolve()
      .then(() => c.main.stop(Math.min(grace, 2000)))
      .catch(() => {})
      .finally(() => {
        try {
          this.logs.end(c.key, c.restart);
        } catch {
          // the log store is gone
        }
      });
    if (c.state.containers.get(c.key.container) === c) c.state.containers.delete(c.key.container);
    // a restarted container gets a fresh writable layer
    void rm(this.containerDir(c), { recursive: true, force: true }).catch(() => {});
  }

  // ---- a container's context -------------------------------------------------------------------

  private containerDir(c: Container): string {
    // one directory per run (the container id tells two runs with one restart count apart)
    const run = c.id.replace(/^.*:\/\//, '').replace(/[^0-9a-zA-Z]/g, '').slice(0, 12);
    return join(c.state.dir, 'containers', c.key.container.replace(/[/\\]/g, '_'), `${c.restart}-${run}`);
  }

  private envOf(c: Container): Record<string, string> {
    if (c.env) return c.env;
    const pod = c.state.pod;
    const nodeDef = this.opts.registry.def('', 'nodes');
    const node = nodeDef && pod.spec?.nodeName ? this.opts.registry.tryGet(nodeDef, '', pod.spec.nodeName) : undefined;
    c.env = containerEnv(pod, c.spec, c.profile.env ?? {}, this.hostnameOf(pod), {
      registry: this.opts.registry,
      services: (ns) => this.services.list(ns),
      node,
      warn: (m) => this.log.warn({ container: c.key }, `runtime: ${m}`),
    });
    return c.env;
  }

  private hostnameOf(pod: KObject): string {
    const h = podHostname(pod, this.network.zone);
    return pod.spec?.setHostnameAsFQDN && h.fqdn ? h.fqdn : h.hostname;
  }

  /** The image layer: --image-dir's, else the built-in files of a web-server image. */
  private async imageLayer(c: Container): Promise<string | undefined> {
    const { repo, short, tag } = imageParts(c.image);
    if (this.opts.imageDir) {
      const { existsSync, statSync } = await import('node:fs');
      for (const base of [short, repo]) {
        for (const p of tag ? [join(this.opts.imageDir, base, tag), join(this.opts.imageDir, base)] : [join(this.opts.imageDir, base)]) {
          try {
            if (existsSync(p) && statSync(p).isDirectory()) return p;
          } catch {
            // not readable
          }
        }
      }
    }
    const serve = c.profile.serve;
    if (!serve) return undefined;
    const flavor = serve.flavor ?? 'nginx';
    const id = `${flavor}-${(tag ?? 'latest').replace(/[^\w.-]/g, '_')}-${serve.root.replace(/[^\w.-]/g, '_')}`;
    let p = this.builtinLayers.get(id);
    if (!p) {
      p = (async () => {
        const dir = join(this.root, 'images', id);
        const docRoot = join(dir, serve.root);
        await mkdir(docRoot, { recursive: true });
        for (const [f, body] of Object.entries(builtinDocuments(flavor, tag))) await writeFile(join(docRoot, f), body);
        return dir;
      })();
      this.builtinLayers.set(id, p);
    }
    return p;
  }

  /** Builds the container's filesystem and context (once, on first use). */
  private context(c: Container): Promise<ProcessContext> {
    if (c.ctx) return c.ctx;
    c.ctx = (async () => {
      const st = c.state;
      const pod = st.pod;
      st.volumes ??= preparePodVolumes({ registry: this.opts.registry, dirs: this.dirs, logger: this.log, zone: this.network.zone }, pod, st.dir);
      const volumes = await st.volumes;
      const env = this.envOf(c);
      const rootDir = this.containerDir(c);
      await mkdir(join(rootDir, 'etc'), { recursive: true });
      const hostname = this.hostnameOf(pod);
      await writeFile(join(rootDir, 'etc', 'hostname'), `${hostname}\n`);
      if (!pod.spec?.hostNetwork) await writeFile(join(rootDir, 'etc', 'hosts'), hostsFile(pod, this.network.zone));
      await writeFile(join(rootDir, 'etc', 'resolv.conf'), resolvConf(pod, this.network.zone, this.network.nameserver));
      await mkdir(join(rootDir, 'dev'), { recursive: true });
      await writeFile(join(rootDir, 'dev', 'termination-log'), '', { flag: 'a' });
      await mkdir(join(rootDir, 'tmp'), { recursive: true });
      if (c.profile.serve?.flavor === 'myapp') {
        const docRoot = join(rootDir, c.profile.serve.root);
        await mkdir(docRoot, { recursive: true });
        await writeFile(join(docRoot, 'hostname.html'), `${pod.metadata?.name}\n`);
      }
      const imageDir = await this.imageLayer(c);
      const fs = this.opts.createFS({ rootDir, imageDir, mounts: await containerMounts(c.spec, volumes, env, this.log) });
      c.fs = fs;
      const workingDir = typeof c.spec.workingDir === 'string' && c.spec.workingDir.startsWith('/') ? c.spec.workingDir : '/';
      return { fs, env, hostname, cwd: workingDir, network: this.network.forPod(pod) };
    })();
    c.ctx.catch((err) => {
      this.log.warn({ container: c.key, err: (err as Error)?.message }, 'runtime: cannot set up the container');
      c.ctx = undefined;
    });
    return c.ctx;
  }

  /** A context whose filesystem is set up on its first use (a main process started with the pod). */
  private lazyContext(c: Container): ProcessContext {
    const fs = new Proxy({} as ContainerFS, {
      get: (_t, prop) => {
        // not a thenable, not inspectable: only the ContainerFS methods
        if (typeof prop !== 'string' || prop === 'then') return undefined;
        return async (...args: unknown[]) => {
          const ctx = await this.context(c);
          return (ctx.fs as any)[prop](...args);
        };
      },
    });
    const env = this.envOf(c);
    const workingDir = typeof c.spec.workingDir === 'string' && c.spec.workingDir.startsWith('/') ? c.spec.workingDir : '/';
    return { fs, env, hostname: this.hostnameOf(c.state.pod), cwd: workingDir, network: this.network.forPod(c.state.pod) };
  }

  private runner(): RunCommand {
    const run = this.opts.execMode === 'local' && this.opts.localRunCommand ? this.opts.localRunCommand : this.opts.runCommand;
    return run;
  }

  // ---- the network's view ----------------------------------------------------------------------

  private podsAt(ip: string): KObject[] {
    const out: KObject[] = [];
    for (const uid of this.byIP.get(ip) ?? []) {
      const st = this.pods.get(uid);
      if (st && st.containers.size) out.push(st.pod);
    }
    return out;
  }

  private forwardsOf(st: PodState): Map<number, string> {
    const out = new Map<number, string>();
    for (const c of st.containers.values()) for (const [p, addr] of Object.entries(c.profile.forward ?? {})) if (!out.has(Number(p))) out.set(Number(p), addr);
    for (const [p, addr] of Object.entries(parseForwardAnnotation(st.pod.metadata?.annotations?.[ANN_PORT_FORWARD]))) out.set(Number(p), addr);
    return out;
  }

  private openPort(pod: KObject, port: number, from: string): Promise<Duplex> | undefined {
    const st = this.pods.get(pod?.metadata?.uid);
    if (!st) return undefined;
    const fwd = this.forwardsOf(st).get(port);
    if (fwd) return dialAddress(fwd);
    for (const c of st.containers.values()) {
      if (c.profile.serve?.port !== port) continue;
      return this.web.connect(this.siteOf(c), from);
    }
    return undefined;
  }

  private siteOf(c: Container): Site {
    if (c.site) return c.site;
    const serve = c.profile.serve!;
    const flavor = serve.flavor ?? 'nginx';
    c.site = { flavor, server: serverToken(flavor, imageParts(c.image).tag), root: serve.root, fs: async () => (await this.context(c)).fs, log: c.log };
    return c.site;
  }

  // ---- ContainerRuntime ------------------------------------------------------------------------

  private podByName(namespace: string, pod: string): PodState | undefined {
    const uid = this.byName.get(`${namespace}/${pod}`);
    return uid ? this.pods.get(uid) : undefined;
  }

  private container(ref: ContainerRef): Container {
    const c = this.podByName(ref.namespace, ref.pod)?.containers.get(ref.container);
    // kubelet_pods.go GetExec / GetAttach: the running container of that name
    if (!c || c.stopped) throw new StatusError(500, 'InternalError', `container not found (${JSON.stringify(ref.container)})`);
    return c;
  }

  check(ref: ContainerRef, op: 'exec' | 'attach' | 'portforward'): void {
    if (op === 'portforward') {
      const st = this.podByName(ref.namespace, ref.pod);
      // kubelet_pods.go GetPortForward: the pod's sandbox among the running pods
      if (!st || !st.containers.size) throw new StatusError(500, 'InternalError', `pod not found (${JSON.stringify(`${ref.pod}_${ref.namespace}`)})`);
      return;
    }
    this.container(ref);
  }

  async exec(ref: ContainerRef, command: string[], streams: SessionStreams): Promise<ProcessResult> {
    const c = this.container(ref);
    const ctx = await this.context(c);
    return this.runner()(command, { ...ctx, env: { ...ctx.env } }, streams);
  }

  async attach(ref: ContainerRef, streams: SessionStreams): Promise<ProcessResult> {
    return this.container(ref).main.attach(streams);
  }

  async portForward(namespace: string, pod: string, port: number): Promise<Duplex> {
    const st = this.podByName(namespace, pod);
    if (!st || !st.containers.size) throw new Error(`pod not found (${JSON.stringify(`${pod}_${namespace}`)})`);
    const conn = this.openPort(st.pod, port, '127.0.0.1');
    if (conn) return conn;
    // containerd's sandbox_portforward_linux.go, as the kubelet relays it
    const sandbox = sandboxID(st.uid);
    throw Object.assign(
      new Error(
        `failed to execute portforward in network namespace "/var/run/netns/cni-${st.uid}": failed to connect to localhost:${port} inside namespace "${sandbox}", IPv4: dial tcp4 127.0.0.1:${port}: connect: connection refused IPv6 dial tcp6 [::1]:${port}: connect: connection refused `,
      ),
      { code: 'ECONNREFUSED' },
    );
  }

  private async collectOrphans(live: Set<string>): Promise<void> {
    try {
      const { readdir } = await import('node:fs/promises');
      for (const uid of await readdir(join(this.root, 'pods')).catch(() => [] as string[])) {
        if (this.closed) return;
        if (!live.has(uid) && !this.pods.has(uid)) await rm(join(this.root, 'pods', uid), { recursive: true, force: true });
      }
    } catch (err) {
      this.log.warn({ err: (err as Error)?.message }, 'runtime: cannot remove the directories of deleted pods');
    }
  }

  // ---- introspection (tests, benchmarks) -------------------------------------------------------

  /** The running containers (pod uid + container name). */
  runningContainers(): { key: ContainerKey; restart: number; id: string }[] {
    const out: { key: ContainerKey; restart: number; id: string }[] = [];
    for (const st of this.pods.values()) for (const c of st.containers.values()) out.push({ key: c.key, restart: c.restart, id: c.id });
    return out;
  }

  /** The context of a running container (sets it up). */
  async contextOf(ref: ContainerRef): Promise<ProcessContext> {
    return this.context(this.container(ref));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const st of this.pods.values()) for (const c of st.containers.values()) this.stopContainer(c);
    await this.web.close();
    if (this.tempRoot) rmSync(this.root, { recursive: true, force: true });
  }
}

/** A stable sandbox id for a pod (64 hex digits, as containerd's). */
function sandboxID(uid: string): string {
  const hex = uid.replace(/[^0-9a-f]/gi, '').toLowerCase();
  return (hex + hex + hex).slice(0, 64).padEnd(64, '0');
}

/** A connection to a local address (`host:port`) a pod port is mapped to. */
function dialAddress(addr: string): Promise<Duplex> {
  const i = addr.lastIndexOf(':');
  const host = addr.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(addr.slice(i + 1));
  return new Promise((resolve, reject) => {
    const s = netConnect(port, host);
    s.once('connect', () => {
      s.off('error', reject);
      resolve(s);
    });
    s.once('error', (err: any) => reject(err?.code ? err : connectError('ECONNREFUSED', host, port)));
  });
}

