// CredentialTypesApi: GET /api/3/credential_types.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

export function credentialTypesSuite(test, ctx) {
  test('credential types: listCredentialTypes', async () => {
    const df = need(ctx, 'df', 'oauth');
    const types = await ok('listCredentialTypes', () => df.credentialTypes.listCredentialTypes());
    assert.ok(types.length >= 1);
    allConform('CredentialType', types, 'credential types');
    for (const ct of types) {
      assert.ok(Number.isInteger(ct.id) && ct.id > 0);
      assert.equal(typeof ct.label, 'string');
      assert.equal(typeof ct.slug, 'string');
    }
    ctx.cardType = types.find((ct) => ct.slug === 'credentials_number');
    ctx.pinType = types.find((ct) => ct.slug === 'pin');
    assert.ok(ctx.cardType, `a card type with slug credentials_number, got ${types.map((ct) => ct.slug)}`);
    assert.ok(ctx.pinType, `a PIN type with slug pin, got ${types.map((ct) => ct.slug)}`);
    const paged = await ok('listCredentialTypes perPage 1', () => df.credentialTypes.listCredentialTypes({ perPage: 1 }));
    assert.equal(paged.length, 1);
  });
}
