// SyncApi: POST /api/3/sync. DoorFlow rate-limits syncs per account, so a
// call may be refused with 429 and DoorFlow's body (error, description,
// retry_in); a second call straight after the first always is.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { conforms } from '../lib/models.mjs';
import { describe, fails, mark, since } from '../lib/wire.mjs';

/** Checks a 429 body against the SDK's InitiateSync429Response. */
function rateLimited(sdk, body, where) {
  const parsed = sdk.InitiateSync429ResponseFromJSON(body);
  conforms('InitiateSync429Response', parsed, where);
  assert.equal(parsed.error, 'rate_limited');
  assert.ok(Number.isInteger(parsed.retryIn) && parsed.retryIn > 0, `${where}: retry_in ${parsed.retryIn}`);
}

export function syncSuite(test, ctx) {
  test('sync: initiateSync, then the rate limit', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const m = mark();
    try {
      const res = await df.sync.initiateSync();
      assert.equal(res.result, 'ok');
    } catch (err) {
      if (err?.response?.status !== 429) {
        throw new Error(`initiateSync: ${err?.name}: ${err?.message}\n${describe(since(m))}`);
      }
      t.diagnostic(`the first sync was rate-limited: ${since(m)[0]?.response}`);
      rateLimited(ctx.sdk, await err.response.json(), 'first sync 429');
    }
    const body = await fails('initiateSync again at once', 429, () => df.sync.initiateSync());
    rateLimited(ctx.sdk, body, 'second sync 429');
  });
}
