// Drives a running Lintel with the official DoorFlow Node SDK (doorflow on
// npm, pinned in package.json): it connects through the SDK's OAuth flow,
// calls every API class, and disconnects. See README.md for how to run it.
import { test } from 'node:test';
import { loadEnv } from './lib/env.mjs';
import { installRecorder } from './lib/wire.mjs';
import { sdk } from './lib/context.mjs';

import { oauthSuite } from './suites/oauth.mjs';
import { accountSuite } from './suites/account.mjs';
import { sitesSuite } from './suites/sites.mjs';
import { channelsSuite } from './suites/channels.mjs';
import { credentialTypesSuite } from './suites/credential_types.mjs';
import { groupsSuite } from './suites/groups.mjs';
import { rolesSuite } from './suites/roles.mjs';
import { peopleSuite } from './suites/people.mjs';
import { credentialsSuite } from './suites/credentials.mjs';
import { eventsSuite } from './suites/events.mjs';
import { reservationsSuite } from './suites/reservations.mjs';
import { groupReservationsSuite } from './suites/group_reservations.mjs';
import { channelCommandsSuite } from './suites/channel_commands.mjs';
import { admissionRequestsSuite } from './suites/admission_requests.mjs';
import { notificationRulesSuite } from './suites/notification_rules.mjs';
import { syncSuite } from './suites/sync.mjs';
import { scopesSuite } from './suites/scopes.mjs';
import { disconnectSuite } from './suites/disconnect.mjs';

installRecorder();
const ctx = { sdk, env: loadEnv() };

// Top-level tests in one file run one after another, in this order; later
// suites use what earlier ones created (the person, its card, a channel).
for (const suite of [
  oauthSuite, accountSuite, sitesSuite, channelsSuite, credentialTypesSuite, groupsSuite, rolesSuite,
  peopleSuite, credentialsSuite, eventsSuite, reservationsSuite, groupReservationsSuite,
  channelCommandsSuite, admissionRequestsSuite, notificationRulesSuite, syncSuite,
  scopesSuite, disconnectSuite,
]) {
  suite(test, ctx);
}
