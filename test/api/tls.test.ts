// HTTPS and client certificates (the secure default): the admin certificate of the written
// kubeconfig authenticates, a request without one is anonymous, a certificate from another CA or
// an expired one is refused with upstream's 401 Status.
import { request as httpsRequest } from 'node:https';
import { connect, createServer as createTLSServer, type TLSSocket } from 'node:tls';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeEmulator } from '../../src/server/app.js';
import { issueClientCertificate, issueServingCertificate, newCA } from '../../src/auth/pki.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { x509Authenticator } from '../../src/auth/x509.js';
import { startServer } from '../helpers/server.js';

interface Res {
  status: number;
  body: string;
}

function get(emu: KubeEmulator, path: string, client?: { cert: string; key: string }, ca: string | undefined = emu.ca): Promise<Res> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, emu.url), { ca, cert: client?.cert, key: client?.key, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const UNAUTHORIZED = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 };

describe('HTTPS by default', () => {
  let emu: KubeEmulator;
  let admin: { cert: string; key: string };
  beforeAll(async () => {
    emu = await startServer({ security: {} });
    admin = { cert: emu.adminCert!, key: emu.adminKey! };
  });
  afterAll(() => emu?.close());

  it('serves https:// with a certificate the cluster CA verifies', async () => {
    expect(emu.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(emu.ca).toMatch(/^-----BEGIN CERTIFICATE-----/);
    expect((await get(emu, '/version')).status).toBe(200);
    // a client that does not trust the cluster CA refuses the server
    await expect(get(emu, '/version', undefined, newCA('elsewhere').cert)).rejects.toThrow(/self-signed|unable to verify|certificate/i);
  });

  it('the admin client certificate is accepted', async () => {
    const r = await get(emu, '/api/v1/namespaces', admin);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).items.map((n: any) => n.metadata.name)).toContain('default');
  });

  it('a certificate from another CA is 401 Unauthorized, as upstream', async () => {
    const other = issueClientCertificate(newCA('kubernetes'), { cn: 'kubernetes-admin', o: ['system:masters'] });
    const r = await get(emu, '/api/v1/namespaces', other);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual(UNAUTHORIZED);
    // even where anonymous requests are allowed
    expect((await get(emu, '/version', other)).status).toBe(401);
  });

  it('an expired certificate signed by the cluster CA is 401', async () => {
    const expired = issueClientCertificate({ cert: emu.ca!, key: emu.caKey! }, { cn: 'old' }, 86_400_000, Date.now() - 3 * 86_400_000);
    const r = await get(emu, '/version', expired);
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual(UNAUTHORIZED);
  });

  it('without a certificate the request is anonymous (allowed to read /version)', async () => {
    const r = await get(emu, '/version');
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).gitVersion).toBe('v1.33.0');
  });

  it('kubeconfig() embeds the CA and the admin credentials', () => {
    const kc = emu.kubeconfig();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    expect(kc).toContain(`server: ${emu.url}`);
    expect(kc).toContain(`certificate-authority-data: ${b64(emu.ca!)}`);
    expect(kc).toContain(`client-certificate-data: ${b64(emu.adminCert!)}`);
    expect(kc).toContain(`client-key-data: ${b64(emu.adminKey!)}`);
    expect(kc).toContain('user: kubernetes-admin');
  });
});

describe('--anonymous-auth=false', () => {
  let emu: KubeEmulator;
  beforeAll(async () => {
    emu = await startServer({ security: { anonymousAuth: false } });
  });
  afterAll(() => emu?.close());

  it('a request without credentials is 401; the admin certificate still works', async () => {
    const r = await get(emu, '/api/v1/namespaces');
    expect(r.status).toBe(401);
    expect(JSON.parse(r.body)).toEqual(UNAUTHORIZED);
    expect((await get(emu, '/api/v1/namespaces', { cert: emu.adminCert!, key: emu.adminKey! })).status).toBe(200);
  });
});

describe('--tls-cert-file / --tls-private-key-file', () => {
  it('serves the given pair; client certificates are still checked against the cluster CA', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'own-tls-'));
    const own = newCA('my-company-ca');
    const pair = issueServingCertificate(own, ['localhost', '127.0.0.1']);
    writeFileSync(join(dir, 'tls.crt'), pair.cert);
    writeFileSync(join(dir, 'tls.key'), pair.key);
    const emu = await startServer({ security: { tlsCertFile: join(dir, 'tls.crt'), tlsPrivateKeyFile: join(dir, 'tls.key'), anonymousAuth: false } });
    try {
      // trusted with the user's CA, not with the cluster's
      expect((await get(emu, '/api/v1/namespaces', { cert: emu.adminCert!, key: emu.adminKey! }, own.cert)).status).toBe(200);
      await expect(get(emu, '/version', undefined, emu.ca)).rejects.toThrow();
      expect((await get(emu, '/api/v1/namespaces', undefined, own.cert)).status).toBe(401);
      // the kubeconfig leaves the server's trust to the system (the cluster CA did not sign it)
      expect(emu.kubeconfig()).not.toContain('certificate-authority-data');
      expect(emu.kubeconfig()).toContain('client-certificate-data');
    } finally {
      await emu.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the open mode and --insecure-http', () => {
  it('open: plain HTTP, and still a cluster CA (published as kube-root-ca.crt)', async () => {
    const emu = await startServer({ security: { open: true } });
    try {
      expect(emu.url).toMatch(/^http:\/\//);
      expect(emu.ca).toMatch(/BEGIN CERTIFICATE/);
      expect(emu.kubeconfig()).not.toContain('client-key-data');
    } finally {
      await emu.close();
    }
  });

  it('insecureHTTP: plain HTTP with authentication on', async () => {
    const emu = await startServer({ security: { insecureHTTP: true, anonymousAuth: false } });
    try {
      expect(emu.url).toMatch(/^http:\/\//);
      const r = await fetch(`${emu.url}/api/v1/namespaces`);
      expect(r.status).toBe(401);
    } finally {
      await emu.close();
    }
  });
});

describe('x509 authenticator', () => {
  it('names the user by CN and the groups by O of a verified certificate', async () => {
    const ca = newCA('kubernetes');
    const serving = issueClientCertificate(ca, { cn: 'localhost' });
    const client = issueClientCertificate(ca, { cn: 'jane', o: ['dev', 'ops'] });
    const srv = createTLSServer({ cert: serving.cert, key: serving.key, ca: ca.cert, requestCert: true, rejectUnauthorized: false });
    const seen = new Promise<TLSSocket>((r) => srv.once('secureConnection', r));
    srv.listen(0, '127.0.0.1');
    await once(srv, 'listening');
    const port = (srv.address() as { port: number }).port;
    const c = connect({ host: '127.0.0.1', port, cert: client.cert, key: client.key, rejectUnauthorized: false });
    try {
      const sock = await seen;
      expect(await x509Authenticator().authenticate({ headers: {}, socket: sock })).toEqual({ user: { username: 'jane', groups: ['dev', 'ops'] } });
    } finally {
      c.destroy();
      srv.close();
    }
  });

  it('has no opinion on a plain socket or without a certificate', async () => {
    expect(await x509Authenticator().authenticate({ headers: {} })).toBeUndefined();
  });
});
