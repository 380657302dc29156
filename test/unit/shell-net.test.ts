import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeNetwork, httpServer, makeContainer, sh, type Container } from './shell-harness.js';

let c: Container;
let server: Awaited<ReturnType<typeof httpServer>>;
let net: FakeNetwork;
beforeAll(async () => {
  c = await makeContainer();
  net = c.ctx.network as FakeNetwork;
  server = await httpServer((req, res) => {
    if (req.url === '/') {
      res.setHeader('Content-Type', 'text/html');
      res.end('v0\n');
    } else if (req.url === '/redirect') {
      res.statusCode = 302;
      res.setHeader('Location', '/');
      res.end();
    } else if (req.url === '/echo') {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => res.end(`${req.method} ${req.headers['user-agent']} ${req.headers['x-test'] ?? ''} ${body}`));
    } else if (req.url === '/slow') {
      setTimeout(() => res.end('late'), 3000).unref();
    } else {
      res.statusCode = 404;
      res.end('nope');
    }
  });
  net.names.set('sts-pod-contoller-1.sts-service.default.svc.cluster.local', ['10.244.1.5']);
  net.names.set('web.default.svc.cluster.local', ['10.96.5.5']);
  net.ports.set('10.244.1.5:80', server.port);
  net.ports.set('10.96.5.5:80', server.port);
  net.ports.set('10.96.5.5:8080', server.port);
});
afterAll(async () => {
  await server.close();
  await c.cleanup();
});

describe('wget (busybox)', () => {
  it('the seed step: wget -O - -q NAME prints the page', async () => {
    const r = await sh(c, 'wget -O - -q sts-pod-contoller-1.sts-service');
    expect(r.stdout).toBe('v0\n');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('progress lines, -O file, default file name', async () => {
    const r = await sh(c, 'wget -O - http://10.244.1.5/');
    expect(r.stdout).toBe('v0\n');
    expect(r.stderr).toMatch(/^Connecting to 10\.244\.1\.5 \(10\.244\.1\.5:80\)\nwriting to stdout\n- +100% \|\*+\| +3 +0:00:00 ETA\nwritten to stdout\n$/);
    const f = await sh(c, 'cd /tmp && wget web:8080/redirect -O page.html && cat page.html');
    expect(f.stdout).toBe('v0\n');
    expect(f.stderr).toContain("saving to 'page.html'");
    expect(f.stderr).toContain("'page.html' saved");
    const d = await sh(c, 'cd /root && wget -q web && cat index.html; wget -q web');
    expect(d.stdout).toBe('v0\n');
    expect(d.stderr).toBe("wget: can't open 'index.html': File exists\n");
  });

  it('errors as busybox words them', async () => {
    let r = await sh(c, 'wget -q -O - nosuchhost');
    expect(r.stderr).toBe("wget: bad address 'nosuchhost'\n");
    expect(r.code).toBe(1);
    r = await sh(c, 'wget -q -O - 10.1.2.3:81');
    expect(r.stderr).toBe("wget: can't connect to remote host (10.1.2.3): Connection refused\n");
    expect(r.code).toBe(1);
    r = await sh(c, 'wget -q -O - web/missing');
    expect(r.stderr).toBe('wget: server returned error: HTTP/1.1 404 Not Found\n');
    expect(r.code).toBe(1);
    r = await sh(c, 'wget -q -T 1 -O - web/slow');
    expect(r.stderr).toBe('wget: download timed out\n');
    expect((await sh(c, 'wget -q --spider web')).code).toBe(0);
    const s = await sh(c, 'wget -q -S -O /dev/null web');
    expect(s.stderr).toContain('  HTTP/1.1 200 OK\n');
    expect((await sh(c, 'wget -q -O - -U agent/1 --header "X-Test: yes" --post-data=hi web/echo')).stdout).toBe('POST agent/1 yes hi');
  });
});

describe('curl', () => {
  it('gets, -s, -o, -w, -i, -I, -L, -X, -d, -H, -f', async () => {
    expect((await sh(c, 'curl -s web')).stdout).toBe('v0\n');
    expect((await sh(c, 'curl -s -o /dev/null -w "%{http_code}" web/missing')).stdout).toBe('404');
    expect((await sh(c, 'curl -so /tmp/c web && cat /tmp/c')).stdout).toBe('v0\n');
    expect((await sh(c, 'curl -si web')).stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nContent-Type: text\/html\r\n[\s\S]*\r\n\r\nv0\n$/);
    expect((await sh(c, 'curl -sI web')).stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect((await sh(c, 'curl -s web/redirect')).stdout).toBe('');
    expect((await sh(c, 'curl -sL web/redirect')).stdout).toBe('v0\n');
    expect((await sh(c, 'curl -s -X PUT -d data -H "X-Test: h" web/echo')).stdout).toBe(`PUT curl/8.5.0 h data`);
    const f = await sh(c, 'curl -sf web/missing');
    expect(f.code).toBe(22);
    expect(f.stderr).toBe('');
    expect((await sh(c, 'curl -sSf web/missing')).stderr).toBe('curl: (22) The requested URL returned error: 404\n');
    const p = await sh(c, 'curl web');
    expect(p.stdout).toBe('v0\n');
    expect(p.stderr).toContain('% Total');
  });

  it('error codes 6, 7, 28', async () => {
    let r = await sh(c, 'curl -sS nosuch');
    expect(r.code).toBe(6);
    expect(r.stderr).toBe('curl: (6) Could not resolve host: nosuch\n');
    r = await sh(c, 'curl -s 10.9.9.9:1234');
    expect(r.code).toBe(7);
    expect(r.stderr).toBe('');
    r = await sh(c, 'curl -sS 10.9.9.9:1234');
    expect(r.stderr).toMatch(/^curl: \(7\) Failed to connect to 10\.9\.9\.9 port 1234 after \d+ ms: Couldn't connect to server\n$/);
    r = await sh(c, 'curl -sS -m 0.3 web/slow');
    expect(r.code).toBe(28);
    expect(r.stderr).toMatch(/^curl: \(28\) Operation timed out after \d+ milliseconds with 0 bytes received\n$/);
  });
});

describe('nslookup (busybox)', () => {
  it('answers and NXDOMAIN', async () => {
    const r = await sh(c, 'nslookup web');
    expect(r.stdout).toBe('Server:\t\t10.96.0.10\nAddress:\t10.96.0.10:53\n\nName:\tweb.default.svc.cluster.local\nAddress: 10.96.5.5\n\n');
    const n = await sh(c, 'nslookup nope');
    expect(n.code).toBe(1);
    expect(n.stdout).toContain("** server can't find nope: NXDOMAIN\n");
  });
});
