// NotificationRulesApi: create, get, list, update, delete.
import assert from 'node:assert/strict';
import { need, stamp } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function notificationRulesSuite(test, ctx) {
  test('notification rules: create, get, list, update, delete', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const channel = need(ctx, 'channel', 'channels');
    const name = `Door events ${stamp}`;

    const rule = await ok('createNotificationRule', () => df.notificationRules.createNotificationRule({
      notificationRuleInput: {
        name, active: true, callBackUrl: 'https://hooks.example.com/lintel', matchEventCodes: [10, 11], matchControllerIds: [channel.id],
      },
    }));
    conforms('NotificationRule', rule, 'created rule');
    assert.ok(Number.isInteger(rule.id) && rule.id > 0);
    assert.equal(rule.name, name);
    assert.equal(rule.active, true);
    assert.ok(Array.isArray(rule.conditions) && Array.isArray(rule.events) && Array.isArray(rule.actions));
    assert.ok(rule.actions.length >= 1, 'the call-back URL is an action');

    await t.test('getNotificationRule and listNotificationRules', async () => {
      const got = await ok('getNotificationRule', () => df.notificationRules.getNotificationRule({ id: rule.id }));
      assert.equal(got.id, rule.id);
      assert.equal(got.name, name);
      const all = await ok('listNotificationRules', () => df.notificationRules.listNotificationRules());
      allConform('NotificationRule', all, 'rules');
      assert.ok(all.some((r) => r.id === rule.id));
    });

    await t.test('updateNotificationRule replaces it', async () => {
      const updated = await ok('updateNotificationRule', () => df.notificationRules.updateNotificationRule({
        id: rule.id,
        notificationRuleInput: { name: `${name} (off)`, active: false, callBackUrl: 'https://hooks.example.com/other', matchEventCodes: [10] },
      }));
      assert.equal(updated.id, rule.id);
      assert.equal(updated.name, `${name} (off)`);
      assert.equal(updated.active, false);
    });

    await t.test('no event codes is a 422', async () => {
      await fails('createNotificationRule without codes', 422, () => df.notificationRules.createNotificationRule({
        notificationRuleInput: { name, callBackUrl: 'https://hooks.example.com/lintel', matchEventCodes: [] },
      }));
    });

    await t.test('deleteNotificationRule, then it is gone', async () => {
      const res = await ok('deleteNotificationRule', () => df.notificationRules.deleteNotificationRule({ id: rule.id }));
      assert.equal(res.result, 'ok');
      await fails('getNotificationRule deleted', 404, () => df.notificationRules.getNotificationRule({ id: rule.id }));
    });
  });
}
