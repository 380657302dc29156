// Token authenticators without a server: the token file parser (Go encoding/csv + tokenfile.go),
// service-account JWT issue and verification (claims.go, jwt.go), and impersonation checks with a
// fake authorizer (filters/impersonation.go).
import { describe, expect, it } from 'vitest';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCSV, parseTokenFile, loadTokenFile } from '../../src/auth/tokens/tokenfile.js';
import { bearerToken } from '../../src/auth/tokens/bearer.js';
import { ServiceAccountTokens, keyIDOf, loadOrCreateSigningKey } from '../../src/auth/tokens/serviceaccount.js';
import { impersonateUser } from '../../src/auth/impersonation.js';
import type { Authorizer, AuthzAttributes, UserInfo } from '../../src/auth/types.js';
import { StatusError } from '../../src/registry/errors.js';
import type { Registry } from '../../src/registry/registry.js';

describe('token file', () => {
  it('parses upstream CSV: quoted groups, uid, optional groups', () => {
    const t = parseTokenFile('tok1,alice,uid-a,"g1,g2"\ntok2,bob,uid-b\n\ntok3,"carol ""c""",uid-c,\n', 'f.csv');
    expect(t.get('tok1')).toEqual({ username: 'alice', uid: 'uid-a', groups: ['g1', 'g2'] });
    expect(t.get('tok2')).toEqual({ username: 'bob', uid: 'uid-b', groups: [] });
    expect(t.get('tok3')).toEqual({ username: 'carol "c"', uid: 'uid-c', groups: [''] });
  });
  it('CRLF line ends and quoted newlines', () => {
    expect(parseCSV('a,b,c\r\nd,"e\nf",g\r\n')).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e\nf', 'g'],
    ]);
  });
  it('refuses rows with fewer than three columns, worded as upstream', () => {
    expect(() => parseTokenFile('tok,alice\n', '/etc/tokens.csv')).toThrow("token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2");
  });
  it('CSV syntax errors are encoding/csv ParseErrors', () => {
    expect(() => parseCSV('a,b"c,d\n')).toThrow('parse error on line 1, column 4: bare " in non-quoted-field');
    expect(() => parseCSV('a,"b\n')).toThrow('extraneous or missing " in quoted-field');
  });
  it('warns of empty and duplicate tokens; the last duplicate wins', () => {
    const warnings: string[] = [];
    const t = parseTokenFile(',x,y\nt,a,1\nt,b,2\n', 'f', (m) => warnings.push(m));
    expect(t.get('t')?.username).toBe('b');
    expect(warnings).toEqual(["empty token has been found in token file 'f', record number '1'", "duplicate token has been found in token file 'f', record number '3'"]);
  });
  it('a missing file is os.Open error', () => {
    expect(() => loadTokenFile('/nonexistent/tokens.csv')).toThrow('open /nonexistent/tokens.csv: no such file or directory');
  });
  it('bearer header parsing', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer abc')).toBe('abc');
    expect(bearerToken('Bearer  abc')).toBeUndefined();
    expect(bearerToken('Basic abc')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
  });
});

/** A fake registry holding a few objects by plural/namespace/name. */
function fakeRegistry() {
  const objs = new Map<string, any>();
  let rv = 0;
  const reg = {
    def: (_g: string, plural: string) => ({ plural, namespaced: plural !== 'nodes' }),
    getEntry: (def: any, ns: string, name: string) => {
      const o = objs.get(`${def.plural}/${def.namespaced ? ns : ''}/${name}`);
      return o && { json: JSON.stringify(o.obj), rv: o.rv };
    },
  } as unknown as Registry;
  const put = (plural: string, ns: string, name: string, extra: any = {}) => {
    const o = { ...extra, metadata: { name, namespace: ns || undefined, uid: `${plural}-${name}-uid`, ...(extra.metadata ?? {}) } };
    objs.set(`${plural}/${ns}/${name}`, { obj: o, rv: ++rv });
    return o;
  };
  return { reg, put, del: (plural: string, ns: string, name: string) => objs.delete(`${plural}/${ns}/${name}`) };
}

