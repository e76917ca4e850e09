// A second connection with PKCE and a narrow scope: what it may not do is
// a 403 ResponseError; a bogus token is a 401 ResponseError.
import assert from 'node:assert/strict';
import { authorize } from '../lib/browser.mjs';
import { MemoryStorage } from '../lib/context.mjs';
import { fails, ok } from '../lib/wire.mjs';
import { clientOptions } from './oauth.mjs';

export function scopesSuite(test, ctx) {
  const { sdk, env } = ctx;

  test('scopes: a read-only connection made with PKCE is refused writes with 403', async (t) => {
    const storage = new MemoryStorage();
    const df = new sdk.DoorFlow(clientOptions(env, storage, ['account.person.readonly']));
    const { url, state, codeVerifier } = await df.getAuthorizationUrl({ usePKCE: true });
    assert.match(url, /code_challenge_method=S256/);
    assert.match(codeVerifier, /^[A-Za-z0-9_-]{43}$/);

    const back = await authorize(url, env.redirectUri, env.adminEmail, env.adminPassword);
    assert.equal(back.get('error'), null, `authorization failed: ${back.get('error')} ${back.get('error_description')}`);
    const tokens = await ok('handleCallback with code_verifier', () => df.handleCallback(back.get('code'), back.get('state'), state));
    assert.equal(tokens.scope, 'account.person.readonly');

    const people = await ok('listPeople read-only', () => df.people.listPeople({ perPage: 1 }));
    assert.equal(people.length, 1);
    const body = await fails('createPerson read-only', 403, () => df.people.createPerson({ personInput: { firstName: 'No', lastName: 'Access' } }));
    assert.equal(body.error, 'forbidden');
    await fails('listChannels read-only', 403, () => df.channels.listChannels());

    await t.test('a wrong code_verifier is refused', async () => {
      const other = new sdk.DoorFlow(clientOptions(env, new MemoryStorage(), ['account.person.readonly']));
      const again = await other.getAuthorizationUrl({ usePKCE: true });
      const b = await authorize(again.url, env.redirectUri, env.adminEmail, env.adminPassword);
      await fails('handleCallback wrong verifier', 400, () => other.handleCallback(b.get('code'), b.get('state'), again.state, 'x'.repeat(43)));
      assert.equal(await other.isAuthenticated(), false);
    });

    await ok('disconnect read-only', () => df.disconnect());
    assert.equal(await df.isAuthenticated(), false);
  });

  test('scopes: an unknown token is a 401 ResponseError', async () => {
    const api = new sdk.AccountsApi(new sdk.Configuration({ basePath: env.baseUrl, accessToken: 'Bearer not-a-token' }));
    const body = await fails('getAccount bogus token', 401, () => api.getAccount());
    assert.equal(body.error, 'invalid_token');
  });
}
