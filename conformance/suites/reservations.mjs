// ReservationsApi: create, list, delete a reservation for the suite's person.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

const hour = 3_600_000;
const sec = (d) => Math.floor(d.getTime() / 1000);

// startAtTen returns a whole second between 1 and 24 hours from now that
// falls in the ten o'clock hour of zone, so that a two-hour reservation
// from it ends on the day it starts whatever the hour the suite runs (a
// reservation may not run past its doors' midnight).
function startAtTen(zone) {
  const now = Math.floor(Date.now() / 1000) * 1000;
  const h = Number(new Intl.DateTimeFormat('en-GB', { timeZone: zone, hour: 'numeric', hourCycle: 'h23' }).format(new Date(now)));
  return new Date(now + (((10 - h + 24) % 24) || 24) * hour);
}

export function reservationsSuite(test, ctx) {
  test('reservations: createReservation, listReservations, deleteReservation', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const person = need(ctx, 'person', 'people');
    const channel = need(ctx, 'channel', 'channels');
    // The suite's doors are in the account's zone (the demo's sites are).
    const account = await ok('getAccount', () => df.accounts.getAccount());
    const startTime = startAtTen(account.timeZone);
    const endTime = new Date(startTime.getTime() + 2 * hour);

    const r = await ok('createReservation', () => df.reservations.createReservation({
      reservationInput: { personId: person.id, startTime, endTime, channelIds: [channel.id] },
    }));
    conforms('Reservation', r, 'created reservation');
    assert.ok(Number.isInteger(r.id) && r.id > 0);
    assert.equal(r.personId, person.id);
    assert.deepEqual(r.channelIds, [channel.id]);
    assert.equal(sec(r.startTime), sec(startTime));
    assert.equal(sec(r.endTime), sec(endTime));

    await t.test('listed, then deleted', async () => {
      const all = await ok('listReservations', () => df.reservations.listReservations({ skipPagination: true }));
      allConform('Reservation', all, 'reservations');
      assert.ok(all.some((x) => x.id === r.id && x.personId === person.id));
      const res = await ok('deleteReservation', () => df.reservations.deleteReservation({ id: r.id }));
      assert.equal(res.result, 'ok');
      const after = await ok('listReservations after delete', () => df.reservations.listReservations({ skipPagination: true }));
      assert.ok(!after.some((x) => x.id === r.id));
      await fails('deleteReservation again', 404, () => df.reservations.deleteReservation({ id: r.id }));
    });

    await t.test('an end before the start is a 422', async () => {
      const body = await fails('createReservation backwards', 422, () => df.reservations.createReservation({
        reservationInput: { personId: person.id, startTime: endTime, endTime: startTime, channelIds: [channel.id] },
      }));
      assert.equal(body.error, 'validation_failed');
    });
  });
}
