// E2E: the endpoint controllers turn pods into EndpointSlices and the cluster DNS serves them to
// a real resolver client, `dig` (dnsutils), over UDP and TCP. Skipped (with a warning) without dig.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync, execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { startServer, testControllerOptions } from '../helpers/server.js';
import type { KubeEmulator } from '../../src/server/app.js';
import { ControllerManager } from '../../src/controllers/manager.js';
import { endpointsController } from '../../src/controllers/network/endpoints.js';
import { endpointSliceController } from '../../src/controllers/network/endpointslice.js';
import { startDNSServer, type DNSServer } from '../../src/dns/server.js';
import type { KObject } from '../../src/resources/types.js';

const run = promisify(execFile);
const hasDig = !spawnSync('dig', ['-v'], { stdio: 'ignore' }).error;
if (!hasDig) console.warn('test/e2e/dns.test.ts: SKIPPED: `dig` is not installed (apt-get install dnsutils)');

const NS = 'dig';

describe.skipIf(!hasDig)('cluster DNS answers dig', () => {
  let emu: KubeEmulator;
  let mgr: ControllerManager;
  let dns: DNSServer;
  let clusterIP: string;

  const dig = async (...args: string[]) => (await run('dig', [`@127.0.0.1`, '-p', String(dns.port), '+time=2', '+tries=1', ...args])).stdout;
  const short = async (...args: string[]) => (await dig('+short', ...args)).trim().split('\n').filter(Boolean).sort();
  const status = async (...args: string[]) => /status: (\w+)/.exec(await dig('+noall', '+comments', ...args))?.[1];

  beforeAll(async () => {
    emu = await startServer({ controllers: [] });
    const opts = testControllerOptions();
    mgr = new ControllerManager(emu.registry, emu.logger, opts, [endpointsController(), endpointSliceController()]);
    mgr.start(['*']);
    const r = emu.registry;
    const podDef = r.mustDef('', 'pods');
    const svcDef = r.mustDef('', 'services');
    r.create(r.mustDef('', 'namespaces'), '', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    r.create(r.mustDef('', 'nodes'), '', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-1' } });
    r.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { clusterIP: 'None', selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } });
    clusterIP = r.create(svcDef, NS, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'front' }, spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80 }] } }).object.spec.clusterIP;
    for (const i of [0, 1]) {
      r.create(podDef, NS, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: `web-${i}`, labels: { app: 'web' } },
        spec: { hostname: `web-${i}`, subdomain: 'web', nodeName: 'node-1', containers: [{ name: 'c', image: 'nginx' }] },
      });
      r.modify(
        podDef,
        NS,
        `web-${i}`,
        (p: KObject) => {
          p.status = { ...p.status, phase: 'Running', podIP: `10.244.0.${20 + i}`, podIPs: [{ ip: `10.244.0.${20 + i}` }], conditions: [{ type: 'Ready', status: 'True' }] };
        },
        { subresource: 'status' },
      );
    }
    await mgr.settled();
    dns = await startDNSServer({ informers: mgr.informers, host: '127.0.0.1', port: 0, logger: emu.logger });
  });

  afterAll(async () => {
    await dns?.close();
    mgr?.stop();
    await emu?.close();
  });

  it('A records: ClusterIP, headless list, StatefulSet pod hostname', async () => {
    expect(await short(`front.${NS}.svc.cluster.local`, 'A')).toEqual([clusterIP]);
    expect(await short(`web.${NS}.svc.cluster.local`, 'A')).toEqual(['10.244.0.20', '10.244.0.21']);
    expect(await short(`web-0.web.${NS}.svc.cluster.local`, 'A')).toEqual(['10.244.0.20']);
    expect(await short('+tcp', `web-1.web.${NS}.svc.cluster.local`, 'A')).toEqual(['10.244.0.21']);
  });

  it('SRV and PTR', async () => {
    expect(await short(`_http._tcp.web.${NS}.svc.cluster.local`, 'SRV')).toEqual([
      `0 50 80 web-0.web.${NS}.svc.cluster.local.`,
      `0 50 80 web-1.web.${NS}.svc.cluster.local.`,
    ]);
    expect(await short('-x', '10.244.0.20')).toContain(`web-0.web.${NS}.svc.cluster.local.`);
    expect(await short('-x', clusterIP)).toEqual([`front.${NS}.svc.cluster.local.`]);
  });

  it('NXDOMAIN, NODATA and REFUSED', async () => {
    expect(await status(`nope.${NS}.svc.cluster.local`, 'A')).toBe('NXDOMAIN');
    expect(await status(`front.${NS}.svc.cluster.local`, 'AAAA')).toBe('NOERROR');
    expect(await short(`front.${NS}.svc.cluster.local`, 'AAAA')).toEqual([]);
    expect(await status('example.com', 'A')).toBe('REFUSED');
  });
});
