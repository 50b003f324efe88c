import { startRedisServer } from '/work/main/test/helpers/redis-server.ts';
import { createApp } from '/work/main/dist/src-main/core/index.js';
const s = await startRedisServer();
const app = createApp({ broker: s.url });
const r = app.broker;
const N = 20000;
const variants: Record<string, string> = {
  rpop: `local out={} for i=1,100 do local raw=redis.call('RPOP',KEYS[1]) if not raw then break end out[#out+1]=raw end return out`,
  rpop_match: `local out={} for i=1,100 do local raw=redis.call('RPOP',KEYS[1]) if not raw then break end local t=string.match(raw, '"delivery_tag":%s*"([^"\\\\]+)"%s*}%s*}%s*$') out[#out+1]=t end return out`,
  rpop_hset: `local out={} for i=1,100 do local raw=redis.call('RPOP',KEYS[1]) if not raw then break end redis.call('HSET','u',tostring(i)..raw:sub(1,20)..math.random(),'['..raw..', "", "celery"]') out[#out+1]=raw end return out`,
  rpop_zadd: `local out={} for i=1,100 do local raw=redis.call('RPOP',KEYS[1]) if not raw then break end redis.call('ZADD','z',ARGV[1],tostring(math.random())) out[#out+1]=raw end return out`,
};
for (const [name, lua] of Object.entries(variants)) {
  await r.flushall();
  await app.sendMany(Array.from({ length: N }, (_, i) => ({ name: 'tasks.add', args: [i, i] })));
  await r.config('RESETSTAT');
  const t = performance.now();
  for (let i = 0; i < N / 100; i++) await r.eval(lua, 1, 'celery', String(Date.now() / 1000));
  const st = await r.info('commandstats');
  console.log(name, (/cmdstat_eval:calls=\d+,usec=(\d+)/.exec(st)![1] as any) / N, 'us/msg in redis;', ((performance.now() - t) / N * 1000).toFixed(1), 'us/msg wall');
}
await app.close(); await s.stop();
