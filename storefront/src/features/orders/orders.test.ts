import assert from 'node:assert/strict';
import { canCancel, hasDownloads, type Order, statusWords, timelineOf } from './orders.ts';

const eur = (amountMinor: number) => ({ amountMinor, currency: 'EUR' });

function order(overrides: Partial<Order>): Order {
  return {
    id: '6f1c1a34-7d7e-4d0e-9a51-2c9d1f3f0a11',
    number: 1001,
    status: 'paid',
    email: 'ada@example.com',
    items: [
      {
        productId: 1,
        slug: 'blue-hour',
        title: 'Blue Hour',
        kind: 'physical',
        quantity: 1,
        unitPrice: eur(1000),
        lineTotal: eur(1000),
      },
    ],
    subtotal: eur(1000),
    total: eur(1000),
    shippingAddress: null,
    createdAt: '2025-11-20T10:00:00.000Z',
    paidAt: '2025-11-20T10:00:05.000Z',
    fulfilledAt: null,
    cancelledAt: null,
    holdExpiresAt: null,
    payment: { provider: 'test', status: 'captured', failureCode: null },
    ...overrides,
  };
}

const digital = order({}).items.map((i) => ({ ...i, kind: 'digital' as const }));

describe('order words', () => {
  it('when an order is paid with a physical work, then it is being prepared and the next step is sending', () => {
    const paid = order({});
    assert.equal(statusWords(paid), 'Paid, being prepared');
    assert.deepEqual(
      timelineOf(paid).map((s) => [s.label, s.at !== null]),
      [
        ['Order placed', true],
        ['Payment received', true],
        ['Sent', false],
      ],
    );
    assert.equal(canCancel(paid), true);
  });

  it('when an order holds only digital works, then there is nothing to send and downloads open once paid', () => {
    const paid = order({ items: digital });
    assert.equal(statusWords(paid), 'Paid');
    assert.deepEqual(
      timelineOf(paid).map((s) => s.label),
      ['Order placed', 'Payment received'],
    );
    assert.equal(hasDownloads(paid), true);
    assert.equal(
      hasDownloads(order({ items: digital, status: 'pending_payment', paidAt: null })),
      false,
    );
  });

  it('when a payment was declined, then the order reads as cancelled for that reason and cannot be cancelled again', () => {
    const declined = order({
      status: 'cancelled',
      paidAt: null,
      cancelledAt: '2025-11-20T10:00:06.000Z',
      payment: { provider: 'test', status: 'failed', failureCode: 'card_declined' },
    });
    assert.equal(statusWords(declined), 'Cancelled: payment declined');
    assert.deepEqual(
      timelineOf(declined).map((s) => s.label),
      ['Order placed', 'Cancelled'],
    );
    assert.equal(canCancel(declined), false);
  });

  it('when an order was sent, then it can no longer be cancelled', () => {
    const sent = order({ status: 'fulfilled', fulfilledAt: '2025-11-21T09:00:00.000Z' });
    assert.equal(statusWords(sent), 'Sent');
    assert.equal(canCancel(sent), false);
  });
});
