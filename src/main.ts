#!/usr/bin/env node
// The kube-emulator CLI: starts the API server (and, with the controllers, the cluster) and writes
// a kubeconfig pointing at it.
import { writeFileSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { createServer } from './server/app.js';
import { DNSPortInUseError } from './dns/server.js';

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
  -h, --help                this text
`;

/**
 * The kubeconfig written at start. With cluster DNS on, its address is in a comment and in a
 * cluster extension (`kubectl config view -o jsonpath='{.clusters[0].cluster.extensions[0].extension.address}'`).
 */
export function kubeconfigYAML(server: string, dns?: string): string {
  const dnsExt = dns ? `\n    extensions:\n    - name: kube-emulator.io/cluster-dns\n      extension:\n        address: ${dns}` : '';
  return `${dns ? `# cluster DNS (udp+tcp): ${dns}\n` : ''}apiVersion: v1
kind: Config
clusters:
- cluster:
    server: ${server}${dnsExt}
  name: kube-emulator
contexts:
- context:
    cluster: kube-emulator
    namespace: default
    user: kube-emulator
  name: kube-emulator
current-context: kube-emulator
preferences: {}
users:
- name: kube-emulator
  user:
    token: kube-emulator
`;
}

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
      'disable-admission-plugins': { type: 'string', default: '' },
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
  const emu = await createServer({
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
    writeFileSync(file, kubeconfigYAML(server, dns));
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

main().catch((err) => {
  process.stderr.write(`kube-emulator: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
