// The simulated runtime's pure parts: image profiles and --runtime-config, the container
// environment (service links, $(VAR) expansion), kubelet-managed files, volume paths, the web
// servers' pages.
import { describe, expect, it } from 'vitest';
import { ImageProfiles, imageMatches, imageParts, parseForwardAnnotation, parseRuntimeConfig } from '../../src/runtime/config.js';
import { containerArgv, expand, serviceLinkVars } from '../../src/runtime/env.js';
import { dnsSettings, hostsFile, podFieldValue, resolvConf, resourceFieldValue, under } from '../../src/runtime/volumes.js';
import { NGINX_INDEX, builtinDocuments, httpdErrorPage, nginxErrorPage, serverToken, timeLocal } from '../../src/runtime/webserver.js';
import { clusterDNSAddress } from '../../src/server/app.js';

describe('image profiles', () => {
  it('matches normalized repositories, short names, globs and tags', () => {
    expect(imageParts('nginx')).toEqual({ repo: 'docker.io/library/nginx', short: 'nginx', tag: 'latest' });
    expect(imageParts('ikubernetes/myapp:v1')).toEqual({ repo: 'docker.io/ikubernetes/myapp', short: 'ikubernetes/myapp', tag: 'v1' });
    expect(imageParts('registry.k8s.io/pause@sha256:abc').tag).toBeUndefined();
    expect(imageMatches('nginx', 'docker.io/library/nginx:1.27')).toBe(true);
    expect(imageMatches('nginx', 'nginx:alpine')).toBe(true);
    expect(imageMatches('nginx', 'bitnami/nginx')).toBe(false);
    expect(imageMatches('library/nginx', 'nginx')).toBe(true);
    expect(imageMatches('nginx:1.*', 'nginx:1.25')).toBe(true);
    expect(imageMatches('nginx:1.*', 'nginx:latest')).toBe(false);
    expect(imageMatches('*/myapp', 'ikubernetes/myapp:v3')).toBe(true);
    expect(imageMatches('quay.io/*', 'quay.io/foo/bar:1')).toBe(true);
  });

  it('built-ins: nginx, httpd, myapp serve; busybox runs sh; a config entry comes first', () => {
    const p = new ImageProfiles(parseRuntimeConfig({ images: [{ image: 'nginx', serve: { port: 8080 } }, { image: 'myorg/*', serve: { root: '/srv', port: 3000 }, logs: ['ready'], forward: { 9090: 'localhost:9' }, env: { A: 1 } }] }));
    expect(p.for('nginx:1.27').serve).toEqual({ type: 'http-static', root: '/usr/share/nginx/html', port: 8080, flavor: 'nginx' });
    expect(p.for('nginx').serve?.banner).toBeUndefined();
    expect(new ImageProfiles().for('nginx').serve?.banner).toBe(true);
    expect(p.for('nginx:1.27').env).toEqual({ NGINX_VERSION: '1.27.3' });
    expect(p.for('httpd').serve?.root).toBe('/usr/local/apache2/htdocs');
    expect(p.for('ikubernetes/myapp:v1').serve?.flavor).toBe('myapp');
    expect(p.for('busybox:1.36').command).toEqual(['sh']);
    expect(p.for('myorg/api:2')).toEqual({ serve: { type: 'http-static', root: '/srv', port: 3000, flavor: 'nginx' }, logs: ['ready'], forward: { 9090: 'localhost:9' }, env: { A: '1' } });
    expect(p.for('redis').serve).toBeUndefined();
  });

  it('a bad --runtime-config is refused with the entry named', () => {
    expect(() => parseRuntimeConfig({ images: [{}] }, 'f.yaml')).toThrow('f.yaml: images[0].image: required');
    expect(() => parseRuntimeConfig({ images: [{ image: 'x', serve: { type: 'proxy' } }] })).toThrow('serve.type: only http-static');
    expect(() => parseRuntimeConfig({ images: [{ image: 'x', serve: { port: 70000 } }] })).toThrow('not a port number');
    expect(() => parseRuntimeConfig({ images: [{ image: 'x', forward: { 80: 'nohost' } }] })).toThrow('expected host:port');
    expect(() => parseRuntimeConfig([])).toThrow('expected a map');
    expect(parseRuntimeConfig(null)).toEqual({ images: [] });
  });

  it('the port-forward annotation', () => {
    expect(parseForwardAnnotation('8080=127.0.0.1:3000, 9090=localhost:9,bad,1=x')).toEqual({ 8080: '127.0.0.1:3000', 9090: 'localhost:9' });
    expect(parseForwardAnnotation(undefined)).toEqual({});
  });
});

