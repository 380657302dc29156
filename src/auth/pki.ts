// The cluster's PKI, as kubeadm (and so kind) lays it out: a CA `kubernetes`, the API server's
// serving certificate signed by it, and an admin client certificate (CN kubernetes-admin, O
// system:masters). Kept in <dataDir>/pki/ and reused on later starts; fresh in memory.
// Upstream: cmd/kubeadm/app/phases/certs/certlist.go, staging/src/k8s.io/client-go/util/cert.
//
// The certificates are written as DER by hand and signed with node:crypto (ECDSA P-256 /
// SHA-256): a few milliseconds, where loading an X.509 library costs ~200 ms of start-up.
import { X509Certificate, createPrivateKey, createPublicKey, createHash, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { join } from 'node:path';

export interface ClusterPKI {
  /** the cluster CA certificate (PEM) */
  caCert: string;
  caKey: string;
  /** the serving certificate and key (PEM) */
  serverCert: string;
  serverKey: string;
  /** the admin client certificate and key (PEM): user kubernetes-admin, group system:masters */
  adminCert: string;
  adminKey: string;
  /** what this start made (ca, apiserver, admin); empty when everything was reused */
  made: string[];
}

export interface PKIOptions {
  /** where to keep the files (`<dataDir>/pki`); undefined: in memory, fresh each start */
  dataDir?: string;
  /** the listen address (a SAN of the serving certificate) */
  host: string;
  /** the first ClusterIP of the service range (kubernetes.default's address) */
  serviceIP?: string;
  /** extra SANs (DNS names or IP addresses) */
  sans?: string[];
}

const DAY = 86_400_000;
// kubeadm: CA 10 years, leaf certificates 1 year (constants.CertificateValidityPeriod)
const CA_VALIDITY = 3650 * DAY;
const LEAF_VALIDITY = 365 * DAY;

/** The SANs a serving certificate must carry (kubeadm GetAPIServerAltNames, plus the loopback names). */
export function servingSANs(opts: PKIOptions): string[] {
  const names = ['localhost', '127.0.0.1', '::1', 'kubernetes', 'kubernetes.default', 'kubernetes.default.svc', 'kubernetes.default.svc.cluster.local'];
  if (opts.serviceIP) names.push(opts.serviceIP);
  if (opts.host && opts.host !== '0.0.0.0' && opts.host !== '::') names.push(opts.host);
  for (const s of opts.sans ?? []) if (s) names.push(s);
  return [...new Set(names.map(normalizeSAN))];
}

function normalizeSAN(s: string): string {
  const t = s.trim().replace(/^\[|\]$/g, '');
  return isIP(t) ? canonicalIP(t) : t.toLowerCase();
}

/** Loads the PKI from `<dataDir>/pki`, making what is missing (or a serving certificate that no longer fits). */
export function ensurePKI(opts: PKIOptions): ClusterPKI {
  const sans = servingSANs(opts);
  const dir = opts.dataDir ? join(opts.dataDir, 'pki') : undefined;
  const read = (name: string) => (dir && existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : undefined);
  const write = (name: string, data: string, secret: boolean) => {
    if (dir) writeFileSync(join(dir, name), data, { mode: secret ? 0o600 : 0o644 });
  };
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o755 });
  const now = Date.now();
  const made: string[] = [];

  let caCert = read('ca.crt');
  let caKey = read('ca.key');
  let caNew = false;
  // a file that cannot be read back, or a key that is not the certificate's, is made again
  if (!caCert || !caKey || !usable(caCert, now) || !pairs(caCert, caKey)) {
    const key = newKey();
    caKey = key.pem;
    caCert = makeCertificate({ subject: { cn: 'kubernetes' }, key: key.key, signer: key.key, ca: true, validity: CA_VALIDITY, now });
    write('ca.crt', caCert, false);
    write('ca.key', caKey, true);
    caNew = true;
    made.push('ca');
  }
  const caPrivate = createPrivateKey(caKey);
  const caX = new X509Certificate(caCert);

  let serverCert = read('apiserver.crt');
  let serverKey = read('apiserver.key');
  if (caNew || !serverCert || !serverKey || !usable(serverCert, now, caX) || !pairs(serverCert, serverKey) || !coversSANs(serverCert, sans)) {
    const key = newKey();
    serverKey = key.pem;
    serverCert = makeCertificate({ subject: { cn: 'kube-apiserver' }, key: key.key, signer: caPrivate, issuer: caX, extKeyUsage: [OID.serverAuth], sans, validity: LEAF_VALIDITY, now });
    write('apiserver.crt', serverCert, false);
    write('apiserver.key', serverKey, true);
    made.push('apiserver');
  }

  let adminCert = read('admin.crt');
  let adminKey = read('admin.key');
  if (caNew || !adminCert || !adminKey || !usable(adminCert, now, caX) || !pairs(adminCert, adminKey)) {
    const key = newKey();
    adminKey = key.pem;
    adminCert = makeCertificate({ subject: { cn: 'kubernetes-admin', o: ['system:masters'] }, key: key.key, signer: caPrivate, issuer: caX, extKeyUsage: [OID.clientAuth], validity: LEAF_VALIDITY, now });
    write('admin.crt', adminCert, false);
    write('admin.key', adminKey, true);
    made.push('admin');
  }
  return { caCert, caKey, serverCert, serverKey, adminCert, adminKey, made };
}

