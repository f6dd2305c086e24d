import { check } from 'k6';
import http from 'k6/http';
import { config } from './config.js';

/*
 * Requests as the browser makes them, each with a `name` tag (the route, not
 * the URL, so metrics group by route) and a `kind` tag (page, api, static),
 * and a check on every response.
 *
 * Cookies: production cookies are `__Host-…; Secure`. k6's jar is Go's
 * net/http/cookiejar, which (like browsers) treats loopback and localhost as
 * secure, so over http://127.0.0.1 it keeps and sends them as a browser
 * would; each iteration (one visit) starts with an empty jar. Against a
 * plain-http host that is not local the session would be dropped and the
 * signed-in checks would fail: test a deployed shop over https.
 */

const PAGE_HEADERS = { accept: 'text/html', 'accept-encoding': 'gzip' };
const API_HEADERS = { accept: 'application/json', 'accept-encoding': 'gzip' };
const STATIC_HEADERS = { accept: '*/*', 'accept-encoding': 'gzip' };

/** Statuses that are answers, not failures, for http_req_failed. */
export const EXPECT = {
  ok: http.expectedStatuses({ min: 200, max: 299 }),
  /** The edge's 401 NOT_SIGNED_IN to an anonymous favourites read. */
  anonymous: http.expectedStatuses(401),
  /** Out of stock is a business answer (409), not an error. */
  okOrStock: http.expectedStatuses({ min: 200, max: 299 }, 409),
};

export const url = (path) => `${config.baseUrl}${path}`;

function params(name, kind, headers, extra = {}) {
  return { headers, tags: { name, kind }, redirects: 0, ...extra };
}

function checked(res, name, statuses) {
  check(res, { [`${name}: ${statuses.join(' or ')}`]: (r) => statuses.includes(r.status) });
  return res;
}

/** A page (static from the bucket, or rendered by the origin). */
export function page(path, name) {
  return checked(http.get(url(path), params(name, 'page', PAGE_HEADERS)), name, [200]);
}

/** A file of the static build (search index, scripts). */
export function file(path, name) {
  return checked(http.get(url(path), params(name, 'static', STATIC_HEADERS)), name, [200]);
}

/** Several static files at once, as a browser fetches them in parallel. */
export function files(paths, name) {
  if (paths.length === 0) return [];
  const responses = http.batch(
    paths.map((p) => ['GET', url(p), null, params(name, 'static', STATIC_HEADERS)]),
  );
  for (const res of responses) checked(res, name, [200]);
  return responses;
}

/** GET on the API; `expect` lists the statuses this call may answer. */
export function apiGet(path, name, expect = [200]) {
  const extra = expect.includes(401) ? { responseCallback: EXPECT.anonymous } : {};
  return checked(http.get(url(path), params(name, 'api', API_HEADERS, extra)), name, expect);
}

/** A write as the islands send it: JSON, the CSRF token, same-origin fetch metadata. */
export function apiSend(method, path, body, name, { csrf, expect = [200], headers = {} }) {
  const res = http.request(
    method,
    url(path),
    body === undefined ? null : JSON.stringify(body),
    params(
      name,
      'api',
      {
        ...API_HEADERS,
        'content-type': 'application/json',
        origin: config.baseUrl,
        'sec-fetch-site': 'same-origin',
        'x-csrf-token': csrf,
        ...headers,
      },
      expect.includes(409) ? { responseCallback: EXPECT.okOrStock } : {},
    ),
  );
  return checked(res, name, expect);
}

/** The API's error code of a JSON error answer, or null. */
export function errorCode(res) {
  try {
    return res.json('error.code') ?? null;
  } catch {
    return null;
  }
}
