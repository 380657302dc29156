// The cluster PKI: a CA "kubernetes", a serving certificate with kubeadm's SANs, an admin client
// certificate (kubernetes-admin / system:masters); kept in <dataDir>/pki and reused.
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePKI, issueClientCertificate, newCA } from '../../src/auth/pki.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'pki-'));
  dirs.push(d);
  return d;
};

describe('cluster PKI', () => {
  const pki = ensurePKI({ host: '127.0.0.1', serviceIP: '10.96.0.1', sans: ['emu.example.com', '192.0.2.7'] });
  const ca = new X509Certificate(pki.caCert);
  const server = new X509Certificate(pki.serverCert);
  const admin = new X509Certificate(pki.adminCert);

  it('the CA is self-signed, CN kubernetes, a CA for ten years', () => {
    expect(ca.subject).toBe('CN=kubernetes');
    expect(ca.issuer).toBe('CN=kubernetes');
    expect(ca.ca).toBe(true);
    expect(ca.verify(ca.publicKey)).toBe(true);
    expect(ca.publicKey.asymmetricKeyDetails).toEqual({ namedCurve: 'prime256v1' });
    const years = (Date.parse(ca.validTo) - Date.parse(ca.validFrom)) / (365 * 86_400_000);
    expect(years).toBeGreaterThan(9.9);
  });

  it('the serving certificate is signed by the CA, for server auth, with the API server names', () => {
    expect(server.issuer).toBe('CN=kubernetes');
    expect(server.subject).toBe('CN=kube-apiserver');
    expect(server.ca).toBe(false);
    expect(server.checkIssued(ca)).toBe(true);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    for (const n of ['localhost', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local', 'emu.example.com']) expect(server.checkHost(n)).toBe(n);
    for (const ip of ['127.0.0.1', '::1', '10.96.0.1', '192.0.2.7']) expect(server.checkIP(ip)).toBe(ip);
    expect(server.checkHost('other.example.com')).toBeUndefined();
    expect(server.checkPrivateKey(createPrivateKey(pki.serverKey))).toBe(true);
  });

  it('the admin certificate is kubernetes-admin in system:masters, for client auth', () => {
    expect(admin.subject.split('\n').sort()).toEqual(['CN=kubernetes-admin', 'O=system:masters']);
    expect(admin.checkIssued(ca)).toBe(true);
    expect(admin.verify(ca.publicKey)).toBe(true);
    expect(admin.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(admin.checkPrivateKey(createPrivateKey(pki.adminKey))).toBe(true);
  });

  it('in memory, every start has a new CA', () => {
    expect(ensurePKI({ host: '127.0.0.1' }).caCert).not.toBe(pki.caCert);
  });

  it('client certificates from another CA do not verify against the cluster CA', () => {
    const other = newCA('other');
    const c = new X509Certificate(issueClientCertificate(other, { cn: 'mallory', o: ['system:masters'] }).cert);
    expect(c.verify(ca.publicKey)).toBe(false);
    expect(c.verify(new X509Certificate(other.cert).publicKey)).toBe(true);
  });
});

describe('cluster PKI in a data dir', () => {
  it('is written to <dataDir>/pki (keys 0600) and reused on the next start', () => {
    const dir = tmp();
    const first = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    for (const f of ['ca.crt', 'apiserver.crt', 'admin.crt']) expect(readFileSync(join(dir, 'pki', f), 'utf8')).toBe(first[({ 'ca.crt': 'caCert', 'apiserver.crt': 'serverCert', 'admin.crt': 'adminCert' } as const)[f as 'ca.crt']]);
    for (const f of ['ca.key', 'apiserver.key', 'admin.key']) expect(statSync(join(dir, 'pki', f)).mode & 0o777).toBe(0o600);
    expect(first.made).toEqual(['ca', 'apiserver', 'admin']);
    const second = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    expect(second).toEqual({ ...first, made: [] });
  });

  it('makes a new serving certificate (same CA) when the SANs asked for are not covered', () => {
    const dir = tmp();
    const first = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    const second = ensurePKI({ dataDir: dir, host: '127.0.0.1', sans: ['api.example.com'] });
    expect(second.caCert).toBe(first.caCert);
    expect(second.adminCert).toBe(first.adminCert);
    expect(second.serverCert).not.toBe(first.serverCert);
    expect(new X509Certificate(second.serverCert).checkHost('api.example.com')).toBe('api.example.com');
    // ... and keeps it while they are
    expect(ensurePKI({ dataDir: dir, host: '127.0.0.1', sans: ['API.example.com'] }).serverCert).toBe(second.serverCert);
  });

  it('a damaged file is made again (a damaged CA key: a new CA and new certificates)', () => {
    const dir = tmp();
    const first = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    writeFileSync(join(dir, 'pki', 'admin.key'), 'garbage');
    const second = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    expect(second.caCert).toBe(first.caCert);
    expect(second.adminCert).not.toBe(first.adminCert);
    expect(new X509Certificate(second.adminCert).checkPrivateKey(createPrivateKey(second.adminKey))).toBe(true);
    writeFileSync(join(dir, 'pki', 'ca.key'), 'garbage');
    const third = ensurePKI({ dataDir: dir, host: '127.0.0.1' });
    expect(third.caCert).not.toBe(first.caCert);
    expect(new X509Certificate(third.serverCert).verify(new X509Certificate(third.caCert).publicKey)).toBe(true);
  });
});
