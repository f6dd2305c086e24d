import type { Transaction } from 'sequelize';
import type { Cache } from './cache/index.ts';
import type { Database } from './db/database.ts';

/** One thing that changed, as recorded in the outbox and announced to caches. */
export interface Change {
  /** `<aggregate>.<event>`, e.g. `product.updated`, `collection.reordered`. */
  topic: string;
  aggregateType: string;
  aggregateId: string | number;
  payload?: Record<string, unknown>;
  /** Cache tags to invalidate once the transaction has committed. */
  tags: string[];
}

export type RecordChange = (change: Change) => void;

/**
 * The one path for writes that others read through the cache: the work runs
 * in a transaction, every change it records lands in the outbox in that same
 * transaction, and only after the commit are the cache tags invalidated in
 * L2 and in every process's L1. A write cannot forget to invalidate, and an
 * invalidation never runs for a write that rolled back.
 */
export function createChangeWriter({ db, cache }: { db: Database; cache: Cache }) {
  const { Outbox } = db.models;
  return {
    async write<T>(
      work: (transaction: Transaction, record: RecordChange) => Promise<T>,
    ): Promise<T> {
      const changes: Change[] = [];
      const result = await db.sequelize.transaction(async (transaction) => {
        const value = await work(transaction, (change) => changes.push(change));
        if (changes.length > 0) {
          await Outbox.bulkCreate(
            changes.map((c) => ({
              topic: c.topic,
              aggregateType: c.aggregateType,
              aggregateId: String(c.aggregateId),
              payload: c.payload ?? {},
            })),
            { transaction },
          );
        }
        return value;
      });
      const tags = [...new Set(changes.flatMap((c) => c.tags))];
      if (tags.length > 0) await cache.invalidateTags(...tags);
      return result;
    },
  };
}

export type ChangeWriter = ReturnType<typeof createChangeWriter>;
