// Checks an SDK-parsed answer against the SDK's own idea of the model: the
// generated instanceOf<Model> functions list the properties the model
// requires, and every Date the SDK built must be a valid one.
import assert from 'node:assert/strict';
import { sdk } from './context.mjs';

const requiredCache = new Map();

/** Returns the properties instanceOf<model> requires, read from its source. */
function requiredOf(model) {
  if (!requiredCache.has(model)) {
    const fn = sdk[`instanceOf${model}`];
    assert.equal(typeof fn, 'function', `the SDK has no model ${model}`);
    requiredCache.set(model, [...fn.toString().matchAll(/'(\w+)' in value/g)].map((m) => m[1]));
  }
  return requiredCache.get(model);
}

/**
 * Asserts that value, as the SDK parsed it, has every property the SDK's
 * model requires, and that none of its dates is Invalid Date (what the SDK
 * makes of a missing or unparsable date). The message names what is wrong.
 */
export function conforms(model, value, where = model) {
  assert.ok(value && typeof value === 'object', `${where}: not an object: ${JSON.stringify(value)}`);
  const missing = requiredOf(model).filter((k) => value[k] === undefined);
  assert.deepEqual(missing, [], `${where}: the SDK's ${model} requires ${missing.join(', ')}`);
  assert.ok(sdk[`instanceOf${model}`](value), `${where}: instanceOf${model} is false`);
  for (const [k, v] of Object.entries(value)) {
    if (v instanceof Date) assert.ok(!Number.isNaN(v.getTime()), `${where}.${k} is Invalid Date`);
  }
}

/** Applies conforms to every element of a list. */
export function allConform(model, list, where = model) {
  assert.ok(Array.isArray(list), `${where}: not an array`);
  list.forEach((v, i) => conforms(model, v, `${where}[${i}]`));
}
