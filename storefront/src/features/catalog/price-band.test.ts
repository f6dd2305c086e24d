import assert from 'node:assert/strict';
import { priceBandOf } from './price-band.ts';

describe('price bands', () => {
  it('when a price sits on or between bounds, then it falls in the band whose lower bound it reaches', () => {
    assert.deepEqual(priceBandOf(0, 'EUR'), { key: '0-50', label: 'Under €50' });
    assert.deepEqual(priceBandOf(4_999, 'EUR'), { key: '0-50', label: 'Under €50' });
    assert.deepEqual(priceBandOf(5_000, 'EUR'), { key: '50-100', label: '€50 to €100' });
    assert.deepEqual(priceBandOf(179_000, 'EUR'), { key: '1000-2500', label: '€1,000 to €2,500' });
    assert.deepEqual(priceBandOf(250_000, 'EUR'), { key: '2500+', label: '€2,500 and over' });
  });

  it('when the shop prices in another currency, then the label uses it', () => {
    assert.equal(priceBandOf(12_000, 'GBP').label, '£100 to £250');
    assert.equal(priceBandOf(12_000, 'CHF').key, '100-250');
  });
});
