// ChannelsApi commands: lockdown, unlockdown, unlock, normal, auto unlock,
// encryption keys, and remote admission (admit, admit_person).
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function channelCommandsSuite(test, ctx) {
  test('channel commands: lockdown, unlockdown, unlock, normal, auto unlock, encryption keys', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const channel = need(ctx, 'channel', 'channels');
    const id = channel.id;

    await t.test('lockdownChannel with card_lockdown', async () => {
      const c = await ok('lockdownChannel', () => df.channels.lockdownChannel({ id, lockdownChannelRequest: { cardLockdown: true } }));
      assert.equal(c.id, id);
      conforms('Channel', c, 'channel after lockdown');
      assert.equal(c.lockdown?.cardLockdown?.state, true, `lockdown ${JSON.stringify(c.lockdown)}`);
    });

    await t.test('unlockdownChannel', async () => {
      const c = await ok('unlockdownChannel', () => df.channels.unlockdownChannel({ id }));
      assert.equal(c.id, id);
      assert.notEqual(c.lockdown?.cardLockdown?.state, true, `lockdown ${JSON.stringify(c.lockdown)}`);
    });

    await t.test('unlockChannel with relock_at, then normalChannel', async () => {
      const relockAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 10 * 60_000);
      const u = await ok('unlockChannel', () => df.channels.unlockChannel({ id, unlockChannelRequest: { relockAt } }));
      assert.equal(u.id, id);
      conforms('Channel', u, 'channel after unlock');
      assert.equal(u.mode.description, 'unlock');
      assert.equal(u.mode.relockAt?.getTime(), relockAt.getTime());
      const n = await ok('normalChannel', () => df.channels.normalChannel({ id }));
      assert.equal(n.mode.description, 'normal');
    });

    await t.test('unlockChannel without a body', async () => {
      const u = await ok('unlockChannel no body', () => df.channels.unlockChannel({ id }));
      assert.equal(u.mode.description, 'unlock');
      await ok('normalChannel', () => df.channels.normalChannel({ id }));
    });

    await t.test('autoUnlockChannel off, and an unknown shift is a 400', async () => {
      const c = await ok('autoUnlockChannel off', () => df.channels.autoUnlockChannel({ id, autoUnlockChannelRequest: { shiftId: null } }));
      assert.equal(c.id, id);
      assert.ok(c.autoUnlock == null, `auto_unlock ${JSON.stringify(c.autoUnlock)}`);
      await fails('autoUnlockChannel unknown shift', 400, () => df.channels.autoUnlockChannel({ id, autoUnlockChannelRequest: { shiftId: 987654321 } }));
    });

    await t.test('regenerateEncryptionKey and removeEncryptionKey', async () => {
      const r = await ok('regenerateEncryptionKey', () => df.channels.regenerateEncryptionKey({ id }));
      assert.equal(r.id, id);
      const x = await ok('removeEncryptionKey', () => df.channels.removeEncryptionKey({ id }));
      assert.equal(x.id, id);
    });

    await t.test('a command on an unknown channel is a 404', async () => {
      await fails('lockdownChannel unknown', 404, () => df.channels.lockdownChannel({ id: 987654321 }));
    });
  });

  test('channel commands: admitChannel and admitPerson', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const channel = need(ctx, 'channel', 'channels');
    const person = need(ctx, 'person', 'people');
    need(ctx, 'card', 'credentials');

    await t.test('admitChannel answers 202 with an admission request', async () => {
      const a = await ok('admitChannel', () => df.channels.admitChannel({ id: channel.id }));
      assert.ok(Number.isInteger(a.admissionRequestId) && a.admissionRequestId > 0, `admission_request_id ${a.admissionRequestId}`);
      assert.ok(Object.values(ctx.sdk.AdmitChannel202ResponseStatusEnum).includes(a.status), `status ${a.status}`);
      ctx.admitChannelRequest = { id: a.admissionRequestId, channelId: channel.id };
    });

    await t.test('admitPerson for a person allowed through the door', async () => {
      const a = await ok('admitPerson', () => df.channels.admitPerson({ id: channel.id, admitPersonRequest: { personId: person.id } }));
      assert.ok(Number.isInteger(a.admissionRequestId) && a.admissionRequestId > 0, `admission_request_id ${a.admissionRequestId}`);
      assert.ok(Object.values(ctx.sdk.AdmitPerson202ResponseStatusEnum).includes(a.status), `status ${a.status}`);
      ctx.admitPersonRequest = { id: a.admissionRequestId, channelId: channel.id, personId: person.id };
    });

    await t.test('admitChannel on an unknown channel is a 404', async () => {
      await fails('admitChannel unknown', 404, () => df.channels.admitChannel({ id: 987654321 }));
    });
  });
}