/** A client certificate signed by the given CA (tests, and users the emulator vouches for). */
export function issueClientCertificate(ca: { cert: string; key: string }, user: { cn: string; o?: string[] }, validity = LEAF_VALIDITY, now = Date.now()): { cert: string; key: string } {
  const key = newKey();
  const cert = makeCertificate({ subject: user, key: key.key, signer: createPrivateKey(ca.key), issuer: new X509Certificate(ca.cert), extKeyUsage: [OID.clientAuth], validity, now });
  return { cert, key: key.pem };
}

/** A serving certificate signed by the given CA (tests: a user's own --tls-cert-file). */
export function issueServingCertificate(ca: { cert: string; key: string }, sans: string[], now = Date.now()): { cert: string; key: string } {
  const key = newKey();
  const cert = makeCertificate({ subject: { cn: sans[0] ?? 'localhost' }, key: key.key, signer: createPrivateKey(ca.key), issuer: new X509Certificate(ca.cert), extKeyUsage: [OID.serverAuth], sans: sans.map(normalizeSAN), validity: LEAF_VALIDITY, now });
  return { cert, key: key.pem };
}

/** A self-signed CA (tests: a CA the cluster does not trust). */
export function newCA(cn: string): { cert: string; key: string } {
  const key = newKey();
  return { cert: makeCertificate({ subject: { cn }, key: key.key, signer: key.key, ca: true, validity: CA_VALIDITY, now: Date.now() }), key: key.pem };
}

function newKey(): { key: KeyObject; pem: string } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  // kubeadm writes EC keys as "EC PRIVATE KEY" (SEC 1)
  return { key: privateKey, pem: privateKey.export({ type: 'sec1', format: 'pem' }) as string };
}

function usable(pem: string, now: number, ca?: X509Certificate): boolean {
  try {
    const x = new X509Certificate(pem);
    // renew when less than a week is left
    if (Date.parse(x.validFrom) > now || Date.parse(x.validTo) < now + 7 * DAY) return false;
    if (ca && (!x.checkIssued(ca) || !x.verify(ca.publicKey))) return false;
    return true;
  } catch {
    return false;
  }
}

function pairs(certPem: string, keyPem: string): boolean {
  try {
    return new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem));
  } catch {
    return false;
  }
}

function coversSANs(pem: string, sans: string[]): boolean {
  try {
    const have = new Set(
      (new X509Certificate(pem).subjectAltName ?? '')
        .split(', ')
        .map((s) => s.replace(/^(DNS|IP Address):/, ''))
        .map(normalizeSAN),
    );
    return sans.every((s) => have.has(s));
  } catch {
    return false;
  }
}

