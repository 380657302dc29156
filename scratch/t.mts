import { startServer } from '/work/main/test/helpers/server.ts';
import request from 'supertest';
const s = await startServer({ logLevel: 'error' });
const api = () => request(s.url);
await api().post('/api/v1/namespaces/default/configmaps').send({apiVersion:'v1',kind:'ConfigMap',metadata:{name:'c'},data:{}});
const deep = (levels: number) => '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
for (const [t,b] of [['application/merge-patch+json',`{"data":{"k":${deep(9998)}}}`],['application/strategic-merge-patch+json',`{"data":{"k":${deep(9998)}}}`],['application/json-patch+json',`[{"op":"add","path":"/data/k","value":${deep(9998)}}]`],['application/merge-patch+json',`{"data":{"k":{"a":1}}}`]]) {
  const r = await api().patch('/api/v1/namespaces/default/configmaps/c').set('Content-Type', t).send(b);
  console.log(t, r.status, String(r.body.message).slice(-150));
}
const r = await api().patch('/api/v1/namespaces/default/configmaps/c?force=False').set('Content-Type','application/merge-patch+json').send('{"data":{"x":"y"}}');
console.log(r.status, r.body.message);
await s.close();
