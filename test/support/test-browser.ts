import assert from 'node:assert/strict';

/**
 * A minimal browser for the sign-in flows: fetch with `redirect: 'manual'` and one cookie jar per
 * origin (our server, a practice's identity provider). `request` makes one request and follows
 * nothing, so a test can check every hop; `go` follows redirects while they stay on the
 * authorization server's own pages (/oauth/… on the origin given to the constructor) and stops at
 * anything else, i.e. the app's redirect_uri (which may be on the same origin, as for the
 * first-party apps). `submit` posts one of our pages' forms with its CSRF token.
 */
export interface RequestInit {
  method?: string;
  /** Sent as application/x-www-form-urlencoded; an array value repeats the field. */
  form?: Record<string, string | string[]>;
}

export class TestBrowser {
  /** origin → (cookie name → value). Tests may read or replace a jar (e.g. to replay an old cookie). */
  readonly jars = new Map<string, Map<string, string>>();
  readonly #authorizationServer: string | undefined;

  /** `authorizationServer`: the base URL whose /oauth/ pages `go` follows; only needed for `go` and `submit`. */
  constructor(authorizationServer?: string) {
    this.#authorizationServer = authorizationServer === undefined ? undefined : new URL(authorizationServer).origin;
  }

  /** The cookies kept for the origin of `url` (an origin, a base URL or any URL on it). */
  jar(url: string | URL): Map<string, string> {
    const origin = new URL(url).origin;
    let jar = this.jars.get(origin);
    if (!jar) this.jars.set(origin, (jar = new Map()));
    return jar;
  }

  /** One request without following redirects. */
  async request(url: string | URL, init: RequestInit = {}): Promise<Page> {
    const target = new URL(url);
    const jar = this.jar(target);
    const headers: Record<string, string> = {};
    if (jar.size) headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: URLSearchParams | undefined;
    if (init.form) {
      body = new URLSearchParams();
      for (const [key, value] of Object.entries(init.form)) for (const v of [value].flat()) body.append(key, v);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const response = await fetch(target, {
      method: init.method ?? (body ? 'POST' : 'GET'),
      headers,
      redirect: 'manual',
      ...(body ? { body } : {}),
    });
    keepCookies(jar, response.headers.getSetCookie());
    return new Page(target, response.status, response.headers, await response.text());
  }

  /** Requests `url` and follows redirects while they stay on the authorization server's pages; answers the last response. */
  async go(url: string | URL, init: RequestInit = {}): Promise<Page> {
    let page = await this.request(url, init);
    for (let hops = 0; page.location && this.#isAuthorizationServer(page.location); hops++) {
      assert.ok(hops < 20, 'too many redirects');
      page = await this.request(page.location);
    }
    return page;
  }

  /** Submits the page's form whose action ends with `/<step>` (login, patient, consent, abort), with its CSRF token. */
  submit(page: Page, step: string, fields: Record<string, string | string[]> = {}): Promise<Page> {
    return this.go(page.formAction(step), { form: { csrf: page.csrf(), ...fields } });
  }

  #isAuthorizationServer(url: string): boolean {
    assert.ok(this.#authorizationServer, 'new TestBrowser(serverBase) is needed to follow redirects');
    const parsed = new URL(url);
    return parsed.origin === this.#authorizationServer && parsed.pathname.startsWith('/oauth/');
  }
}

/** Applies Set-Cookie lines to a jar: a cookie with an empty value, a past 1970 expiry or Max-Age=0 is removed. */
function keepCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair = '', ...attributes] = line.split(';');
    const eq = pair.indexOf('=');
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const expired = attributes.some((a) => /^\s*expires=.*1970/i.test(a) || /^\s*max-age=0\s*$/i.test(a));
    if (expired || !value) jar.delete(name);
    else jar.set(name, value);
  }
}

/** One response, read: our pages' title, CSRF token, forms and choices. */
export class Page {
  readonly url: URL;
  readonly status: number;
  readonly headers: Headers;
  readonly body: string;

  constructor(url: URL, status: number, headers: Headers, body: string) {
    this.url = url;
    this.status = status;
    this.headers = headers;
    this.body = body;
  }

  /** The redirect target, absolute. */
  get location(): string | undefined {
    const location = this.headers.get('location');
    return location ? new URL(location, this.url).href : undefined;
  }

  get setCookies(): string[] {
    return this.headers.getSetCookie();
  }

  get title(): string {
    return /<h1>([^<]*)<\/h1>/.exec(this.body)?.[1] ?? '';
  }

  csrf(): string {
    const match = /name="csrf" value="([^"]+)"/.exec(this.body);
    assert.ok(match, `no CSRF token on the page "${this.title}" (${this.status})`);
    return match[1]!;
  }

  /** The absolute action of the form whose action ends with `/<step>`; fails when there is none. */
  formAction(step: string): string {
    const action = this.findFormAction(step);
    assert.ok(action, `no "${step}" form on the page "${this.title}" (${this.status}): ${this.#actions().join(', ')}`);
    return action;
  }

  /** The same, or undefined when the page has no such form (for tests that check a form is absent). */
  findFormAction(step: string): string | undefined {
    const action = this.#actions().find((a) => a.endsWith(`/${step}`));
    return action === undefined ? undefined : new URL(action, this.url).href;
  }

  /** The values of the checkboxes/radios named `name` (e.g. the scopes on the consent page). */
  choices(name: string): string[] {
    return [...this.body.matchAll(new RegExp(`name="${name}" value="([^"]+)"`, 'g'))].map((m) => decodeEntities(m[1]!));
  }

  #actions(): string[] {
    return [...this.body.matchAll(/<form method="post" action="([^"]+)"/g)].map((m) => decodeEntities(m[1]!));
  }
}

/** Undoes the pages' escaping (html-layout.ts: numeric entities; named ones for good measure). */
function decodeEntities(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replaceAll('&quot;', '"')
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');
}
