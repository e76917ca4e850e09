// AccountsApi: GET /api/3/account.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { conforms } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

export function accountSuite(test, ctx) {
  test('accounts: getAccount', async () => {
    const df = need(ctx, 'df', 'oauth');
    const account = await ok('getAccount', () => df.accounts.getAccount());
    conforms('Account', account);
    conforms('AccountSync', account.sync, 'account.sync');
    conforms('AccountUser', account.user, 'account.user');
    conforms('AccountPassport', account.passport, 'account.passport');
    if (ctx.env.accountId) assert.equal(String(account.id), ctx.env.accountId);
    assert.equal(typeof account.name, 'string');
    assert.ok(account.name.length > 0);
    assert.equal(typeof account.timeZone, 'string');
    assert.ok(account.timeZone.length > 0);
  });
}
