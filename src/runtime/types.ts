// The simulated container runtime's seams (issue 16): what the streaming endpoints (pods/exec,
// pods/attach, pods/portforward, pods/log) ask of a runtime, what the built-in shell is given to run a
// command in a container, and the container's view of its filesystem and network.
//
// Three parts meet here:
// - src/server/streaming/: the upgrade protocols (WebSocket v4/v5/base64, SPDY/3.1), which turn a
//   request into SessionStreams and call a ContainerRuntime;
// - src/runtime/shell/ and src/runtime/fs.ts: the built-in shell and its commands, over a ContainerFS;
// - src/runtime/ (runtime.ts, network.ts, ...): the SimulatedRuntime that keeps a container per running
//   pod container (filesystem, environment, processes, logs, listeners) and the pod network.
import type { Duplex, Readable, Writable } from 'node:stream';

/** Which container: the apiserver has already checked the pod and the container name. */
export interface ContainerRef {
  namespace: string;
  pod: string;
  /** the container's name (kubectl sends the default container when none is given) */
  container: string;
}

/** One exec/attach session's streams, as the streaming protocol delivers them. */
export interface SessionStreams {
  /** present when the client asked for stdin (`stdin=true`); ends when the client closes stdin */
  stdin?: Readable;
  /** present when the client asked for stdout */
  stdout?: Writable;
  /** present when the client asked for stderr and there is no tty (a tty merges stderr into stdout) */
  stderr?: Writable;
  tty: boolean;
  /** terminal size changes from the resize channel (tty only) */
  onResize?(fn: (size: { width: number; height: number }) => void): void;
  /** aborted when the client goes away: whatever runs must stop and settle */
  signal: AbortSignal;
}

/** How a process ended. */
export interface ProcessResult {
  /** the exit status (0 = success); a process killed by a signal reports 128 + the signal number */
  exitCode: number;
  /**
   * set when the process could not start at all (an exec of a file that does not exist): the runtime's
   * message, which the kubelet sends as the error channel's Status message instead of an exit code
   */
  startError?: string;
}

/** What the streaming endpoints need from a runtime. Checks that upstream's kubelet makes before the
 *  upgrade (container not running: `container not found ("name")`) throw a StatusError from `check`. */
export interface ContainerRuntime {
  /** throws a StatusError (as the kubelet would answer before upgrading) when the container cannot be
   *  exec'd / attached to / forwarded to now */
  check(ref: ContainerRef, op: 'exec' | 'attach' | 'portforward'): void;
  exec(ref: ContainerRef, command: string[], streams: SessionStreams): Promise<ProcessResult>;
  /** attaches to the container's main process: its output from now on, its stdin when the pod has stdin */
  attach(ref: ContainerRef, streams: SessionStreams): Promise<ProcessResult>;
  /** a TCP connection to `port` of the pod, in the simulated network (rejects with an Error whose
   *  message is upstream's when nothing listens: the portforward error stream carries it) */
  portForward(namespace: string, pod: string, port: number): Promise<Duplex>;
}

/** A file's metadata in a container's view. */
export interface FileStat {
  type: 'file' | 'dir' | 'symlink';
  size: number;
  /** permission bits (0o644) */
  mode: number;
  mtimeMs: number;
}

/**
 * A container's filesystem: absolute container paths (`/usr/share/nginx/html/index.html`) mapped onto
 * host directories: the container's own root directory, its volume mounts, and an image layer. Every
 * method resolves `path` against the mount table and must never reach a host path outside them
 * (`..`, absolute symlink targets and symlinks out of a mount are resolved inside the container's view).
 * Errors are Node-style (`err.code` ENOENT, ENOTDIR, EISDIR, EEXIST, ENOTEMPTY, EROFS, EACCES).
 */
export interface ContainerFS {
  stat(path: string): Promise<FileStat>;
  lstat(path: string): Promise<FileStat>;
  readFile(path: string): Promise<Buffer>;
  createReadStream(path: string): Promise<Readable>;
  writeFile(path: string, data: Buffer | string, opts?: { append?: boolean; mode?: number }): Promise<void>;
  createWriteStream(path: string, opts?: { append?: boolean; mode?: number }): Promise<Writable>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, opts?: { recursive?: boolean; mode?: number }): Promise<void>;
  /** removes a file, or a directory with `recursive` */
  rm(path: string, opts?: { recursive?: boolean; force?: boolean }): Promise<void>;
  rename(from: string, to: string): Promise<void>;
  symlink(target: string, path: string): Promise<void>;
  readlink(path: string): Promise<string>;
  chmod(path: string, mode: number): Promise<void>;
  utimes(path: string, atimeMs: number, mtimeMs: number): Promise<void>;
}

