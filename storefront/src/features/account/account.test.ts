import assert from 'node:assert/strict';
import { deviceOf, slugFrom, withArticle } from './account.ts';

describe('account words', () => {
  it('when a session has a common browser, then it is named with its system', () => {
    assert.equal(
      deviceOf('Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0'),
      'Firefox on Linux',
    );
    assert.equal(
      deviceOf(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
      ),
      'Safari on iOS',
    );
    assert.equal(
      deviceOf(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0',
      ),
      'Edge on Windows',
    );
  });

  it('when the user agent says nothing known, then the words say so plainly', () => {
    assert.equal(deviceOf(''), 'Unknown device');
    assert.equal(deviceOf('node'), 'Another browser or app');
  });

  it('when a name has accents, spaces and signs, then its profile address is a clean slug', () => {
    assert.equal(slugFrom('  Mara Lind '), 'mara-lind');
    assert.equal(slugFrom('Zoë Saldaña & Co.'), 'zoe-saldana-co');
    assert.equal(slugFrom('!'), '');
    assert.equal(slugFrom('a'.repeat(90)).length, 80);
  });
});

describe('maker nouns', () => {
  it('when a noun starts with a vowel, then it takes "an"', () => {
    assert.equal(withArticle('artist'), 'an artist');
    assert.equal(withArticle('author'), 'an author');
    assert.equal(withArticle('watchmaker'), 'a watchmaker');
  });
});
