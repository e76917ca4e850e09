// SyncApi: POST /api/3/sync.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { ok } from '../lib/wire.mjs';

export function syncSuite(test, ctx) {
  test('sync: initiateSync', async () => {
    const df = need(ctx, 'df', 'oauth');
    const res = await ok('initiateSync', () => df.sync.initiateSync());
    assert.equal(res.result, 'ok');
  });
}
