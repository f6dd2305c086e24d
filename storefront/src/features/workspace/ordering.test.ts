import assert from 'node:assert/strict';
import {
  idList,
  moved,
  parseIdList,
  sameOrder,
  treeOrder,
  withAdded,
  without,
} from './ordering.ts';

describe('workspace: curated orders', () => {
  it('when a work moves up or down, then it swaps with its neighbour and stays put at either end', () => {
    assert.deepEqual(moved([1, 2, 3], 2, -1), [2, 1, 3]);
    assert.deepEqual(moved([1, 2, 3], 2, 1), [1, 3, 2]);
    assert.deepEqual(moved([1, 2, 3], 1, -1), [1, 2, 3]);
    assert.deepEqual(moved([1, 2, 3], 3, 1), [1, 2, 3]);
    assert.deepEqual(moved([1, 2, 3], 9, 1), [1, 2, 3]);
  });

  it('when a work is removed or added, then the rest keep their order and nothing is doubled', () => {
    assert.deepEqual(without([4, 5, 6], 5), [4, 6]);
    assert.deepEqual(withAdded([4, 5], 6), [4, 5, 6]);
    assert.deepEqual(withAdded([4, 5], 5), [4, 5]);
  });

  it('when an order goes through a form field and back, then it is the same; a tampered one is refused', () => {
    assert.deepEqual(parseIdList(idList([12, 5, 9])), [12, 5, 9]);
    assert.deepEqual(parseIdList(''), []);
    for (const bad of ['1,,2', '1,1', '0', '1,x', '1e3', '-1'])
      assert.equal(parseIdList(bad), null, bad);
    assert.ok(sameOrder([1, 2], [1, 2]));
    assert.ok(!sameOrder([1, 2], [2, 1]));
    assert.ok(!sameOrder([1, 2], [1, 2, 3]));
  });

  it('when categories are listed as a tree, then children follow their parent, siblings by position', () => {
    const rows = treeOrder([
      { slug: 'prints', parentSlug: 'paper', position: 1 },
      { slug: 'painting', parentSlug: null, position: 0 },
      { slug: 'drawing', parentSlug: 'paper', position: 0 },
      { slug: 'paper', parentSlug: null, position: 1 },
      { slug: 'orphan', parentSlug: 'gone', position: 2 },
    ]);
    assert.deepEqual(
      rows.map((r) => `${r.depth}:${r.item.slug}`),
      ['0:painting', '0:paper', '1:drawing', '1:prints', '0:orphan'],
    );
    assert.deepEqual(
      rows.find((r) => r.item.slug === 'prints')?.siblings.map((s) => s.slug),
      ['drawing', 'prints'],
    );
  });
});
