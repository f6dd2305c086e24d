import assert from 'node:assert/strict';
import { formatMoney, minorUnitsIn, priceUpdate, stockText } from './stock.ts';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

describe('islands: stock and price words', () => {
  it('when a product has plenty, then it is "In stock"', () => {
    const text = stockText({ id: 1, state: 'in_stock', available: 12, price: eur(100) });
    assert.deepEqual(text, { text: 'In stock', tone: 'ok' });
  });

  it('when a digital product is not stock-tracked, then it is "Available as a download"', () => {
    const item = { id: 1, state: 'in_stock', available: null, price: eur(100) } as const;
    assert.equal(stockText(item, 'digital').text, 'Available as a download');
    assert.equal(stockText(item, 'physical').text, 'In stock');
  });

  it('when few are left, then it says how many, in the low tone', () => {
    assert.deepEqual(stockText({ id: 1, state: 'low_stock', available: 2, price: eur(100) }), {
      text: 'Only 2 left',
      tone: 'low',
    });
    assert.equal(
      stockText({ id: 1, state: 'low_stock', available: 1, price: eur(100) }).text,
      'Only 1 left',
    );
  });

  it('when nothing is left or it is withdrawn, then it is "Sold out" or "No longer available"', () => {
    assert.deepEqual(stockText({ id: 1, state: 'sold_out', available: 0, price: eur(100) }), {
      text: 'Sold out',
      tone: 'out',
    });
    assert.deepEqual(stockText({ id: 1, state: 'unavailable', available: null, price: null }), {
      text: 'No longer available',
      tone: 'out',
    });
  });

  it('when a printed price is read, then its digits are the minor units', () => {
    assert.equal(minorUnitsIn('€1,790.00'), 179000);
    assert.equal(minorUnitsIn(' 1.790,00 € '), 179000);
    assert.equal(minorUnitsIn('Price on request'), null);
  });

  it('when money is formatted, then minor units follow the currency', () => {
    assert.equal(formatMoney(eur(11000), 'en-GB'), '€110.00');
    // Yen have no minor unit: 1200 is ¥1,200, not ¥12.00.
    assert.match(formatMoney({ amountMinor: 1200, currency: 'JPY' }, 'en-GB'), /¥1,200$/);
  });

  it('when the live price equals the printed one, then nothing changes', () => {
    assert.equal(priceUpdate('€120.00', eur(12000), 'en-GB'), null);
  });

  it('when the price fell, then the new one is shown as "now" and the old one kept to strike', () => {
    assert.deepEqual(priceUpdate('€120.00', eur(11000), 'en-GB'), {
      now: '€110.00',
      was: '€120.00',
    });
  });

  it('when the price rose, then the new one is shown as "now" without the old one', () => {
    assert.deepEqual(priceUpdate('€120.00', eur(13000), 'en-GB'), { now: '€130.00', was: null });
  });

  it('when there is no live price or the printed one cannot be read, then nothing changes', () => {
    assert.equal(priceUpdate('€120.00', null, 'en-GB'), null);
    assert.equal(priceUpdate('', eur(13000), 'en-GB'), null);
  });
});
