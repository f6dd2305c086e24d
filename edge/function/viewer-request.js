// Vitrine viewer-request function (cloudfront-js-2.0). Source of dist/viewer-request.js:
// build.ts injects CONFIG and APP_PATH from edge/src/description.ts, and the gate
// (npm run edge:check) holds the built file to the runtime's syntax and 10 KB.
// Written in the runtime's subset: no destructuring, spread, ?., ??, classes, for…of.
import cf from 'cloudfront';
import crypto from 'crypto';

var CONFIG = __CONFIG__;
// Paths whose cache behaviour targets the app origin (the rest go to S3).
var APP_PATH = __APP_PATH__;

var KID = /^[A-Za-z0-9_-]{1,32}$/;
var B64URL = /^[A-Za-z0-9_-]+$/;
// The last segment has a dot: a file such as /sitemap.xml, never a directory.
var FILE = /\/[^/]*\.[^/]*$/;
var kvs = cf.kvs();

async function handler(event) {
  var request = event.request;
  var uri = request.uri;
  // The behaviour was chosen from this original path; decide with the same path.
  var app = APP_PATH.test(uri);
  var flags = await readFlags();

  if (flags.maintenance === 'all' || (flags.maintenance === 'app' && app)) {
    return maintenance(uri);
  }

  var read = request.method === 'GET' || request.method === 'HEAD';
  if (read && !under(uri, CONFIG.rawPrefixes)) {
    var canonical = canonicalPath(uri);
    if (canonical !== uri) {
      return reply(301, 'Moved Permanently', { location: canonical + query(request) });
    }
  }

  if (!app) {
    // S3 needs no cookies, and they would only split the cache.
    request.cookies = {};
    if (uri.charAt(uri.length - 1) === '/') request.uri = uri + 'index.html';
    return request;
  }

  var cookie = request.cookies[CONFIG.sessionCookie];
  var session = cookie ? await verify(cookie.value) : null;
  var api = under(uri, CONFIG.gatedApi);
  // A bearer token (the storefront build's export token) is for the origin to judge.
  var bearer = api && request.headers.authorization;
  if (!session && !bearer && (api || under(uri, CONFIG.gatedPages))) {
    var response = api
      ? reply(
          401,
          'Unauthorized',
          { 'content-type': 'application/json' },
          apiError('NOT_SIGNED_IN', 'Sign in to do this.'),
        )
      : reply(302, 'Found', {
          location: CONFIG.loginPath + '?next=' + encodeURIComponent(uri + query(request)),
        });
    // A forged or expired cookie is useless to the browser: drop it.
    if (cookie) {
      response.cookies = {};
      response.cookies[CONFIG.sessionCookie] = {
        value: '',
        attributes: 'Path=/; Secure; HttpOnly; SameSite=Lax; Max-Age=0',
      };
    }
    return response;
  }

  var canary = flags.canary;
  if (session && canary && canary.percent > 0 && bucket(session.sid) < canary.percent) {
    cf.selectRequestOriginById(CONFIG.canaryOrigin);
  }
  return request;
}

async function readFlags() {
  try {
    var flags = await kvs.get(CONFIG.kvs.flags, { format: 'json' });
    return flags && typeof flags === 'object' ? flags : {};
  } catch (e) {
    // No flags stored (or unreadable): serve normally.
    return {};
  }
}

// `/account` covers `/account` and `/account/…`, never `/accounts`.
function under(uri, prefixes) {
  for (var i = 0; i < prefixes.length; i++) {
    var p = prefixes[i];
    if (uri === p || uri.startsWith(p.charAt(p.length - 1) === '/' ? p : p + '/')) return true;
  }
  return false;
}

// One form per page: single slashes (`//host` would be an open redirect), a trailing
// slash on directories, no explicit index.html.
function canonicalPath(uri) {
  var path = uri.replace(/[/\\]{2,}/g, '/');
  if (path.endsWith('/index.html')) return path.slice(0, -10);
  if (path.charAt(path.length - 1) !== '/' && !FILE.test(path)) path += '/';
  return path;
}

function query(request) {
  var raw;
  if (typeof request.rawQueryString === 'function') {
    raw = request.rawQueryString();
  } else {
    var parts = [];
    var qs = request.querystring;
    Object.keys(qs).forEach((name) => {
      var values = qs[name].multiValue || [qs[name]];
      values.forEach((v) => {
        parts.push(v.value === '' ? name : name + '=' + v.value);
      });
    });
    raw = parts.join('&');
  }
  return raw ? '?' + raw : '';
}

function reply(statusCode, statusDescription, headers, body) {
  var response = {
    statusCode: statusCode,
    statusDescription: statusDescription,
    headers: { 'cache-control': { value: 'no-store' } },
  };
  Object.keys(headers).forEach((name) => {
    response.headers[name] = { value: headers[name] };
  });
  if (body !== undefined) response.body = { encoding: 'text', data: body };
  return response;
}

function apiError(code, message) {
  return JSON.stringify({ error: { code: code, message: message } });
}

function maintenance(uri) {
  var message = 'The shop is being updated. Please try again in a few minutes.';
  if (uri.startsWith('/api/')) {
    return reply(
      503,
      'Service Unavailable',
      { 'content-type': 'application/json', 'retry-after': '300' },
      apiError('MAINTENANCE', message),
    );
  }
  return reply(
    503,
    'Service Unavailable',
    { 'content-type': 'text/html; charset=utf-8', 'retry-after': '300' },
    '<!doctype html><html lang="en"><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width,initial-scale=1">' +
      '<title>Back soon</title><main style="font:1.1rem/1.5 system-ui;max-width:32rem;margin:4rem auto;padding:0 1rem">' +
      "<h1>We'll be back soon</h1><p>" +
      message +
      '</p></main></html>',
  );
}

// The origin's contract (ARCHITECTURE.md): v1.<kid>.<b64url {sid,exp}>.<b64url HMAC-SHA256>.
async function verify(value) {
  if (value.length > 512) return null;
  var parts = value.split('.');
  if (parts.length !== 4 || parts[0] !== 'v1' || !KID.test(parts[1])) return null;
  if (!B64URL.test(parts[2]) || !B64URL.test(parts[3])) return null;
  var secret;
  try {
    secret = await kvs.get(CONFIG.kvs.keyPrefix + parts[1], { format: 'string' });
  } catch (e) {
    // Unknown kid: a retired key or a forgery.
    return null;
  }
  var expected = crypto
    .createHmac('sha256', secret)
    .update('v1.' + parts[1] + '.' + parts[2])
    .digest('base64url');
  if (!sameString(expected, parts[3])) return null;
  var claims;
  try {
    claims = JSON.parse(fromBase64Url(parts[2]));
  } catch (e) {
    return null;
  }
  if (!claims || typeof claims.sid !== 'string' || !B64URL.test(claims.sid)) return null;
  if (typeof claims.exp !== 'number' || claims.exp % 1 !== 0) return null;
  // Date is frozen at the start of the invocation.
  if (claims.exp <= Math.floor(Date.now() / 1000)) return null;
  return claims;
}

// The runtime has no timingSafeEqual: compare every character whatever the first difference.
function sameString(a, b) {
  if (a.length !== b.length) return false;
  var diff = 0;
  for (var i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

function fromBase64Url(text) {
  var b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  while (b64.length % 4 !== 0) b64 += '=';
  return atob(b64);
}

// A stable 0–99 bucket per session, so a canary session stays on the canary.
function bucket(sid) {
  return parseInt(crypto.createHash('md5').update(sid).digest('hex').slice(0, 8), 16) % 100;
}
