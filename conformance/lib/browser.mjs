// A minimal browser for Lintel's OAuth pages: it keeps cookies, fills the
// login form, presses "allow" on the consent page, and stops at the
// redirect back to the application, as a user's browser would hand
// control back to it. Its requests bypass the exchange recorder: they
// carry the operator's password.
import { originalFetch } from './wire.mjs';

const inputRE = /<(input|button)\b([^>]*)>/gi;
const attrRE = /\b(name|value|type)="([^"]*)"/gi;
const formRE = /<form\b[^>]*>([\s\S]*?)<\/form>/gi;

function unescapeHTML(s) {
  return s.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** Returns the forms of a page as lists of {tag, name, value, type}. */
export function parseForms(html) {
  const forms = [];
  for (const f of html.matchAll(formRE)) {
    const fields = [];
    for (const input of f[1].matchAll(inputRE)) {
      const attrs = {};
      for (const a of input[2].matchAll(attrRE)) attrs[a[1].toLowerCase()] = unescapeHTML(a[2]);
      if (attrs.name) fields.push({ tag: input[1].toLowerCase(), ...attrs });
    }
    forms.push(fields);
  }
  return forms;
}

/** A cookie-keeping client that never follows redirects by itself. */
export class Browser {
  constructor(realFetch = originalFetch) {
    this.fetch = realFetch;
    this.cookies = new Map();
  }

  async request(url, init = {}) {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('Cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await this.fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const i = pair.indexOf('=');
      if (i > 0) this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    return { url, status: res.status, location: res.headers.get('location'), body: await res.text() };
  }

  /**
   * Posts the page's form that has every field in fill (and, when press
   * is given, the submit button with that name and value), adding its
   * hidden inputs. Forms have no action: they post back to the page URL.
   */
  async submit(page, fill, press) {
    for (const fields of parseForms(page.body)) {
      const names = new Set(fields.map((f) => f.name));
      if (!Object.keys(fill).every((k) => names.has(k))) continue;
      const button = press && fields.find((f) => (f.tag === 'button' || f.type === 'submit') && f.name === press[0] && f.value === press[1]);
      if (press && !button) continue;
      const body = new URLSearchParams();
      for (const f of fields) if (f.type === 'hidden') body.set(f.name, f.value ?? '');
      for (const [k, v] of Object.entries(fill)) body.set(k, v);
      if (button) body.set(button.name, button.value);
      const origin = new URL(page.url).origin;
      return this.request(page.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Origin: origin },
        body: body.toString(),
      });
    }
    throw new Error(`no form with ${Object.keys(fill).join(', ') || 'button ' + press} on ${page.url} (status ${page.status})`);
  }
}

/**
 * Signs in and consents at an authorization URL, the way a user would in
 * a browser, and returns the query parameters (code, state, or error) of
 * the redirect to redirectUri. It follows at most ten steps and throws an
 * Error describing the last page otherwise.
 */
export async function authorize(authUrl, redirectUri, email, password) {
  const b = new Browser();
  let page = await b.request(authUrl);
  for (let step = 0; step < 10; step++) {
    if (page.status === 302 || page.status === 303) {
      const next = new URL(page.location, page.url).toString();
      if (next.startsWith(redirectUri)) return new URL(next).searchParams;
      page = await b.request(next);
      continue;
    }
    if (page.status !== 200) break;
    const forms = parseForms(page.body);
    const has = (name) => forms.some((fs) => fs.some((f) => f.name === name));
    if (has('password')) {
      page = await b.submit(page, { email, password });
    } else if (has('decision')) {
      page = await b.submit(page, {}, ['decision', 'allow']);
    } else {
      break;
    }
  }
  throw new Error(`authorization did not reach ${redirectUri}: status ${page.status} at ${page.url}\n${page.body.slice(0, 600)}`);
}
