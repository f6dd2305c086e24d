import { Counter } from 'k6/metrics';

/*
 * The shop's own outcomes, beside k6's request metrics. Counters added during
 * a visit carry the visit's tags (journey, step).
 */

/** Visits started (one per iteration), tagged with the journey taken. */
export const visits = new Counter('visits');
/** Orders the API confirmed (201 from POST /api/v1/checkout). */
export const ordersPlaced = new Counter('orders_placed');
/**
 * The API's out-of-stock answers: 409 INSUFFICIENT_STOCK (cart), 409
 * OUT_OF_STOCK (checkout), and a flash buyer's cart found empty after sign-in
 * (the merge keeps only what can still be bought).
 */
export const outOfStock = new Counter('out_of_stock');
/** Flash buyers who found the work sold out on its page and left without trying. */
export const soldOutSeen = new Counter('sold_out_seen');
/** Units of the flash-sale works sold, from the API after the run. */
export const flashSold = new Counter('flash_sold');
/** Units sold beyond the stock there was, from the API after the run: must stay 0. */
export const oversold = new Counter('oversold');
/** Disagreements found after the run (sold ≠ stock, units still held, orders the client saw ≠ the server's). */
export const flashMismatches = new Counter('flash_mismatches');
