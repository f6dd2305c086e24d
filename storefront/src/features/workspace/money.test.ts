import assert from 'node:assert/strict';
import { parseCount, parseDelta, parsePrice, priceInputValue } from './money.ts';

describe('workspace: prices and counts typed into forms', () => {
  it('when a price is typed the usual ways, then it becomes minor units', () => {
    const cases: [string, number][] = [
      ['120', 12000],
      ['120.00', 12000],
      ['120.5', 12050],
      ['120,50', 12050],
      ['0.99', 99],
      ['1 250,50', 125050],
      ['1,250.50', 125050],
      ['1.250,50', 125050],
      ['1\u202f250.00', 125000],
    ];
    for (const [input, minor] of cases)
      assert.deepEqual(parsePrice(input), { ok: true, value: minor }, input);
  });

  it('when a price is not one, then the message says how to type it', () => {
    for (const input of [
      '12O.00',
      '-5',
      '1.2.3',
      '1,250,5',
      '12.345',
      '1.250.50',
      'EUR 12',
      '12.',
    ]) {
      const parsed = parsePrice(input);
      assert.equal(parsed.ok, false, input);
      if (!parsed.ok) assert.match(parsed.message, /like 120\.00/, input);
    }
    assert.deepEqual(parsePrice(' '), { ok: false, message: 'Enter a price, like 120.00.' });
    assert.deepEqual(parsePrice('0,00'), { ok: false, message: 'Enter a price above 0.' });
    assert.deepEqual(parsePrice('21474837'), {
      ok: false,
      message: 'That price is too high for the shop.',
    });
  });

  it('when a price is shown in its input, then it reads back as the same amount', () => {
    for (const minor of [1, 99, 12000, 125050]) {
      assert.deepEqual(parsePrice(priceInputValue(minor)), { ok: true, value: minor });
    }
    assert.equal(priceInputValue(12050), '120.50');
  });

  it('when a count is typed, then whole numbers from 0 pass and others say why', () => {
    assert.deepEqual(parseCount('0'), { ok: true, value: 0 });
    assert.deepEqual(parseCount(' 12 '), { ok: true, value: 12 });
    for (const input of ['', '-1', '1.5', 'ten']) assert.equal(parseCount(input).ok, false, input);
    assert.deepEqual(parseCount('1000001'), { ok: false, message: 'Enter at most 1,000,000.' });
  });

  it('when an adjustment is typed, then signed whole numbers pass and 0 is refused', () => {
    assert.deepEqual(parseDelta('+3'), { ok: true, value: 3 });
    assert.deepEqual(parseDelta('-2'), { ok: true, value: -2 });
    assert.deepEqual(parseDelta('\u22122'), { ok: true, value: -2 });
    assert.equal(parseDelta('0').ok, false);
    assert.equal(parseDelta('two').ok, false);
  });
});
