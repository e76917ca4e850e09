// EventsApi: GET /api/3/events with its filters, and /api/3/events/{id}.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function eventsSuite(test, ctx) {
  test('events: listEvents and getEvent', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const events = await ok('listEvents', () => df.events.listEvents({ n: 20, sort: 'DESC' }));
    assert.ok(events.length >= 1 && events.length <= 20, `${events.length} events`);
    allConform('Event', events, 'events');
    for (const e of events) {
      assert.ok(Number.isInteger(e.id));
      assert.ok(Number.isInteger(e.eventCode));
      assert.ok(e.createdAt instanceof Date && !Number.isNaN(e.createdAt.getTime()));
    }
    for (let i = 1; i < events.length; i++) {
      assert.ok(events[i - 1].createdAt >= events[i].createdAt, 'sort=DESC is newest first');
    }

    await t.test('getEvent round-trips', async () => {
      const e = await ok('getEvent', () => df.events.getEvent({ id: events[0].id }));
      conforms('Event', e, 'event');
      assert.equal(e.id, events[0].id);
      assert.equal(e.eventCode, events[0].eventCode);
      assert.equal(e.eventLabel, events[0].eventLabel);
      await fails('getEvent unknown', 404, () => df.events.getEvent({ id: 987654321 }));
    });

    await t.test('event_codes and channels filters (CSV on the wire)', async () => {
      const code = events[0].eventCode;
      const same = await ok('listEvents eventCodes', () => df.events.listEvents({ eventCodes: [code], n: 50 }));
      assert.ok(same.length >= 1 && same.every((e) => e.eventCode === code), `only code ${code}`);
      const withChannel = events.find((e) => Number.isInteger(e.channelId));
      assert.ok(withChannel, 'some event names its channel');
      const onDoor = await ok('listEvents channels', () => df.events.listEvents({ channels: [withChannel.channelId], n: 50 }));
      assert.ok(onDoor.length >= 1 && onDoor.every((e) => e.channelId === withChannel.channelId));
      const asc = await ok('listEvents ASC', () => df.events.listEvents({ n: 5, sort: 'ASC' }));
      for (let i = 1; i < asc.length; i++) assert.ok(asc[i - 1].createdAt <= asc[i].createdAt, 'sort=ASC is oldest first');
    });

    await t.test('an unknown event code is a 400 naming it', async () => {
      const body = await fails('listEvents bad code', 400, () => df.events.listEvents({ eventCodes: [999] }));
      assert.equal(body.error, 'bad_request');
      assert.match(body.error_description, /999/);
    });
  });
}
