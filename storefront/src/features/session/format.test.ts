import assert from 'node:assert/strict';
import { formatDate, formatDateTime, formatMoney } from './format.ts';

describe('session page formats', () => {
  it('when a moment is shown, then it reads as a date and time in UTC, named', () => {
    assert.equal(formatDateTime('2025-11-21T14:05:09.000Z', 'en-GB'), '21 Nov 2025, 14:05 UTC');
  });

  it('when a day is shown, then it has no time', () => {
    assert.equal(formatDate('2025-11-21T23:59:00.000Z', 'en-GB'), '21 Nov 2025');
  });

  it('when money is shown, then it is in its currency and the shop locale', () => {
    assert.equal(formatMoney({ amountMinor: 123456, currency: 'EUR' }, 'en-GB'), '€1,234.56');
  });
});
