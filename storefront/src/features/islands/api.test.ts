import assert from 'node:assert/strict';
import { ApiError, createApiClient, errorOf, NETWORK } from './api.ts';

interface Call {
  method: string;
  path: string;
  token: string | null;
  body: unknown;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

/** A fake origin: answers CSRF tokens in turn, and writes with `answer` for each call. */
function fakeOrigin(answer: (call: Call, index: number) => Response) {
  const calls: Call[] = [];
  let tokens = 0;
  let writes = 0;
  const client = createApiClient(async (path, init) => {
    const headers = new Headers(init.headers);
    const call = {
      method: init.method ?? 'GET',
      path,
      token: headers.get('x-csrf-token'),
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
    };
    calls.push(call);
    if (path === '/api/v1/auth/csrf') return json(200, { token: `token-${++tokens}` });
    return answer(call, writes++);
  });
  return { client, calls };
}

const csrfInvalid = () =>
  json(403, { error: { code: 'CSRF_TOKEN_INVALID', message: 'does not match' } });

describe('islands: API client', () => {
  it('when two writes are sent, then the CSRF token is fetched once and sent with both', async () => {
    const { client, calls } = fakeOrigin(() => new Response(null, { status: 204 }));
    await client.send('PUT', '/api/v1/favorites/1');
    await client.send('DELETE', '/api/v1/favorites/1');
    assert.deepEqual(
      calls.map((call) => `${call.method} ${call.path} ${call.token}`),
      [
        'GET /api/v1/auth/csrf null',
        'PUT /api/v1/favorites/1 token-1',
        'DELETE /api/v1/favorites/1 token-1',
      ],
    );
  });

  it('when the token no longer matches, then a new one is fetched and the write retried once', async () => {
    const { client, calls } = fakeOrigin((_call, index) =>
      index === 0 ? csrfInvalid() : json(200, { itemCount: 2 }),
    );
    const cart = await client.send<{ itemCount: number }>('POST', '/api/v1/cart/items', {
      productId: 3,
      quantity: 1,
    });
    assert.equal(cart.itemCount, 2);
    assert.deepEqual(
      calls.filter((call) => call.method === 'POST').map((call) => [call.token, call.body]),
      [
        ['token-1', { productId: 3, quantity: 1 }],
        ['token-2', { productId: 3, quantity: 1 }],
      ],
    );
  });

  it('when the new token is refused too, then the error comes out after one retry', async () => {
    const { client, calls } = fakeOrigin(() => csrfInvalid());
    await assert.rejects(client.send('PUT', '/api/v1/favorites/1'), {
      code: 'CSRF_TOKEN_INVALID',
    });
    assert.equal(calls.filter((call) => call.method === 'PUT').length, 2);
  });

  it('when a write fails otherwise, then it is not retried and carries code, status and details', async () => {
    const { client, calls } = fakeOrigin(() =>
      json(409, {
        error: {
          code: 'INSUFFICIENT_STOCK',
          message: 'Only 2 left',
          details: { productId: 3, quantityAvailable: 2 },
        },
      }),
    );
    const error = await client.send('POST', '/api/v1/cart/items', {}).catch((e: unknown) => e);
    assert.ok(error instanceof ApiError);
    assert.equal(error.code, 'INSUFFICIENT_STOCK');
    assert.equal(error.status, 409);
    assert.deepEqual(error.details, { productId: 3, quantityAvailable: 2 });
    assert.equal(calls.filter((call) => call.method === 'POST').length, 1);
  });

  it('when reads are made, then no token is fetched or sent', async () => {
    const { client, calls } = fakeOrigin(() => json(200, { items: [] }));
    await client.get('/api/v1/availability?ids=1');
    assert.deepEqual(
      calls.map((call) => [call.method, call.path, call.token]),
      [['GET', '/api/v1/availability?ids=1', null]],
    );
  });

  it('when the network fails, then the error is NETWORK with status 0', async () => {
    const client = createApiClient(async () => {
      throw new TypeError('Failed to fetch');
    });
    await assert.rejects(client.get('/api/v1/cart'), { code: NETWORK, status: 0 });
  });

  it('when fetching the token fails once, then the next write fetches it again', async () => {
    let csrfCalls = 0;
    const client = createApiClient(async (path) => {
      if (path === '/api/v1/auth/csrf') {
        csrfCalls++;
        if (csrfCalls === 1) throw new TypeError('offline');
        return json(200, { token: 't' });
      }
      return new Response(null, { status: 204 });
    });
    await assert.rejects(client.send('PUT', '/api/v1/favorites/1'), { code: NETWORK });
    await client.send('PUT', '/api/v1/favorites/1');
    assert.equal(csrfCalls, 2);
  });

  it('when an answer is not the API JSON, then a code comes from the status', () => {
    assert.equal(errorOf(502, undefined, null).code, 'SERVICE_UNAVAILABLE');
    assert.equal(errorOf(429, undefined, '30').code, 'TOO_MANY_REQUESTS');
    assert.equal(errorOf(429, undefined, '30').retryAfterS, 30);
    assert.equal(errorOf(404, '<html>', null).code, 'HTTP_ERROR');
    assert.equal(
      errorOf(503, { error: { code: 'MAINTENANCE', message: 'm' } }, '300').code,
      'MAINTENANCE',
    );
  });
});
