"""Schemathesis hooks for `npm run test:fuzz` (loaded through SCHEMATHESIS_HOOKS).

The Node runner (fuzz/run.ts) starts the origin, makes the identities and
writes them to FUZZ_IDENTITIES (JSON); FUZZ_IDENTITY names the one this run
acts as:

* `anonymous`: an anonymous pre-session cookie and its CSRF token, so writes
  reach validation instead of stopping at the CSRF check;
* `customer`, `artist`, `admin`: a signed-in session and its CSRF token.

Every request carries the identity's cookie and `X-CSRF-Token`. When a fuzzed
request ends the session (logout, a new login or registration over it, a
session deleted) the next answer is a 401; Schemathesis then asks this
provider again (its `retry_on` re-authentication) and replays the request
with a new session.

Half of the generated identifiers are swapped for ones that exist (seeded
works, the customer's orders and cart lines, the artist's works and images),
so the fuzzer reaches the code behind the 404s. The choice depends only on the
generated value, so a run stays deterministic.
"""

import json
import os
import re
import zlib

import requests
import schemathesis

BASE_URL = os.environ["FUZZ_BASE_URL"].rstrip("/")
IDENTITY = os.environ["FUZZ_IDENTITY"]
with open(os.environ["FUZZ_IDENTITIES"], encoding="utf-8") as handle:
    _FILE = json.load(handle)
ME = _FILE["identities"][IDENTITY]
KNOWN = _FILE["known"]
COOKIES = _FILE["cookieNames"]

# The provider signs in as if from its own client address (the origin trusts
# two proxy hops, as behind CloudFront and the ALB), so the fuzzer's own failed
# logins, throttled per IP, never lock the identity out.
CLIENT_IP = {"anonymous": "198.51.100.10", "customer": "198.51.100.11", "artist": "198.51.100.12", "admin": "198.51.100.13"}[IDENTITY]


def _pre_session(http: requests.Session) -> tuple[str, str]:
    res = http.get(f"{BASE_URL}/api/v1/auth/csrf", headers={"x-forwarded-for": CLIENT_IP}, timeout=10)
    res.raise_for_status()
    return res.cookies[COOKIES["csrf"]], res.json()["token"]


def sign_in() -> dict:
    """A fresh cookie header and CSRF token for this run's identity."""
    with requests.Session() as http:
        pre_cookie, pre_token = _pre_session(http)
        if IDENTITY == "anonymous":
            return {"cookie": f"{COOKIES['csrf']}={pre_cookie}", "csrf": pre_token}
        res = http.post(
            f"{BASE_URL}/api/v1/auth/login",
            json={"email": ME["email"], "password": ME["password"]},
            headers={
                "cookie": f"{COOKIES['csrf']}={pre_cookie}",
                "x-csrf-token": pre_token,
                "x-forwarded-for": CLIENT_IP,
            },
            timeout=30,
        )
        if res.status_code != 200:
            raise RuntimeError(f"{IDENTITY} could not sign in: {res.status_code} {res.text[:300]}")
        return {"cookie": f"{COOKIES['session']}={res.cookies[COOKIES['session']]}", "csrf": res.json()["csrfToken"]}


@schemathesis.auth()
class Identity:
    def get(self, case, ctx):
        return sign_in()

    def set(self, case, data, ctx):
        headers = dict(case.headers or {})
        headers["Cookie"] = data["cookie"]
        headers["X-CSRF-Token"] = data["csrf"]
        case.headers = headers


def _pick(value, choices):
    """A known value for about half of the generated ones, chosen by the value itself."""
    if not choices:
        return value
    digest = zlib.crc32(repr(value).encode())
    if digest % 2:
        return value
    return choices[(digest // 2) % len(choices)]


# Only values valid for their parameter are swapped (for another valid one), so a
# case generated to be invalid stays invalid and the negative checks stay honest.
_ID = re.compile(r"^[1-9][0-9]{0,14}$")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_PROVIDER = re.compile(r"^[a-z0-9_]{1,32}$")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)


def _valid_for(key: str, value) -> bool:
    if isinstance(value, bool):
        return False
    if key == "orderIds":
        return isinstance(value, str) and bool(_UUID.match(value))
    if key.endswith("Ids"):
        return (isinstance(value, int) and 1 <= value < 10**15) or (isinstance(value, str) and bool(_ID.match(value)))
    if key == "providers":
        return isinstance(value, str) and bool(_PROVIDER.match(value))
    return isinstance(value, str) and 2 <= len(value) <= 80 and bool(_SLUG.match(value))


# Path template prefix → {parameter: key in KNOWN}. The first matching prefix wins.
_PATH_IDS = [
    ("/api/v1/products/{slug}", {"slug": "productSlugs"}),
    ("/api/v1/collections/{slug}", {"slug": "collectionSlugs"}),
    ("/api/v1/artists/{slug}", {"slug": "artistSlugs"}),
    ("/api/v1/cart/items/{id}", {"id": "cartLineIds"}),
    ("/api/v1/orders/{id}", {"id": "orderIds"}),
    ("/api/v1/admin/orders/{id}", {"id": "orderIds"}),
    ("/api/v1/studio/products/{id}", {"id": "studioProductIds", "imageId": "studioImageIds"}),
    ("/api/v1/admin/products/{id}", {"id": "productIds"}),
    ("/api/v1/admin/collections/{id}", {"id": "collectionIds", "productId": "productIds"}),
    ("/api/v1/admin/categories/{id}", {"id": "categoryIds"}),
    ("/api/v1/favorites/{productId}", {"productId": "productIds"}),
    ("/api/v1/payments/webhooks/{provider}", {"provider": "providers"}),
]


def _known_for(path: str) -> dict:
    for prefix, names in _PATH_IDS:
        if path.startswith(prefix):
            return names
    return {}


def _swap(value, key):
    if not _valid_for(key, value):
        return value
    picked = _pick(value, KNOWN.get(key, []))
    # Keep the generated type: a path id drawn as text goes out as text.
    return str(picked) if isinstance(value, str) else picked


@schemathesis.hook
def map_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return path_parameters
    names = _known_for(ctx.operation.path)
    for name, key in names.items():
        if name in path_parameters:
            path_parameters[name] = _swap(path_parameters[name], key)
    return path_parameters


_QUERY_IDS = {"collection": "collectionSlugs", "category": "categorySlugs", "artist": "artistSlugs"}


@schemathesis.hook
def map_query(ctx, query):
    if not query or ctx.operation.path != "/api/v1/products":
        return query
    for name, key in _QUERY_IDS.items():
        if name in query:
            query[name] = _swap(query[name], key)
    return query


@schemathesis.hook
def map_body(ctx, body):
    if isinstance(body, dict) and ctx.operation.path == "/api/v1/cart/items" and "productId" in body:
        body["productId"] = _swap(body["productId"], "productIds")
    return body