/** A volume mount in a container's filesystem. */
export interface MountSpec {
  /** the absolute path in the container */
  mountPath: string;
  /** the host directory (or, with a subPath, file) it shows */
  hostPath: string;
  readOnly?: boolean;
}

/** What `createContainerFS` (src/runtime/fs.ts) is given. */
export interface ContainerFSSpec {
  /** the container's writable root: a host directory owned by the runtime */
  rootDir: string;
  /** a read-only image layer under the root (files the image would have), when one is configured */
  imageDir?: string;
  mounts: MountSpec[];
}

/** A resolved DNS answer for a name, as the pod's resolver (search path, ndots:5) finds it. */
export interface LookupResult {
  /** the fully-qualified name that answered (`sts-pod-contoller-1.sts-service.sts.svc.cluster.local`) */
  name: string;
  addresses: string[];
}

/** The pod's view of the cluster network. */
export interface PodNetwork {
  /** resolves `name` as the pod's /etc/resolv.conf would (search `<ns>.svc.<zone> svc.<zone> <zone>`,
   *  ndots:5), with the cluster DNS; undefined when nothing answers (NXDOMAIN) */
  lookup(name: string): Promise<LookupResult | undefined>;
  /** the cluster DNS server's address as the pod sees it (for nslookup's `Server:` line) */
  readonly nameserver: string;
  /** a TCP connection to ip:port (a pod IP, a Service ClusterIP, or 127.0.0.1 = this pod); rejects with
   *  an Error whose `code` is ECONNREFUSED when nothing listens, ETIMEDOUT / EHOSTUNREACH for no route */
  connect(ip: string, port: number): Promise<Duplex>;
}

/** What a command gets to run inside a container (built by the runtime, used by the shell). */
export interface ProcessContext {
  fs: ContainerFS;
  /** the container's environment: its spec's env (resolved), service links, HOSTNAME, PATH, HOME */
  env: Record<string, string>;
  hostname: string;
  /** the working directory (the container's workingDir, else `/`) */
  cwd: string;
  network: PodNetwork;
}

/** Runs argv in a container (src/runtime/shell/index.ts implements it): a built-in command, or `sh`. */
export type RunCommand = (argv: string[], ctx: ProcessContext, streams: SessionStreams) => Promise<ProcessResult>;

/** One container of one pod (the uid tells a re-created pod of the same name apart). */
export interface ContainerKey {
  namespace: string;
  pod: string;
  uid: string;
  container: string;
}

/** Where a running container's output goes (its log, which `kubectl logs` reads). */
export interface ContainerLogSink {
  write(stream: 'stdout' | 'stderr', data: string | Buffer): void;
}

/** The containers' logs (src/runtime/logs.ts implements it; pods/log reads it). */
export interface ContainerLogs {
  /** the log of one run of a container; `restart` is status.restartCount when the run started */
  sink(key: ContainerKey, restart: number): ContainerLogSink;
  /** that run ended: readers following it (`logs -f`) finish */
  end(key: ContainerKey, restart: number): void;
  /** the pod is gone: its logs go */
  remove(uid: string): void;
}

/** A container's main process (its command and args), started when the container starts. */
export interface MainProcess {
  /** `kubectl attach`: its output from now on, and its stdin when the container has `stdin: true` */
  attach(streams: SessionStreams): Promise<ProcessResult>;
  /** settles when the process exits */
  readonly exited: Promise<ProcessResult>;
  /** stops it (SIGTERM, then SIGKILL after the grace period, as the kubelet does) */
  stop(graceMs?: number): Promise<ProcessResult>;
}

/** Starts a main process (src/runtime/mainprocess.ts implements it). */
export type StartMainProcess = (
  argv: string[],
  ctx: ProcessContext,
  opts: { stdin: boolean; stdinOnce: boolean; tty: boolean; log: ContainerLogSink; run: RunCommand },
) => MainProcess;
