// Reads where the Lintel under test is and how to sign in to it, from
// LINTEL_* environment variables or, for anything not set there, from the
// demo.json that `lintel demo` writes (LINTEL_DEMO_JSON names the file).
import { readFileSync } from 'node:fs';

// The scopes asked for when LINTEL_SCOPES is not set: every DoorFlow scope
// except the restricted account.channel.admit, which needs an operator's
// approval per application.
const defaultScopes = [
  'account.person', 'account.credential_type.readonly', 'account.group.readonly',
  'account.role.readonly', 'account.site.readonly', 'account.channel.readonly',
  'account.channel.admit.person', 'account.event.access.readonly', 'account.reservation',
  'account.group_reservation', 'account.notification_rule', 'account.sync',
];

/**
 * Returns the settings the suite needs. It throws an Error naming every
 * missing variable, so a misconfigured run fails at once and says why.
 */
export function loadEnv(env = process.env) {
  let demo = {};
  if (env.LINTEL_DEMO_JSON) {
    demo = JSON.parse(readFileSync(env.LINTEL_DEMO_JSON, 'utf8'));
  }
  const pick = (name, key) => env[name] || demo[key] || '';
  const cfg = {
    baseUrl: pick('LINTEL_BASE_URL', 'base_url').replace(/\/+$/, ''),
    clientId: pick('LINTEL_CLIENT_ID', 'client_id'),
    clientSecret: pick('LINTEL_CLIENT_SECRET', 'client_secret'),
    redirectUri: pick('LINTEL_REDIRECT_URI', 'redirect_uri'),
    adminEmail: pick('LINTEL_ADMIN_EMAIL', 'admin_email'),
    adminPassword: pick('LINTEL_ADMIN_PASSWORD', 'admin_password'),
    accountId: pick('LINTEL_ACCOUNT_ID', 'account_id'),
    scopes: (env.LINTEL_SCOPES || demo.scope || defaultScopes.join(' ')).split(/[\s,]+/).filter(Boolean),
  };
  const required = {
    LINTEL_BASE_URL: cfg.baseUrl, LINTEL_CLIENT_ID: cfg.clientId, LINTEL_CLIENT_SECRET: cfg.clientSecret,
    LINTEL_REDIRECT_URI: cfg.redirectUri, LINTEL_ADMIN_EMAIL: cfg.adminEmail, LINTEL_ADMIN_PASSWORD: cfg.adminPassword,
  };
  const missing = Object.entries(required).filter(([, v]) => !v).map(([k]) => k);
  if (missing.length > 0) {
    throw new Error(`set ${missing.join(', ')} (or LINTEL_DEMO_JSON to a demo.json)`);
  }
  return cfg;
}
