import { it } from 'vitest';
import { createNodeEngine } from '/work/main/src/engine/node/node-engine';
it('x', async () => {
  const e = createNodeEngine(); await e.start();
  console.log(JSON.stringify((await e.queryRows("SELECT [3::BIGINT] AS l, {'a': 3::BIGINT} AS s, [{'a': 3::BIGINT}] AS ls")).rows));
  await e.close();
});
