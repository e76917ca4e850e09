// SitesApi: GET /api/3/sites, with pagination.
import assert from 'node:assert/strict';
import { need } from '../lib/context.mjs';
import { allConform } from '../lib/models.mjs';
import { ok } from '../lib/wire.mjs';

export function sitesSuite(test, ctx) {
  test('sites: listSites', async (t) => {
    const df = need(ctx, 'df', 'oauth');
    const sites = await ok('listSites', () => df.sites.listSites());
    assert.ok(sites.length >= 1, 'the account has at least one site');
    allConform('Site', sites, 'sites');
    for (const s of sites) {
      assert.ok(Number.isInteger(s.id) && s.id > 0, `site id ${s.id}`);
      assert.equal(typeof s.name, 'string');
      assert.ok(Array.isArray(s.siteIps), `site ${s.id} needs a site_ips array (the SDK maps it)`);
    }
    ctx.sites = sites;

    await t.test('per_page and page', async () => {
      const first = await ok('listSites page 1', () => df.sites.listSites({ perPage: 1, page: 1 }));
      assert.equal(first.length, 1);
      assert.equal(first[0].id, sites[0].id);
      const past = await ok('listSites past the end', () => df.sites.listSites({ perPage: 1, page: sites.length + 1 }));
      assert.deepEqual(past, []);
    });
  });
}
