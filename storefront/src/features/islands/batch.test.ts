import assert from 'node:assert/strict';
import { chunk, createBatcher } from './batch.ts';
import { availabilityPath, MAX_AVAILABILITY_IDS } from './stock.ts';

/** A batcher whose scheduled flushes run when the test says so. */
function manualBatcher(max: number) {
  const runs: number[][] = [];
  const scheduled: (() => void)[] = [];
  const batcher = createBatcher<number>({
    max,
    schedule: (flush) => scheduled.push(flush),
    run: (keys) => runs.push(keys),
  });
  const flush = () => {
    for (const next of scheduled.splice(0)) next();
  };
  return { batcher, runs, scheduled, flush };
}

describe('islands: batching ids', () => {
  it('when 250 ids are chunked by 100, then there are chunks of 100, 100 and 50 in order', () => {
    const ids = Array.from({ length: 250 }, (_, i) => i + 1);
    const chunks = chunk(ids, 100);
    assert.deepEqual(
      chunks.map((part) => part.length),
      [100, 100, 50],
    );
    assert.deepEqual(chunks.flat(), ids);
  });

  it('when there is nothing to chunk, then there are no chunks', () => {
    assert.deepEqual(chunk([], 100), []);
  });

  it('when the chunk size is not a positive whole number, then chunking refuses', () => {
    assert.throws(() => chunk([1], 0), RangeError);
    assert.throws(() => chunk([1], 1.5), RangeError);
  });

  it('when every element of a page adds its id at once, then one flush is scheduled and one call made', () => {
    const { batcher, runs, scheduled, flush } = manualBatcher(MAX_AVAILABILITY_IDS);
    for (const id of [12, 7, 12, 30]) batcher.add(id);
    assert.equal(scheduled.length, 1);
    assert.deepEqual(runs, []);
    flush();
    assert.deepEqual(runs, [[12, 7, 30]]);
  });

  it('when a page holds 230 products, then the flush makes 3 calls of at most 100 ids', () => {
    const { batcher, runs, flush } = manualBatcher(MAX_AVAILABILITY_IDS);
    for (let id = 1; id <= 230; id++) batcher.add(id);
    flush();
    assert.deepEqual(
      runs.map((keys) => keys.length),
      [100, 100, 30],
    );
  });

  it('when more elements connect after a flush ("show more"), then they make one more call of their own', () => {
    const { batcher, runs, scheduled, flush } = manualBatcher(MAX_AVAILABILITY_IDS);
    batcher.add(1);
    flush();
    batcher.add(2);
    batcher.add(3);
    assert.equal(scheduled.length, 1);
    flush();
    assert.deepEqual(runs, [[1], [2, 3]]);
  });

  it('when ids come in any order or twice, then the request names each once, sorted', () => {
    assert.equal(availabilityPath([30, 7, 12, 7]), '/api/v1/availability?ids=7,12,30');
  });
});
