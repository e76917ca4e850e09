// Connecting: the SDK builds the authorization URL, a browser signs in and
// consents on Lintel's pages, and the SDK exchanges the code for tokens.
// Then GET /oauth/token/info through the SDK's OauthApi.
import assert from 'node:assert/strict';
import { authorize } from '../lib/browser.mjs';
import { MemoryStorage } from '../lib/context.mjs';
import { conforms } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

/** The options every DoorFlow client of the suite is built with. */
export function clientOptions(env, storage, scopes = env.scopes) {
  return {
    clientId: env.clientId, clientSecret: env.clientSecret, redirectUri: env.redirectUri,
    storage, scopes, basePath: env.baseUrl,
  };
}

export function oauthSuite(test, ctx) {
  const { sdk, env } = ctx;

  test('oauth: authorization code flow through DoorFlow.getAuthorizationUrl and handleCallback', async (t) => {
    const storage = new MemoryStorage();
    const df = new sdk.DoorFlow(clientOptions(env, storage));
    assert.equal(await df.isAuthenticated(), false);

    const { url, state } = await df.getAuthorizationUrl();
    assert.ok(url.startsWith(`${env.baseUrl}/oauth/authorize?`), `authorize URL ${url} is not on ${env.baseUrl}`);
    assert.match(state, /^[0-9a-f]{32}$/);

    const back = await authorize(url, env.redirectUri, env.adminEmail, env.adminPassword);
    assert.equal(back.get('error'), null, `authorization failed: ${back.get('error')} ${back.get('error_description')}`);
    assert.equal(back.get('state'), state, 'state must come back byte for byte');
    assert.ok(back.get('code'), 'the redirect carries a code');

    const before = Math.floor(Date.now() / 1000);
    const tokens = await ok('handleCallback', () => df.handleCallback(back.get('code'), back.get('state'), state));
    assert.equal(typeof tokens.accessToken, 'string');
    assert.equal(typeof tokens.refreshToken, 'string', 'the token answer must carry refresh_token');
    assert.notEqual(tokens.accessToken, tokens.refreshToken);
    // expiresAt = created_at + expires_in: both must be numbers in the answer.
    assert.ok(Number.isFinite(tokens.expiresAt), `expiresAt ${tokens.expiresAt} is not a number: created_at or expires_in missing`);
    assert.ok(Math.abs(tokens.expiresAt - (before + 3600)) < 120, `expiresAt ${tokens.expiresAt}, want about ${before + 3600}`);
    assert.deepEqual(tokens.scope.split(' ').sort(), [...env.scopes].sort());
    assert.equal(await df.isAuthenticated(), true);

    ctx.storage = storage;
    ctx.df = df;

    await t.test('a callback with the wrong state is refused before any request', async () => {
      const other = new sdk.DoorFlow(clientOptions(env, new MemoryStorage()));
      await assert.rejects(other.handleCallback('code', 'wrong', 'expected'), /Invalid state/);
    });
  });

  test('oauth: OauthApi.getTokenInfo describes the token', async () => {
    assert.ok(ctx.df, 'needs the connection from the previous test');
    const auth = new sdk.DoorFlowAuth(clientOptions(env, ctx.storage));
    const api = new sdk.OauthApi(auth.getConfiguration());
    const info = await ok('getTokenInfo', () => api.getTokenInfo());
    conforms('GetTokenInfo200Response', info, 'token info');
    assert.ok(Array.isArray(info.scope), 'scope is an array of scope names');
    assert.deepEqual([...info.scope].sort(), [...env.scopes].sort());
    assert.ok(info.expiresIn > 3000 && info.expiresIn <= 3600, `expires_in ${info.expiresIn}`);
    assert.ok(Number.isInteger(info.createdAt) && info.createdAt > 1.7e9, `created_at ${info.createdAt}`);
    assert.ok(Number.isInteger(info.resourceOwnerId) && info.resourceOwnerId > 0, `resource_owner_id ${info.resourceOwnerId}`);
    if (env.accountId) assert.equal(String(info.accountId), env.accountId);
  });
}
