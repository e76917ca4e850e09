// GroupsApi: GET /api/3/groups.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

export function groupsSuite(test, ctx) {
  test('groups: listGroups', async () => {
    const df = need(ctx, 'df', 'oauth');
    const groups = await ok('listGroups', () => df.groups.listGroups());
    assert.ok(groups.length >= 2, 'the suite needs two groups');
    allConform('Group', groups, 'groups');
    for (const g of groups) {
      assert.ok(Number.isInteger(g.id) && g.id > 0);
      assert.equal(typeof g.name, 'string');
      assert.equal(typeof g.globalAcrossSites, 'boolean');
      assert.ok(g.createdAt instanceof Date && !Number.isNaN(g.createdAt.getTime()), `group ${g.id} created_at`);
    }
    ctx.groups = groups;
    // The demo's Staff group may open every door at any time; elsewhere the first group.
    ctx.staff = groups.find((g) => g.name === 'Staff') ?? groups[0];
    ctx.otherGroup = groups.find((g) => g.id !== ctx.staff.id);
  });
}