describe('service-account JWTs', () => {
  const setup = () => {
    const f = fakeRegistry();
    let now = 1_800_000_000;
    const t = new ServiceAccountTokens({ registry: f.reg, now: () => now });
    const sa = f.put('serviceaccounts', 'ns', 'sa');
    return { ...f, t, sa, advance: (s: number) => (now += s) };
  };
  it('issues and verifies a token as the service account', async () => {
    const { t, sa } = setup();
    const { token, jti } = t.issue(sa, { audiences: [t.issuer], expirationSeconds: 3600 });
    const r: any = await t.authenticateToken(token);
    expect(r.user).toEqual({
      username: 'system:serviceaccount:ns:sa',
      uid: 'serviceaccounts-sa-uid',
      groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'],
      extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${jti}`] },
    });
    expect(r.audiences).toEqual([t.issuer]);
    // the header's kid is upstream's key id
    expect(JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString())).toEqual({ alg: 'ES256', kid: t.kid });
  });
  it('expired tokens are refused (after go-jose leeway)', async () => {
    const { t, sa, advance } = setup();
    const { token } = t.issue(sa, { audiences: [t.issuer], expirationSeconds: 600 });
    advance(630);
    expect(await t.authenticateToken(token)).toHaveProperty('user');
    advance(60);
    expect(await t.authenticateToken(token)).toEqual({ error: 'service account token has expired' });
  });
  it('a token signed with another key is refused', async () => {
    const a = setup();
    const other = new ServiceAccountTokens({ registry: a.reg, key: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey });
    const { token } = other.issue(a.sa, { audiences: [a.t.issuer], expirationSeconds: 3600 });
    expect(await a.t.authenticateToken(token)).toEqual({ error: 'go-jose/go-jose: error in cryptographic primitive' });
  });
  it('tampered claims are refused', async () => {
    const { t, sa } = setup();
    const { token } = t.issue(sa, { audiences: [t.issuer], expirationSeconds: 3600 });
    const [h, , s] = token.split('.');
    const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
    claims.sub = 'system:serviceaccount:kube-system:admin';
    expect(await t.authenticateToken(`${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${s}`)).toEqual({ error: 'go-jose/go-jose: error in cryptographic primitive' });
  });
  it('a token for another audience is refused unless that audience is asked for', async () => {
    const { t, sa } = setup();
    const { token } = t.issue(sa, { audiences: ['vault'], expirationSeconds: 3600 });
    expect(await t.authenticateToken(token)).toEqual({ error: `token audiences ["vault"] is invalid for the target audiences ["${t.issuer}"]` });
    expect(await t.authenticateToken(token, ['vault'])).toMatchObject({ audiences: ['vault'] });
  });
  it('tokens of a deleted or recreated service account are refused', async () => {
    const { t, sa, del, put } = setup();
    const { token } = t.issue(sa, { audiences: [t.issuer], expirationSeconds: 3600 });
    del('serviceaccounts', 'ns', 'sa');
    expect(await t.authenticateToken(token)).toEqual({ error: 'serviceaccounts "sa" not found' });
    put('serviceaccounts', 'ns', 'sa', { metadata: { uid: 'new-uid' } });
    expect(await t.authenticateToken(token)).toEqual({ error: 'service account UID (new-uid) does not match claim (serviceaccounts-sa-uid)' });
  });
  it('a pod-bound token dies with its pod', async () => {
    const { t, sa, put, del } = setup();
    const pod = put('pods', 'ns', 'p');
    const { token } = t.issue(sa, { audiences: [t.issuer], expirationSeconds: 3600, bound: { pod: { name: 'p', uid: pod.metadata.uid } } });
    expect(((await t.authenticateToken(token)) as any).user.extra).toMatchObject({ 'authentication.kubernetes.io/pod-name': ['p'], 'authentication.kubernetes.io/pod-uid': [pod.metadata.uid] });
    del('pods', 'ns', 'p');
    expect(await t.authenticateToken(token)).toEqual({ error: 'service account token has been invalidated' });
  });
  it('tokens of other issuers and non-JWTs are no business of ours', async () => {
    const { t } = setup();
    expect(await t.authenticateToken('not-a-jwt')).toBeUndefined();
    const foreign = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('{"iss":"https://other"}').toString('base64url')}.x`;
    expect(await t.authenticateToken(foreign)).toBeUndefined();
  });
  it('legacy tokens must match the secret that holds them', async () => {
    const { t, sa, put } = setup();
    const token = t.issueLegacy(sa, 'sa-token');
    put('secrets', 'ns', 'sa-token', { data: { token: Buffer.from(token).toString('base64') } });
    expect(await t.authenticateToken(token)).toEqual({ user: { username: 'system:serviceaccount:ns:sa', uid: 'serviceaccounts-sa-uid', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns'] }, audiences: [t.issuer] });
    put('secrets', 'ns', 'sa-token', { data: { token: Buffer.from('other').toString('base64') } });
    expect(await t.authenticateToken(token)).toEqual({ error: "Token does not match server's copy" });
  });
  it('the signing key is kept in <dataDir>/pki/sa.key and reused; its kid is the DER SHA-256', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sakey-'));
    const k1 = loadOrCreateSigningKey(dir);
    expect(statSync(join(dir, 'pki', 'sa.key')).mode & 0o777).toBe(0o600);
    const k2 = loadOrCreateSigningKey(dir);
    expect(keyIDOf(k2)).toBe(keyIDOf(k1));
    expect(keyIDOf(k1)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});

describe('impersonation', () => {
  const admin: UserInfo = { username: 'admin', groups: ['system:masters', 'system:authenticated'] };
  const seen: AuthzAttributes[] = [];
  const authorizer = (allow: (a: AuthzAttributes) => boolean): Authorizer => ({
    authorize: (a) => {
      seen.push(a);
      return allow(a) ? { decision: 'allow', reason: '' } : { decision: 'noopinion', reason: '' };
    },
  });
  it('no headers: the requestor', () => {
    expect(impersonateUser({}, [], admin, authorizer(() => false))).toBe(admin);
  });
  it('checks each part with verb impersonate, as upstream names the resources', () => {
    seen.length = 0;
    const raw = ['Impersonate-User', 'jane', 'Impersonate-Group', 'a', 'Impersonate-Group', 'b', 'Impersonate-Uid', '42', 'Impersonate-Extra-Acme.com%2Fproject', 'p1'];
    const u = impersonateUser({}, raw, admin, authorizer(() => true));
    expect(u).toEqual({ username: 'jane', uid: '42', groups: ['a', 'b', 'system:authenticated'], extra: { 'acme.com/project': ['p1'] } });
    expect(seen.map((a) => [a.verb, a.apiGroup, a.resource, a.subresource, a.name])).toEqual([
      ['impersonate', '', 'users', '', 'jane'],
      ['impersonate', '', 'groups', '', 'a'],
      ['impersonate', '', 'groups', '', 'b'],
      ['impersonate', 'authentication.k8s.io', 'userextras', 'acme.com/project', 'p1'],
      ['impersonate', 'authentication.k8s.io', 'uids', '', '42'],
    ]);
  });
  it('a service account is checked as serviceaccounts in its namespace', () => {
    seen.length = 0;
    const u = impersonateUser({}, ['Impersonate-User', 'system:serviceaccount:ns1:robot'], admin, authorizer(() => true));
    expect(u.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ns1', 'system:authenticated']);
    expect(seen[0]).toMatchObject({ resource: 'serviceaccounts', namespace: 'ns1', name: 'robot', apiGroup: '' });
  });
  it('a denied part is upstream 403', () => {
    let err: unknown;
    try {
      impersonateUser({}, ['Impersonate-User', 'jane', 'Impersonate-Group', 'system:masters'], { username: 'bob', groups: [] }, authorizer((a) => a.resource === 'users'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StatusError);
    expect((err as StatusError).code).toBe(403);
    expect((err as StatusError).message).toBe('groups "system:masters" is forbidden: User "bob" cannot impersonate resource "groups" in API group "" at the cluster scope');
  });
  it('system:anonymous is unauthenticated; system:unauthenticated given keeps authenticated out', () => {
    expect(impersonateUser({}, ['Impersonate-User', 'system:anonymous'], admin, authorizer(() => true)).groups).toEqual(['system:unauthenticated']);
    expect(impersonateUser({}, ['Impersonate-User', 'x', 'Impersonate-Group', 'system:unauthenticated'], admin, authorizer(() => true)).groups).toEqual(['system:unauthenticated']);
  });
});
