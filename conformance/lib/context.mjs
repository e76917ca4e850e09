// The state the suites share: the SDK module, the settings, the connected
// DoorFlow client and the ids one suite creates for the next.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

// doorflow's "import" entry point is not loadable by Node (its ESM build has
// extensionless imports), so the suite loads the CommonJS build, as the
// SDK's own README examples do under require().
export const sdk = require('doorflow');

/** Keeps tokens in memory; the SDK's ITokenStorage. */
export class MemoryStorage {
  constructor() { this.tokens = null; }
  async load() { return this.tokens ? { ...this.tokens } : null; }
  async save(tokens) { this.tokens = { ...tokens }; }
  async clear() { this.tokens = null; }
}

/** A suffix that keeps names and values unique between runs. */
export const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/** Returns a random string of digits of the given length, not starting with 0. */
export function digits(n) {
  let s = String(1 + Math.floor(Math.random() * 9));
  while (s.length < n) s += Math.floor(Math.random() * 10);
  return s;
}

/**
 * Returns ctx[key], or throws an Error saying which earlier suite should
 * have provided it, so a cascade of failures points at its first cause.
 */
export function need(ctx, key, from) {
  if (ctx[key] === undefined || ctx[key] === null) {
    throw new Error(`needs ${key} from the ${from} suite, which did not provide it`);
  }
  return ctx[key];
}
