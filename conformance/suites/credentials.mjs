// CredentialsApi: a card and a generated PIN for the suite's person.
import assert from 'node:assert/strict';
import { digits, need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function credentialsSuite(test, ctx) {
  test('credentials: create, get, list, update, conflict, delete', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const person = need(ctx, 'person', 'people');
    const cardType = need(ctx, 'cardType', 'credential types');
    const pinType = need(ctx, 'pinType', 'credential types');
    const number = digits(10);

    const card = await ok('createCredential card', () => df.credentials.createCredential({
      personId: person.id,
      credentialInput: { personCredential: { credentialTypeId: cardType.id, value: number } },
    }));
    conforms('Credential', card, 'created credential');
    assert.equal(typeof card.id, 'string', 'credential ids are strings');
    assert.equal(card.personId, person.id);
    assert.equal(card.credentialTypeId, cardType.id);
    assert.equal(card.value, number);
    ctx.card = card;

    await t.test('getCredential and the lists', async () => {
      const got = await ok('getCredential', () => df.credentials.getCredential({ personId: person.id, id: card.id }));
      assert.equal(got.id, card.id);
      assert.equal(got.value, number);
      const mine = await ok('listPersonCredentials', () => df.credentials.listPersonCredentials({ personId: person.id }));
      assert.deepEqual(mine.map((c) => c.id), [card.id]);
      const all = await ok('listAllCredentials', () => df.credentials.listAllCredentials({ skipPagination: true }));
      allConform('Credential', all, 'all credentials');
      assert.ok(all.some((c) => c.id === card.id && c.personId === person.id));
      const p = await ok('getPerson with card', () => df.people.getPerson({ id: person.id }));
      assert.equal(p.credentials_number, number, 'the person carries the card value under the type slug');
    });

    await t.test('updateCredential changes the value (PUT answers 201)', async () => {
      const next = digits(10);
      const updated = await ok('updateCredential', () => df.credentials.updateCredential({
        personId: person.id, id: card.id, credentialUpdateInput: { personCredential: { value: next } },
      }));
      conforms('Credential', updated, 'updated credential');
      assert.equal(updated.id, card.id);
      assert.equal(updated.value, next);
      ctx.card = updated;
    });

    await t.test('a value already in use is a 409 carrying the existing credential', async () => {
      const body = await fails('createCredential duplicate', 409, () => df.credentials.createCredential({
        personId: person.id,
        credentialInput: { personCredential: { credentialTypeId: cardType.id, value: ctx.card.value } },
      }));
      assert.equal(body.id, card.id);
    });

    await t.test('"******" generates a PIN; deleteCredential removes it', async () => {
      const pin = await ok('createCredential pin', () => df.credentials.createCredential({
        personId: person.id,
        credentialInput: { personCredential: { credentialTypeId: pinType.id, value: '******' } },
      }));
      assert.match(pin.value, /^\d{4,8}$/);
      const res = await ok('deleteCredential', () => df.credentials.deleteCredential({ personId: person.id, id: pin.id }));
      assert.equal(typeof res, 'string');
      await fails('getCredential deleted', 404, () => df.credentials.getCredential({ personId: person.id, id: pin.id }));
      const mine = await ok('listPersonCredentials after delete', () => df.credentials.listPersonCredentials({ personId: person.id }));
      assert.deepEqual(mine.map((c) => c.id), [card.id]);
    });

    await t.test('a credential of an unknown person is a 404', async () => {
      await fails('listPersonCredentials unknown person', 404, () => df.credentials.listPersonCredentials({ personId: 987654321 }));
    });
  });
}
