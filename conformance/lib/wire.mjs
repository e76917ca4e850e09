// Records every HTTP exchange the SDK makes, so a failing check can show
// the request and the answer that caused it. Secrets (tokens, codes,
// client secrets, passwords) are replaced by [redacted] before anything
// is kept.
import assert from 'node:assert/strict';

/** The fetch in place before the recorder, for requests that must not be recorded. */
export const originalFetch = globalThis.fetch;

const exchanges = [];
const maxBody = 800;
let installed = false;

const secretJSON = /("(?:access_token|refresh_token|client_secret|code|password|token)"\s*:\s*")[^"]*"/g;
const secretForm = /((?:^|&)(?:client_secret|code|refresh_token|token|password|code_verifier|csrf_token)=)[^&]*/g;

/** Removes secrets from a request or response body. */
export function redact(text) {
  return String(text ?? '').replace(secretJSON, '$1[redacted]"').replace(secretForm, '$1[redacted]');
}

function clip(text) {
  const s = redact(text);
  return s.length > maxBody ? `${s.slice(0, maxBody)}...` : s;
}

/**
 * Wraps globalThis.fetch (which the SDK calls for every request) with a
 * recorder. Calling it twice does nothing more.
 */
export function installRecorder() {
  if (installed) return;
  installed = true;
  globalThis.fetch = async (input, init = {}) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    const entry = {
      method: (init.method || 'GET').toUpperCase(),
      path: url.pathname + url.search,
      request: init.body === undefined || init.body === null ? '' : clip(init.body.toString()),
      status: 0,
      response: '',
    };
    exchanges.push(entry);
    const res = await originalFetch(input, init);
    entry.status = res.status;
    try {
      entry.response = clip(await res.clone().text());
    } catch {
      entry.response = '(unreadable body)';
    }
    return res;
  };
}

/** Returns how many exchanges have been recorded so far. */
export function mark() {
  return exchanges.length;
}

/** Returns the exchanges recorded since a mark. */
export function since(m) {
  return exchanges.slice(m);
}

/** Formats exchanges one per paragraph: request line, body, status, body. */
export function describe(list) {
  if (list.length === 0) return '  (no HTTP request was made)';
  return list.map((e) => {
    const req = e.request ? `\n    request:  ${e.request}` : '';
    return `  ${e.method} ${e.path} -> ${e.status}${req}\n    response: ${e.response}`;
  }).join('\n');
}

/**
 * Runs one SDK call and returns its result. When it throws, the error is
 * rethrown with the HTTP exchanges the call made, so the test log shows
 * exactly what Lintel answered.
 */
export async function ok(what, fn) {
  const m = mark();
  try {
    return await fn();
  } catch (err) {
    // A ResponseError's own stack adds nothing to the exchange; keep the
    // cause for anything else (a TypeError while parsing an answer, say).
    const opts = err?.name === 'ResponseError' ? undefined : { cause: err };
    throw new Error(`${what}: ${err?.name}: ${err?.message}\n${describe(since(m))}`, opts);
  }
}

/**
 * Runs one SDK call that must fail with the SDK's ResponseError carrying
 * the given HTTP status. Returns the parsed JSON error body (or the raw
 * text when it is not JSON) for further checks.
 */
export async function fails(what, status, fn) {
  const m = mark();
  let result;
  try {
    result = await fn();
  } catch (err) {
    const got = err?.response?.status;
    if (err?.name !== 'ResponseError' || got !== status) {
      throw new Error(`${what}: want ResponseError ${status}, got ${err?.name} ${got ?? ''}: ${err?.message}\n${describe(since(m))}`, { cause: err });
    }
    const text = await err.response.text().catch(() => '');
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  assert.fail(`${what}: want ResponseError ${status}, the call succeeded with ${JSON.stringify(result)}\n${describe(since(m))}`);
}

/** Returns the last recorded exchange, or undefined. */
export function last() {
  return exchanges[exchanges.length - 1];
}
