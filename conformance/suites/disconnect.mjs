// The end of a connection: the SDK refreshes a token close to expiry on
// its own, and disconnect() revokes the refresh token (and with it the
// whole chain) and forgets the tokens.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { fails, last, ok } from '../lib/wire.mjs';

export function disconnectSuite(test, ctx) {
  const { sdk, env } = ctx;

  test('cleanup: deletePerson for the suite\'s person', async () => {
    const df = need(ctx, 'df', 'oauth');
    const person = need(ctx, 'person', 'people');
    const res = await ok('deletePerson', () => df.people.deletePerson({ id: person.id }));
    assert.equal(res.result, 'ok');
  });

  test('oauth: automatic refresh before expiry rotates both tokens', async () => {
    const df = need(ctx, 'df', 'oauth');
    const storage = need(ctx, 'storage', 'oauth');
    const old = await storage.load();
    // Inside the SDK's 300 s refresh buffer: the next call refreshes first.
    await storage.save({ ...old, expiresAt: Math.floor(Date.now() / 1000) + 10 });
    await ok('getAccount after forced refresh', () => df.accounts.getAccount());
    const now = await storage.load();
    assert.ok(now, 'a failed refresh clears the storage');
    assert.notEqual(now.accessToken, old.accessToken);
    assert.notEqual(now.refreshToken, old.refreshToken, 'refresh tokens rotate');
    assert.ok(now.expiresAt > Math.floor(Date.now() / 1000) + 3000, `expiresAt ${now.expiresAt}`);
    assert.deepEqual(now.scope.split(' ').sort(), old.scope.split(' ').sort());
    ctx.refreshed = now;
  });

  test('oauth: disconnect revokes the tokens', async () => {
    const df = need(ctx, 'df', 'oauth');
    const tokens = need(ctx, 'refreshed', 'refresh');
    // disconnect() logs and swallows revocation errors, so check the exchange.
    await df.disconnect();
    const revoke = last();
    assert.equal(`${revoke.method} ${revoke.path}`, 'POST /oauth/revoke');
    assert.equal(revoke.status, 200, `revoke answered ${revoke.status}: ${revoke.response}`);
    assert.equal(await df.isAuthenticated(), false);

    const stale = new sdk.AccountsApi(new sdk.Configuration({ basePath: env.baseUrl, accessToken: `Bearer ${tokens.accessToken}` }));
    await fails('getAccount with a revoked chain', 401, () => stale.getAccount());
    const oauth = new sdk.OauthApi(new sdk.Configuration({ basePath: env.baseUrl }));
    const body = await fails('refresh with a revoked token', 400, () => oauth.getAccessToken({
      grantType: 'refresh_token', clientId: env.clientId, clientSecret: env.clientSecret, refreshToken: tokens.refreshToken,
    }));
    assert.equal(body.error, 'invalid_grant');
  });
}
