#!/usr/bin/env node
// The kube-emulator CLI: starts the API server (and, with the controllers, the cluster) and writes
// a kubeconfig pointing at it.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createServer } from './server/app.js';
import { DNSPortInUseError } from './dns/server.js';
import type { SecurityOptions } from './auth/security.js';
import { kubeconfigYAML } from './server/kubeconfig.js';


/** The cluster DNS port when --dns-port is not given (and --port is not 0). */
const DEFAULT_DNS_PORT = 10053;

const USAGE = `Usage: kube-emulator [flags]

  --host HOST               address to listen on (default 127.0.0.1)
  --port PORT               port to listen on; 0 picks a free one (default 6443)
  --data-dir DIR            where the SQLite database lives (default ./data)
  --in-memory               keep everything in memory (no files; for tests)
  --kubeconfig FILE         where to write the kubeconfig (default ./kubeconfig; "" = none)
  --emulated-version VER    the Kubernetes version to be (default v1.33.0)
  --service-cidr CIDR       ClusterIP range (default 10.96.0.0/12)
  --watch-retention N       keep at most N change-log events for watch resume (default 100000)
  --watch-retention-age S   ... and none older than S seconds (default 3600)
  --controllers LIST        controllers to run, comma-separated: '*' all (default), 'a,b' only those,
                            '*,-name' all but one, '' none
  --nodes N                 simulated nodes (default 1)
  --pod-stages PROFILE      pod lifecycle timing: default (100-500 ms steps) or fast (zero delay)
  --default-storage-class   make the built-in StorageClass 'standard' the cluster default
  --dns-port PORT           cluster DNS (UDP+TCP) port on --host; 0 = off (default 10053, or a
                            free port when 10053 is taken or --port is 0; logged, and in the kubeconfig)
  --disable-admission-plugins LIST
                            admission plugins to turn off, comma-separated (upstream's names; only
                            ServiceAccount can be turned off: pods then need no ServiceAccount)
  --log-level LEVEL         trace|debug|info|warn|error (default info)

Container runtime (exec, attach, cp, port-forward, logs on the simulated nodes; see the README):
  --image-dir DIR           image layers: DIR/<image repo path>/<tag> or DIR/<image repo path>
                            (e.g. DIR/nginx/1.27, DIR/ikubernetes/myapp) show in the containers
  --nfs-root DIR            NFS volumes are DIR/<server>/<path> (default <data-dir>/nfs)
  --host-path-root DIR      hostPath and local volumes are DIR/<path>, never the host's own path
                            (default <data-dir>/runtime/hostpath)
  --runtime-config FILE     YAML: per image web serving, port mappings, log lines, env
  --exec-mode MODE          builtin (default: a safe built-in shell) or local (kubectl exec runs
                            real commands on this machine as this user: only on a trusted machine)

Security (default: HTTPS with a cluster CA kept in <data-dir>/pki, client certificates, RBAC;
the kubeconfig written authenticates as kubernetes-admin, group system:masters):
  --insecure                the old open mode: plain HTTP, no authentication, every request
                            allowed. Anyone who reaches the port is cluster admin: only on a
                            loopback address, only for throw-away clusters
  --insecure-http           plain HTTP, authentication and authorization still on
  --tls-cert-file FILE      serving certificate (PEM) instead of one signed by the cluster CA
  --tls-private-key-file F  its private key (PEM)
  --tls-san NAME            an extra DNS name or IP of the generated serving certificate
                            (repeatable, or a comma-separated list)
  --authorization-mode M    RBAC (default) or AlwaysAllow
  --anonymous-auth BOOL     requests without credentials are system:anonymous (default true)
  --token-auth-file FILE    static bearer tokens: CSV token,user,uid[,"group1,group2"]
  --service-account-issuer URL
                            the iss of service-account tokens
                            (default https://kubernetes.default.svc.cluster.local)
  -h, --help                this text
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '6443' },
      'data-dir': { type: 'string', default: './data' },
      'in-memory': { type: 'boolean', default: false },
      kubeconfig: { type: 'string', default: './kubeconfig' },
      'emulated-version': { type: 'string', default: 'v1.33.0' },
      'service-cidr': { type: 'string', default: '10.96.0.0/12' },
      'watch-retention': { type: 'string' },
      'watch-retention-age': { type: 'string' },
      'log-level': { type: 'string', default: 'info' },
      controllers: { type: 'string', default: '*' },
      nodes: { type: 'string', default: '1' },
      'pod-stages': { type: 'string', default: 'default' },
      'default-storage-class': { type: 'boolean', default: false },
      'dns-port': { type: 'string' },
      insecure: { type: 'boolean', default: false },
      'insecure-http': { type: 'boolean', default: false },
      'tls-cert-file': { type: 'string' },
      'tls-private-key-file': { type: 'string' },
      'tls-san': { type: 'string', multiple: true },
      'authorization-mode': { type: 'string' },
      'anonymous-auth': { type: 'string' },
      'token-auth-file': { type: 'string' },
      'service-account-issuer': { type: 'string' },
      'disable-admission-plugins': { type: 'string', default: '' },
      'image-dir': { type: 'string' },
      'nfs-root': { type: 'string' },
      'host-path-root': { type: 'string' },
      'runtime-config': { type: 'string' },
      'exec-mode': { type: 'string', default: 'builtin' },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const logger = pino({ level: values['log-level'], base: undefined });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: not a port number: ${values.port}`);
  const started = process.hrtime.bigint();
  if (!['default', 'fast'].includes(values['pod-stages']!)) throw new Error(`--pod-stages: expected default or fast, got ${values['pod-stages']}`);
  if (!(Number(values.nodes) >= 0)) throw new Error(`--nodes: not a number: ${values.nodes}`);
  // an explicit --dns-port is taken as given (0 = no DNS); without it, --port 0 means a free DNS port
  // too, and a taken default port is replaced by a free one (two servers on one machine)
  let dnsPort: number | 'free' = port === 0 ? 'free' : DEFAULT_DNS_PORT;
  if (values['dns-port'] !== undefined) {
    dnsPort = Number(values['dns-port']);
    if (!Number.isInteger(dnsPort) || dnsPort < 0 || dnsPort > 65535) throw new Error(`--dns-port: not a port number: ${values['dns-port']}`);
  }
  if (!['builtin', 'local'].includes(values['exec-mode']!)) throw new Error(`--exec-mode: expected builtin or local, got ${values['exec-mode']}`);
  const security = securityOptions(values);
  const emu = await createServer({
    security,
    host: values.host,
    port,
    dataDir: values['in-memory'] ? undefined : resolve(values['data-dir']!),
    inMemory: values['in-memory'],
    emulatedVersion: values['emulated-version'],
    serviceCIDR: values['service-cidr'],
    retentionCount: values['watch-retention'] ? Number(values['watch-retention']) : undefined,
    retentionAgeMs: values['watch-retention-age'] ? Number(values['watch-retention-age']) * 1000 : undefined,
    controllers: values.controllers!.split(',').map((c) => c.trim()).filter(Boolean),
    nodes: Number(values.nodes),
    podStages: values['pod-stages'] === 'fast' ? 'fast' : 'default',
    defaultStorageClass: values['default-storage-class'],
    dnsPort,
    dnsPortFallback: values['dns-port'] === undefined,
    disableAdmissionPlugins: values['disable-admission-plugins']!.split(',').map((p) => p.trim()).filter(Boolean),
    runtimeOptions: {
      imageDir: values['image-dir'] ? resolve(values['image-dir']) : undefined,
      nfsRoot: values['nfs-root'] ? resolve(values['nfs-root']) : undefined,
      hostPathRoot: values['host-path-root'] ? resolve(values['host-path-root']) : undefined,
      configFile: values['runtime-config'] ? resolve(values['runtime-config']) : undefined,
      execMode: values['exec-mode'] === 'local' ? 'local' : 'builtin',
    },
    logger,
    // as etcd does when it cannot write its log: what is on disk is served again at the next start
    onStorageFailure: () => process.exit(70),
  }).catch((err: unknown) => {
    if (err instanceof DNSPortInUseError)
      throw new Error(`--dns-port ${err.port}: ${err.host}:${err.port} is already in use (${err.protocol}); choose another port, or --dns-port 0 to run without cluster DNS`);
    throw err;
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const server = values.host === '0.0.0.0' ? emu.url.replace('0.0.0.0', '127.0.0.1') : emu.url;
  const dnsHost = values.host === '0.0.0.0' ? '127.0.0.1' : values.host!.includes(':') ? `[${values.host}]` : values.host;
  const dns = emu.dnsPort ? `${dnsHost}:${emu.dnsPort}` : undefined;
  logger.info({ url: emu.url, dns, startupMs: Math.round(ms) }, 'kube-emulator is serving');
  if (values.kubeconfig) {
    const file = resolve(values.kubeconfig);
    mkdirSync(dirname(file), { recursive: true });
    // the admin key is in it: readable by its owner only
    writeFileSync(file, emu.kubeconfig({ server, dns }), { mode: 0o600 });
    logger.info({ kubeconfig: file }, `kubeconfig written: export KUBECONFIG=${file}`);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await emu.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The security flags as SecurityOptions (upstream kube-apiserver's names and defaults). */
function securityOptions(v: Record<string, string | boolean | string[] | undefined>): SecurityOptions {
  if (v.insecure) {
    for (const f of ['insecure-http', 'tls-cert-file', 'tls-private-key-file', 'authorization-mode', 'anonymous-auth', 'token-auth-file'])
      if (v[f] !== undefined && v[f] !== false) throw new Error(`--insecure turns security off: --${f} has no effect with it`);
    return { open: true };
  }
  const mode = v['authorization-mode'] as string | undefined;
  if (mode !== undefined && mode !== 'RBAC' && mode !== 'AlwaysAllow') throw new Error(`--authorization-mode: expected RBAC or AlwaysAllow, got ${mode}`);
  const anon = v['anonymous-auth'] as string | undefined;
  if (anon !== undefined && anon !== 'true' && anon !== 'false') throw new Error(`--anonymous-auth: expected true or false, got ${anon}`);
  if (!!v['tls-cert-file'] !== !!v['tls-private-key-file']) throw new Error('--tls-cert-file and --tls-private-key-file go together');
  if (v['insecure-http'] && v['tls-cert-file']) throw new Error('--insecure-http serves plain HTTP: --tls-cert-file has no effect with it');
  const sans = ((v['tls-san'] as string[] | undefined) ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  return {
    insecureHTTP: !!v['insecure-http'],
    authorizationMode: mode as SecurityOptions['authorizationMode'],
    anonymousAuth: anon === undefined ? undefined : anon === 'true',
    tokenAuthFile: v['token-auth-file'] as string | undefined,
    tlsCertFile: v['tls-cert-file'] ? resolve(v['tls-cert-file'] as string) : undefined,
    tlsPrivateKeyFile: v['tls-private-key-file'] ? resolve(v['tls-private-key-file'] as string) : undefined,
    tlsSANs: sans.length ? sans : undefined,
    serviceAccountIssuer: v['service-account-issuer'] as string | undefined,
  };
}

main().catch((err) => {
  process.stderr.write(`kube-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
