// ReservationsApi: create, list, delete a reservation for the suite's person.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

const hour = 3_600_000;
const sec = (d) => Math.floor(d.getTime() / 1000);

export function reservationsSuite(test, ctx) {
  test('reservations: createReservation, listReservations, deleteReservation', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const person = need(ctx, 'person', 'people');
    const channel = need(ctx, 'channel', 'channels');
    const startTime = new Date(Math.floor(Date.now() / 1000) * 1000 + hour);
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