// ---- DER (ITU-T X.690) and the certificate (RFC 5280) ----

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSHA256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function tlv(tag: number, content: Buffer): Buffer {
  const n = content.length;
  let len: Buffer;
  if (n < 0x80) len = Buffer.from([n]);
  else {
    const bytes: number[] = [];
    for (let v = n; v > 0; v >>= 8) bytes.unshift(v & 0xff);
    len = Buffer.from([0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([Buffer.from([tag]), len, content]);
}
const seq = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
const octets = (b: Buffer) => tlv(0x04, b);
const bool = (v: boolean) => tlv(0x01, Buffer.from([v ? 0xff : 0]));
const utf8 = (s: string) => tlv(0x0c, Buffer.from(s, 'utf8'));
const bitString = (b: Buffer, unused = 0) => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && !(b[i + 1] & 0x80)) i++;
  b = b.subarray(i);
  return tlv(0x02, b[0] & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
}

function oid(s: string): Buffer {
  const parts = s.split('.').map(Number);
  const out = [40 * parts[0] + parts[1]];
  for (const p of parts.slice(2)) {
    const bytes = [p & 0x7f];
    for (let v = p >>> 7; v > 0; v >>>= 7) bytes.unshift((v & 0x7f) | 0x80);
    out.push(...bytes);
  }
  return tlv(0x06, Buffer.from(out));
}

/** UTCTime until 2049, GeneralizedTime after (RFC 5280 4.1.2.5) */
function time(ms: number): Buffer {
  const d = new Date(Math.floor(ms / 1000) * 1000);
  const iso = d.toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
  return d.getUTCFullYear() < 2050 ? tlv(0x17, Buffer.from(iso.slice(2))) : tlv(0x18, Buffer.from(iso));
}

function name(n: { cn: string; o?: string[] }): Buffer {
  // crypto/x509's order: O before CN
  const rdns = [...(n.o ?? []).map((o) => set(seq(oid(OID.organization), utf8(o)))), set(seq(oid(OID.commonName), utf8(n.cn)))];
  return seq(...rdns);
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function ipBytes(ip: string): number[] {
  if (isIP(ip) === 4) return ip.split('.').map(Number);
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const parse = (s: string | undefined) =>
    (s ? s.split(':') : []).flatMap((g) => {
      if (!g.includes('.')) return [parseInt(g, 16)];
      const v4 = ipBytes(g); // an embedded IPv4 tail (::ffff:1.2.3.4)
      return [(v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]];
    });
  const h = parse(head);
  const t = parse(tail);
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill(0), ...t];
  return groups.flatMap((g) => [g >> 8, g & 0xff]);
}

/** The form X509Certificate.subjectAltName prints an IPv6 address in: full groups, no zero compression. */
function canonicalIP(ip: string): string {
  const b = ipBytes(ip);
  if (b.length === 4) return b.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((b[i] << 8) | b[i + 1]).toString(16).toUpperCase());
  return groups.join(':');
}

function generalNames(sans: string[]): Buffer {
  return seq(...sans.map((s) => (isIP(s) ? tlv(0x87, Buffer.from(ipBytes(s))) : tlv(0x82, Buffer.from(s, 'ascii')))));
}

/** KeyUsage bits, most significant first: digitalSignature(0), keyEncipherment(2), keyCertSign(5) */
function keyUsage(ca: boolean): Buffer {
  // digitalSignature | keyEncipherment (| keyCertSign): kubeadm's (pkiutil NewSelfSignedCACert / NewSignedCert)
  const bits = 0x80 | 0x20 | (ca ? 0x04 : 0);
  const unused = ca ? 2 : 5;
  return bitString(Buffer.from([bits]), unused);
}

interface CertSpec {
  subject: { cn: string; o?: string[] };
  key: KeyObject;
  signer: KeyObject;
  issuer?: X509Certificate;
  ca?: boolean;
  extKeyUsage?: string[];
  sans?: string[];
  validity: number;
  now: number;
}

function makeCertificate(spec: CertSpec): string {
  const spki = createPublicSPKI(spec.key);
  const ski = createHash('sha1').update(subjectPublicKeyBits(spki)).digest();
  const issuerSKI = spec.issuer ? subjectKeyIdOf(spec.issuer) : ski;
  const issuerName = spec.issuer ? rawSubject(spec.issuer.raw) : name(spec.subject);
  const serial = randomBytes(16);
  serial[0] &= 0x7f;
  const exts: Buffer[] = [extension(OID.keyUsage, true, keyUsage(!!spec.ca))];
  if (spec.extKeyUsage?.length) exts.push(extension(OID.extKeyUsage, false, seq(...spec.extKeyUsage.map(oid))));
  exts.push(extension(OID.basicConstraints, true, spec.ca ? seq(bool(true)) : seq()));
  exts.push(extension(OID.subjectKeyIdentifier, false, octets(ski)));
  if (spec.issuer && issuerSKI) exts.push(extension(OID.authorityKeyIdentifier, false, seq(tlv(0x80, issuerSKI))));
  if (spec.sans?.length) exts.push(extension(OID.subjectAltName, false, generalNames(spec.sans)));
  const algorithm = seq(oid(OID.ecdsaWithSHA256));
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    issuerName,
    // kubeadm backdates by a few minutes against clock skew
    seq(time(spec.now - 5 * 60_000), time(spec.now + spec.validity)),
    name(spec.subject),
    spki,
    explicit(3, seq(...exts)),
  );
  const signature = sign('sha256', tbs, spec.signer);
  const der = seq(tbs, algorithm, bitString(signature));
  const b64 = der.toString('base64').replace(/.{1,64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}-----END CERTIFICATE-----\n`;
}

function createPublicSPKI(key: KeyObject): Buffer {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  return pub.export({ type: 'spki', format: 'der' }) as Buffer;
}

// ---- reading DER back (only what is needed: the subject and the key identifier) ----

interface Node {
  tag: number;
  start: number;
  /** content start / end */
  cs: number;
  end: number;
}

function readTLV(b: Buffer, at: number): Node {
  const tag = b[at];
  let len = b[at + 1];
  let cs = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + b[cs + i];
    cs += n;
  }
  return { tag, start: at, cs, end: cs + len };
}

function children(b: Buffer, n: Node): Node[] {
  const out: Node[] = [];
  for (let at = n.cs; at < n.end; ) {
    const c = readTLV(b, at);
    out.push(c);
    at = c.end;
  }
  return out;
}

function tbsFields(der: Buffer): Node[] {
  const cert = readTLV(der, 0);
  const tbs = children(der, cert)[0];
  const f = children(der, tbs);
  // version [0] is optional
  return f[0].tag === 0xa0 ? f.slice(1) : f;
}

/** The subject Name of a certificate, byte for byte (it becomes the issuer of what it signs). */
function rawSubject(der: Buffer): Buffer {
  const f = tbsFields(der);
  return der.subarray(f[4].start, f[4].end);
}

function subjectPublicKeyBits(spki: Buffer): Buffer {
  const top = readTLV(spki, 0);
  const bits = children(spki, top)[1];
  return spki.subarray(bits.cs + 1, bits.end);
}

function subjectKeyIdOf(x: X509Certificate): Buffer | undefined {
  const der = x.raw;
  const f = tbsFields(der);
  const extsWrap = f.find((n) => n.tag === 0xa3);
  if (extsWrap) {
    const exts = children(der, children(der, extsWrap)[0]);
    for (const e of exts) {
      const parts = children(der, e);
      const id = der.subarray(parts[0].start, parts[0].end);
      if (id.equals(oid(OID.subjectKeyIdentifier))) {
        const value = parts[parts.length - 1];
        const inner = readTLV(der, value.cs);
        return der.subarray(inner.cs, inner.end);
      }
    }
  }
  return createHash('sha1').update(subjectPublicKeyBits(x.publicKey.export({ type: 'spki', format: 'der' }) as Buffer)).digest();
}
