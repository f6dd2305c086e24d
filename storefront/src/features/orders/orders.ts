import type { Money } from '../session/format.ts';

/*
 * Orders as GET /api/v1/orders[/:id] gives them, and their story in words:
 * the status, the timeline, whether the shopper may still cancel.
 */

export type OrderStatus = 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';

export interface Address {
  name: string;
  line1: string;
  line2?: string | undefined;
  city: string;
  postalCode: string;
  country: string;
}

export interface OrderItem {
  productId: number;
  slug: string | null;
  title: string;
  kind: 'physical' | 'digital';
  quantity: number;
  unitPrice: Money;
  lineTotal: Money;
}

export interface Order {
  id: string;
  number: number;
  status: OrderStatus;
  email: string;
  items: OrderItem[];
  subtotal: Money;
  total: Money;
  shippingAddress: Address | null;
  createdAt: string;
  paidAt: string | null;
  fulfilledAt: string | null;
  cancelledAt: string | null;
  holdExpiresAt: string | null;
  payment: {
    provider: string;
    status: 'pending' | 'authorized' | 'captured' | 'failed' | 'refunded' | 'cancelled';
    failureCode: string | null;
  } | null;
}

export interface OrderList {
  items: Order[];
  nextBefore: number | null;
}

export interface Download {
  productId: number;
  title: string;
  url: string;
  expiresAt: string;
}

const hasPhysical = (order: Order) => order.items.some((i) => i.kind === 'physical');

/** The status as a shopper says it. */
export function statusWords(order: Order): string {
  switch (order.status) {
    case 'pending_payment':
      return 'Waiting for payment';
    case 'paid':
      return hasPhysical(order) ? 'Paid, being prepared' : 'Paid';
    case 'fulfilled':
      return 'Sent';
    case 'cancelled':
      return order.payment?.status === 'failed' ? 'Cancelled: payment declined' : 'Cancelled';
    case 'refunded':
      return 'Cancelled and refunded';
  }
}

export interface TimelineStep {
  label: string;
  /** When it happened; null for a step still to come. */
  at: string | null;
}

/** What happened to the order so far, and what comes next while it is open. */
export function timelineOf(order: Order): TimelineStep[] {
  const steps: TimelineStep[] = [{ label: 'Order placed', at: order.createdAt }];
  if (order.paidAt) steps.push({ label: 'Payment received', at: order.paidAt });
  if (order.status === 'cancelled' || order.status === 'refunded') {
    steps.push({
      label: order.status === 'refunded' ? 'Cancelled and refunded' : 'Cancelled',
      at: order.cancelledAt,
    });
    return steps;
  }
  if (!order.paidAt) steps.push({ label: 'Payment received', at: null });
  if (hasPhysical(order)) steps.push({ label: 'Sent', at: order.fulfilledAt });
  return steps;
}

/** The API lets a shopper cancel until the order is sent (unpaid: released; paid: refunded). */
export function canCancel(order: Order): boolean {
  return order.status === 'pending_payment' || order.status === 'paid';
}

/** What cancelling will do, said before the button. */
export function cancelWords(order: Order): string {
  return order.status === 'paid'
    ? 'You get your money back in full, and the works go back on sale.'
    : 'Nothing has been charged; the works you reserved go back on sale.';
}

/** Download links open once the order is paid and while it stays so. */
export function hasDownloads(order: Order): boolean {
  return (
    (order.status === 'paid' || order.status === 'fulfilled') &&
    order.items.some((i) => i.kind === 'digital')
  );
}
