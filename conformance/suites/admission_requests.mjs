// AdmissionRequestsApi: the requests admitChannel and admitPerson made.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

export function admissionRequestsSuite(test, ctx) {
  test('admission requests: getAdmissionRequest', async (t) => {
    const df = need(ctx, 'df', 'oauth');

    await t.test('the channel admission', async () => {
      const want = need(ctx, 'admitChannelRequest', 'channel commands');
      const r = await ok('getAdmissionRequest', () => df.admissionRequests.getAdmissionRequest({ id: want.id }));
      conforms('AdmissionRequest', r, 'admission request');
      assert.equal(r.id, want.id);
      assert.equal(r.channelId, want.channelId);
      assert.equal(r.doorController?.id, want.channelId);
      assert.ok(Object.values(ctx.sdk.AdmissionRequestStatusEnum).includes(r.status), `status ${r.status}`);
      assert.ok(r.requestedAt instanceof Date && !Number.isNaN(r.requestedAt.getTime()), 'requested_at');
    });

    await t.test('the person admission names the person', async () => {
      const want = need(ctx, 'admitPersonRequest', 'channel commands');
      const r = await ok('getAdmissionRequest person', () => df.admissionRequests.getAdmissionRequest({ id: want.id }));
      assert.equal(r.id, want.id);
      assert.equal(r.personId, want.personId);
      assert.equal(r.person?.id, want.personId);
    });

    await t.test('an unknown id is a 404', async () => {
      await fails('getAdmissionRequest unknown', 404, () => df.admissionRequests.getAdmissionRequest({ id: 987654321 }));
    });
  });
}
