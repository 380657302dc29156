// The kubeconfig the CLI writes at start (and KubeEmulator.kubeconfig()): over HTTPS it trusts the
// cluster CA and authenticates as kubernetes-admin with the admin client certificate, as kind's;
// in the open mode (plain HTTP) it carries no credentials.

export interface KubeconfigCredentials {
  /** the cluster CA (PEM) */
  ca?: string;
  /** the client certificate and key (PEM) */
  cert?: string;
  key?: string;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');

/**
 * With cluster DNS on, its address is in a comment and in a cluster extension
 * (`kubectl config view -o jsonpath='{.clusters[0].cluster.extensions[0].extension.address}'`).
 */
export function kubeconfigYAML(server: string, dns?: string, creds: KubeconfigCredentials = {}): string {
  const dnsExt = dns ? `\n    extensions:\n    - name: kube-emulator.io/cluster-dns\n      extension:\n        address: ${dns}` : '';
  const caData = creds.ca && server.startsWith('https:') ? `\n    certificate-authority-data: ${b64(creds.ca)}` : '';
  const withCert = !!(creds.cert && creds.key);
  const userName = withCert ? 'kubernetes-admin' : 'kube-emulator';
  const user = withCert ? `\n    client-certificate-data: ${b64(creds.cert!)}\n    client-key-data: ${b64(creds.key!)}` : ' {}';
  return `${dns ? `# cluster DNS (udp+tcp): ${dns}\n` : ''}apiVersion: v1
kind: Config
clusters:
- cluster:${caData}
    server: ${server}${dnsExt}
  name: kube-emulator
contexts:
- context:
    cluster: kube-emulator
    namespace: default
    user: ${userName}
  name: kube-emulator
current-context: kube-emulator
preferences: {}
users:
- name: ${userName}
  user:${user}
`;
}
