import assert from 'node:assert/strict';
import { BEHAVIOURS, behaviourFor, ORIGIN_IDS, patternToRegExp } from './description.ts';

describe('edge description', () => {
  it('when the behaviours are read, then the last is the default and every origin request policy stays within CloudFront quotas', () => {
    assert.equal(BEHAVIOURS.at(-1)?.pathPattern, '*');
    for (const b of BEHAVIOURS) {
      // CloudFront's default quota: 10 headers and 10 cookies per origin request policy.
      assert.ok(b.headers.length <= 10, `${b.name} forwards ${b.headers.length} headers`);
      assert.ok(b.cookies.length <= 10, `${b.name} forwards ${b.cookies.length} cookies`);
      for (const h of b.headers) assert.equal(h, h.toLowerCase(), `${b.name}: ${h}`);
    }
  });

  it('when paths are matched, then the first matching behaviour wins as in CloudFront', () => {
    assert.equal(behaviourFor('/_astro/app.1234.js').name, 'assets');
    assert.equal(behaviourFor('/api/v1/products').name, 'api');
    assert.equal(behaviourFor('/media/products/x.svg').origin, ORIGIN_IDS.media);
    assert.equal(behaviourFor('/cart/').name, 'page-cart');
    assert.equal(behaviourFor('/metrics').origin, ORIGIN_IDS.static, 'metrics never reach the app');
    assert.equal(behaviourFor('/products/blue-hour/').name, 'catalogue');
  });

  it('when a pattern has wildcards, then * spans slashes and ? is one character, anchored', () => {
    assert.ok(patternToRegExp('/api/*').test('/api/v1/a/b'));
    assert.ok(!patternToRegExp('/api/*').test('/apix/'));
    assert.ok(patternToRegExp('/a?c').test('/abc'));
    assert.ok(!patternToRegExp('/a?c').test('/abbc'));
    assert.ok(!patternToRegExp('/a.c').test('/abc'), 'a dot is a dot');
  });
});
