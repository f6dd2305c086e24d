import type { Sequelize } from 'sequelize';
import { type MigrationFn, SequelizeStorage, Umzug } from 'umzug';
import { shopSchema } from './migrations/0001-shop-schema.ts';
import { checkout } from './migrations/0002-checkout.ts';
import { catalogSearch } from './migrations/0003-catalog-search.ts';
import { testProcessorUnavailable } from './migrations/0004-test-processor-unavailable.ts';
import { studioImageVariants } from './migrations/0005-studio-image-variants.ts';

export interface Migration {
  name: string;
  up: MigrationFn<Sequelize>;
  down: MigrationFn<Sequelize>;
}

/** Every migration in order. Append only; never edit one that has shipped. */
export const MIGRATIONS: readonly Migration[] = [
  shopSchema,
  checkout,
  catalogSearch,
  testProcessorUnavailable,
  studioImageVariants,
];

interface MigratorLogger {
  info(obj: object, msg?: string): void;
}

/** Umzug over the shop's migrations, recording applied ones in `schema_migrations`. */
export function createMigrator(sequelize: Sequelize, logger?: MigratorLogger) {
  return new Umzug<Sequelize>({
    migrations: MIGRATIONS.map((m) => ({ name: m.name, up: m.up, down: m.down })),
    context: sequelize,
    storage: new SequelizeStorage({ sequelize, tableName: 'schema_migrations' }),
    logger: logger
      ? {
          info: (event) => logger.info(event, 'migration'),
          warn: (event) => logger.info(event, 'migration'),
          error: (event) => logger.info(event, 'migration'),
          debug: () => {},
        }
      : undefined,
  });
}
