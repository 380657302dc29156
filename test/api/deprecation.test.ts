// v1 Endpoints is deprecated from 1.33 (KEP-4974): every request, watches included, carries the
// Warning header; an older emulated version sends none.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import request from 'supertest';
import type { KubeEmulator } from '../../src/server/app.js';
import { openWatch, startBare } from './util.js';

const WARNING = '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';

describe('deprecation warnings', () => {
  let v33: KubeEmulator;
  let v32: KubeEmulator;
  beforeAll(async () => {
    v33 = await startBare();
    v32 = await startBare({ emulatedVersion: 'v1.32.0' });
  });
  afterAll(async () => {
    await v33.close();
    await v32.close();
  });

  it('list and get of v1 Endpoints carry the warning on 1.33', async () => {
    const list = await request(v33.app.server).get('/api/v1/endpoints').expect(200);
    expect(list.headers.warning).toBe(WARNING);
    const one = await request(v33.app.server).get('/api/v1/namespaces/default/endpoints/kubernetes').expect(200);
    expect(one.headers.warning).toBe(WARNING);
    const slices = await request(v33.app.server).get('/apis/discovery.k8s.io/v1/endpointslices').expect(200);
    expect(slices.headers.warning).toBeUndefined();
  });

  it('a watch carries it too', async () => {
    const w = await openWatch(v33.url, '/api/v1/namespaces/default/endpoints?watch=true');
    try {
      expect(w.status).toBe(200);
      expect(w.headers.warning).toBe(WARNING);
    } finally {
      w.close();
    }
  });

  it('emulating 1.32 there is no warning', async () => {
    const list = await request(v32.app.server).get('/api/v1/endpoints').expect(200);
    expect(list.headers.warning).toBeUndefined();
  });
});