describe('container environment', () => {
  it('expands $(VAR) as the kubelet does', () => {
    const env = (n: string) => ({ A: 'x', B: 'y' })[n];
    expect(expand('$(A)-$(B)', env)).toBe('x-y');
    expect(expand('$(C) $$(A) $A $', env)).toBe('$(C) $(A) $A $');
    expect(expand('$(A', env)).toBe('$(A');
  });

  it('service link variables (envvars.go)', () => {
    const vars = serviceLinkVars([
      { metadata: { name: 'my-svc' }, spec: { clusterIP: '10.96.0.5', ports: [{ name: 'http', port: 80, protocol: 'TCP' }, { name: 'dns', port: 53, protocol: 'UDP' }] } },
      { metadata: { name: 'headless' }, spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
    ]);
    expect(Object.fromEntries(vars)).toEqual({
      MY_SVC_SERVICE_HOST: '10.96.0.5',
      MY_SVC_SERVICE_PORT: '80',
      MY_SVC_SERVICE_PORT_HTTP: '80',
      MY_SVC_SERVICE_PORT_DNS: '53',
      MY_SVC_PORT: 'tcp://10.96.0.5:80',
      MY_SVC_PORT_80_TCP: 'tcp://10.96.0.5:80',
      MY_SVC_PORT_80_TCP_PROTO: 'tcp',
      MY_SVC_PORT_80_TCP_PORT: '80',
      MY_SVC_PORT_80_TCP_ADDR: '10.96.0.5',
      MY_SVC_PORT_53_UDP: 'udp://10.96.0.5:53',
      MY_SVC_PORT_53_UDP_PROTO: 'udp',
      MY_SVC_PORT_53_UDP_PORT: '53',
      MY_SVC_PORT_53_UDP_ADDR: '10.96.0.5',
    });
  });

  it('argv: command + args, args alone replace the image command, else the image command', () => {
    const env = { NAME: 'w' };
    expect(containerArgv({ command: ['sh', '-c'], args: ['echo $(NAME)'] }, env, ['sh'])).toEqual(['sh', '-c', 'echo w']);
    expect(containerArgv({ args: ['sleep', '10'] }, env, ['sh'])).toEqual(['sleep', '10']);
    expect(containerArgv({}, env, ['sh'])).toEqual(['sh']);
    expect(containerArgv({}, env, undefined)).toEqual([]);
  });

  it('downward API fields and resources', () => {
    const pod = { metadata: { name: 'p', namespace: 'n', uid: 'u', labels: { b: '2', a: '1' } }, spec: { nodeName: 'node-1', containers: [{ name: 'c', resources: { limits: { memory: '64Mi' }, requests: { cpu: '250m' } } }] }, status: { podIP: '10.244.0.3' } };
    expect(podFieldValue(pod, 'metadata.labels')).toBe('a="1"\nb="2"');
    expect(podFieldValue(pod, "metadata.labels['b']")).toBe('2');
    expect(podFieldValue(pod, 'status.podIP')).toBe('10.244.0.3');
    expect(podFieldValue(pod, 'spec.nodeName')).toBe('node-1');
    expect(resourceFieldValue(pod, 'c', { resource: 'limits.memory' })).toBe(String(64 * 1024 * 1024));
    expect(resourceFieldValue(pod, 'c', { resource: 'limits.memory', divisor: '1Mi' })).toBe('64');
    expect(resourceFieldValue(pod, 'c', { resource: 'requests.cpu', divisor: '1m' })).toBe('250');
    expect(resourceFieldValue(pod, 'c', { resource: 'requests.cpu' })).toBe('1');
    expect(resourceFieldValue(pod, 'c', { resource: 'limits.cpu' }, { status: { allocatable: { cpu: '8' } } })).toBe('8');
  });
});

describe('kubelet-managed files', () => {
  const pod = { metadata: { name: 'web-0', namespace: 'sts' }, spec: { hostname: 'web-0', subdomain: 'web', hostAliases: [{ ip: '1.2.3.4', hostnames: ['foo', 'bar'] }] }, status: { podIP: '10.244.0.9', podIPs: [{ ip: '10.244.0.9' }] } };
  it('/etc/hosts', () => {
    expect(hostsFile(pod, 'cluster.local')).toBe(
      '# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\nfe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n10.244.0.9\tweb-0.web.sts.svc.cluster.local\tweb-0\n\n# Entries added by HostAliases.\n1.2.3.4\tfoo\tbar\n',
    );
    expect(hostsFile({ metadata: { name: 'p' }, status: { podIP: '10.0.0.1' } }, 'cluster.local')).toMatch(/ip6-allrouters\n10\.0\.0\.1\tp\n$/);
  });
  it('/etc/resolv.conf for the DNS policies', () => {
    expect(resolvConf(pod, 'cluster.local', '10.96.0.10')).toBe('search sts.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n');
    const none = { metadata: { namespace: 'x' }, spec: { dnsPolicy: 'None', dnsConfig: { nameservers: ['1.1.1.1'], searches: ['a.b'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] } } };
    expect(resolvConf(none, 'cluster.local', '10.96.0.10')).toBe('search a.b\nnameserver 1.1.1.1\noptions ndots:2 edns0\n');
    expect(dnsSettings({ metadata: { namespace: 'x' }, spec: { hostNetwork: true } }, 'cluster.local', '10.96.0.10').search).toEqual([]);
    expect(dnsSettings({ metadata: { namespace: 'x' }, spec: { hostNetwork: true, dnsPolicy: 'ClusterFirstWithHostNet' } }, 'cluster.local', '10.96.0.10').ndots).toBe(5);
  });
  it('volume paths never leave their root', () => {
    expect(under('/r', '/data/volumes/v0')).toBe('/r/data/volumes/v0');
    expect(under('/r', '../../etc/passwd')).toBe('/r/etc/passwd');
    expect(under('/r', '/a/../../..')).toBe('/r');
  });
  it('the cluster DNS address from the service CIDR', () => {
    expect(clusterDNSAddress('10.96.0.0/12')).toBe('10.96.0.10');
    expect(clusterDNSAddress('172.20.0.0/16')).toBe('172.20.0.10');
    expect(clusterDNSAddress('fd00::/108')).toBe('10.96.0.10');
  });
});

describe('web server pages', () => {
  it('nginx: the welcome page (615 bytes), error pages as nginx words them', () => {
    expect(Buffer.byteLength(NGINX_INDEX)).toBe(615);
    expect(nginxErrorPage(404, 'nginx/1.27.3')).toBe('<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx/1.27.3</center>\r\n</body>\r\n</html>\r\n');
    expect(Buffer.byteLength(nginxErrorPage(404, 'nginx/1.27.3'))).toBe(153);
    expect(nginxErrorPage(403, 'nginx/1.12.2')).toContain('<body bgcolor="white">');
    expect(serverToken('nginx', '1.25')).toBe('nginx/1.25.0');
    expect(serverToken('nginx', 'latest')).toBe('nginx/1.27.3');
    expect(serverToken('myapp', 'v1')).toBe('nginx/1.12.2');
    expect(serverToken('httpd', '2.4')).toBe('Apache/2.4.62 (Unix)');
  });
  it('httpd and myapp', () => {
    expect(httpdErrorPage(404)).toContain('<p>The requested URL was not found on this server.</p>');
    expect(builtinDocuments('myapp', 'v3')['index.html']).toBe('Hello MyApp | Version: v3 | <a href="hostname.html">Pod Name</a>\n');
    expect(builtinDocuments('httpd', undefined)['index.html']).toBe('<html><body><h1>It works!</h1></body></html>\n');
  });
  it('the access log time', () => {
    expect(timeLocal(new Date(Date.UTC(2026, 11, 2, 4, 5, 6)))).toBe('02/Dec/2026:04:05:06 +0000');
  });
});
