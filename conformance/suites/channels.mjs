// ChannelsApi reads: GET /api/3/channels and /api/3/channels/{id}.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function channelsSuite(test, ctx) {
  test('channels: listChannels and getChannel', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const channels = await ok('listChannels', () => df.channels.listChannels());
    assert.ok(channels.length >= 1, 'the account has at least one channel');
    allConform('Channel', channels, 'channels');
    for (const c of channels) {
      assert.ok(Number.isInteger(c.id) && c.id > 0, `channel id ${c.id}`);
      assert.equal(typeof c.name, 'string');
      conforms('ChannelSync', c.sync, `channel ${c.id} sync`);
      assert.ok(['normal', 'unlock'].includes(c.mode?.description), `channel ${c.id} mode ${JSON.stringify(c.mode)}`);
    }
    ctx.channels = channels;
    ctx.channel = channels[0];

    await t.test('getChannel round-trips the id', async () => {
      const c = await ok('getChannel', () => df.channels.getChannel({ id: channels[0].id }));
      conforms('Channel', c, 'channel');
      assert.equal(c.id, channels[0].id);
      assert.equal(c.name, channels[0].name);
      assert.equal(c.macAddress, channels[0].macAddress);
    });

    await t.test('site_id filter', async () => {
      const siteId = channels[0].siteId;
      assert.ok(Number.isInteger(siteId), `channel ${channels[0].id} has no site_id`);
      const onSite = await ok('listChannels siteId', () => df.channels.listChannels({ siteId }));
      assert.ok(onSite.length >= 1);
      assert.ok(onSite.every((c) => c.siteId === siteId), 'every channel is on the site asked for');
      assert.ok(onSite.length <= channels.length);
    });

    await t.test('unknown id is a 404 ResponseError', async () => {
      const body = await fails('getChannel unknown', 404, () => df.channels.getChannel({ id: 987654321 }));
      assert.equal(body.error, 'not_found');
    });
  });
}
