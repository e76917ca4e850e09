// PeopleApi: create, get, list with every filter, update, delete.
import assert from 'node:assert/strict';
import { need, stamp } from '../lib/context.mjs';
import { allConform, conforms } from '../lib/models.mjs';
import { fails, ok } from '../lib/wire.mjs';

const validDate = (d) => d instanceof Date && !Number.isNaN(d.getTime());

export function peopleSuite(test, ctx) {
  test('people: createPerson, getPerson, listPeople, updatePerson, deletePerson', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const staff = need(ctx, 'staff', 'groups');
    const email = `ada.${stamp}@example.com`;
    const systemId = `sdk-${stamp}`;
    const createdAfter = new Date(Date.now() - 60_000);

    const person = await ok('createPerson', () => df.people.createPerson({
      personInput: {
        firstName: 'Ada', lastName: `Conformance ${stamp}`, email, systemId, enabled: true,
        jobTitle: 'Tester', notes: 'created by the SDK conformance suite', groupIds: [staff.id],
      },
    }));
    conforms('Person', person, 'created person');
    assert.ok(Number.isInteger(person.id) && person.id > 0, `person id ${person.id}`);
    assert.equal(person.firstName, 'Ada');
    assert.equal(person.lastName, `Conformance ${stamp}`);
    assert.equal(person.email, email);
    assert.equal(person.systemId, systemId);
    assert.equal(person.jobTitle, 'Tester');
    assert.equal(person.enabled, true);
    assert.deepEqual(person.groups, [staff.id]);
    assert.ok(Array.isArray(person.roles));
    assert.ok(validDate(person.createdAt), 'created_at');
    ctx.person = person;

    await t.test('getPerson round-trips', async () => {
      const got = await ok('getPerson', () => df.people.getPerson({ id: person.id }));
      conforms('Person', got, 'person');
      assert.equal(got.id, person.id);
      assert.equal(got.email, email);
      assert.deepEqual(got.groups, [staff.id]);
    });

    await t.test('listPeople filters: email, system_id, since', async () => {
      const byEmail = await ok('listPeople email', () => df.people.listPeople({ email }));
      assert.deepEqual(byEmail.map((p) => p.id), [person.id]);
      const bySystem = await ok('listPeople systemId', () => df.people.listPeople({ systemId }));
      assert.deepEqual(bySystem.map((p) => p.id), [person.id]);
      const recent = await ok('listPeople since', () => df.people.listPeople({ since: createdAfter, skipPagination: true }));
      assert.ok(recent.some((p) => p.id === person.id), 'a person created a minute ago is in since=');
      const future = await ok('listPeople sinceUtc future', () => df.people.listPeople({ sinceUtc: new Date(Date.now() + 3_600_000) }));
      assert.deepEqual(future, []);
    });

    await t.test('listPeople pages', async () => {
      const p1 = await ok('listPeople page 1', () => df.people.listPeople({ perPage: 2, page: 1 }));
      const p2 = await ok('listPeople page 2', () => df.people.listPeople({ perPage: 2, page: 2 }));
      assert.equal(p1.length, 2);
      allConform('Person', [...p1, ...p2], 'people');
      assert.ok(p2.length >= 1);
      assert.ok(!p2.some((p) => p1.some((q) => q.id === p.id)), 'pages do not overlap');
    });

    await t.test('updatePerson changes only what it sends (PUT answers 201)', async () => {
      const groupIds = ctx.otherGroup ? [staff.id, ctx.otherGroup.id] : [staff.id];
      const updated = await ok('updatePerson', () => df.people.updatePerson({
        id: person.id, personInput: { jobTitle: 'Lead tester', groupIds },
      }));
      conforms('Person', updated, 'updated person');
      assert.equal(updated.id, person.id);
      assert.equal(updated.jobTitle, 'Lead tester');
      assert.equal(updated.firstName, 'Ada');
      assert.equal(updated.email, email);
      assert.deepEqual([...updated.groups].sort((a, b) => a - b), [...groupIds].sort((a, b) => a - b));
      // Keep the person in Staff only, so remote admission has a clear answer.
      await ok('updatePerson back', () => df.people.updatePerson({ id: person.id, personInput: { groupIds: [staff.id] } }));
    });

    await t.test('invalid input is a 422 ResponseError with field errors', async () => {
      const body = await fails('createPerson without names', 422, () => df.people.createPerson({ personInput: { email: `x.${stamp}@example.com` } }));
      assert.equal(body.error, 'validation_failed');
      assert.equal(typeof body.errors, 'object');
    });

    await t.test('deletePerson, then the person is gone', async () => {
      const other = await ok('createPerson second', () => df.people.createPerson({
        personInput: { firstName: 'Grace', lastName: `Deleted ${stamp}`, enabled: false },
      }));
      assert.equal(other.enabled, false);
      const res = await ok('deletePerson', () => df.people.deletePerson({ id: other.id }));
      assert.equal(res.result, 'ok');
      const body = await fails('getPerson deleted', 404, () => df.people.getPerson({ id: other.id }));
      assert.equal(body.error, 'not_found');
      await fails('deletePerson again', 404, () => df.people.deletePerson({ id: other.id }));
    });
  });
}
