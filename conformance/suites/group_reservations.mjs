// GroupReservationsApi: create, list, delete a temporary group membership.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

const hour = 3_600_000;
const sec = (d) => Math.floor(d.getTime() / 1000);

export function groupReservationsSuite(test, ctx) {
  test('group reservations: createGroupReservation, listGroupReservations, deleteGroupReservation', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const person = need(ctx, 'person', 'people');
    const group = need(ctx, 'otherGroup', 'groups');
    const startTime = new Date(Math.floor(Date.now() / 1000) * 1000 + hour);
    const endTime = new Date(startTime.getTime() + 24 * hour);

    const gr = await ok('createGroupReservation', () => df.groupReservations.createGroupReservation({
      groupReservationInput: { groupReservation: { personId: person.id, startTime, endTime, groupIds: [group.id] } },
    }));
    conforms('GroupReservation', gr, 'created group reservation');
    assert.ok(Number.isInteger(gr.id) && gr.id > 0);
    assert.equal(gr.personId, person.id);
    assert.deepEqual(gr.groupIds, [group.id]);
    assert.equal(typeof gr.state, 'string');
    assert.equal(sec(gr.startTime), sec(startTime));
    assert.equal(sec(gr.endTime), sec(endTime));

    await t.test('listed (and by since), then deleted', async () => {
      const all = await ok('listGroupReservations', () => df.groupReservations.listGroupReservations({ skipPagination: true }));
      allConform('GroupReservation', all, 'group reservations');
      assert.ok(all.some((x) => x.id === gr.id));
      const recent = await ok('listGroupReservations since', () => df.groupReservations.listGroupReservations({ sinceUtc: new Date(Date.now() - 60_000) }));
      assert.ok(recent.some((x) => x.id === gr.id), 'changed in the last minute');
      const res = await ok('deleteGroupReservation', () => df.groupReservations.deleteGroupReservation({ id: gr.id }));
      assert.equal(res.result, 'ok');
      const after = await ok('listGroupReservations after delete', () => df.groupReservations.listGroupReservations({ skipPagination: true }));
      assert.ok(!after.some((x) => x.id === gr.id));
    });

    await t.test('no groups is a 422', async () => {
      await fails('createGroupReservation without groups', 422, () => df.groupReservations.createGroupReservation({
        groupReservationInput: { groupReservation: { personId: person.id, startTime, endTime, groupIds: [] } },
      }));
    });
  });
}
