// RolesApi: GET /api/3/roles.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

export function rolesSuite(test, ctx) {
  test('roles: listRoles', async () => {
    const df = need(ctx, 'df', 'oauth');
    const roles = await ok('listRoles', () => df.roles.listRoles());
    assert.ok(roles.length >= 1);
    allConform('Role', roles, 'roles');
    for (const r of roles) {
      assert.ok(Number.isInteger(r.id) && r.id > 0);
      assert.equal(typeof r.name, 'string');
      assert.ok(r.updatedAt instanceof Date && !Number.isNaN(r.updatedAt.getTime()), `role ${r.id} updated_at`);
    }
    ctx.roles = roles;
  });
}
