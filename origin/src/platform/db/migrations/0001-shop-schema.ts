import type { Migration } from '../migrator.ts';

/*
 * The whole shop's schema. The rules live in the database too (unique,
 * foreign keys, CHECK), so a bug in a service cannot oversell, orphan a row
 * or store a negative price.
 *
 * Money is integer minor units (cents) with an ISO 4217 currency. Stock:
 * `on_hand` counts units in the shop including those `held` for pending
 * payments; a product without an inventory row is not stock-tracked
 * (unlimited digital downloads).
 */
const UP = /* sql */ `
CREATE TABLE users (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email         text NOT NULL,
  password_hash text NOT NULL,
  display_name  text NOT NULL DEFAULT '' CHECK (length(display_name) <= 120),
  role          text NOT NULL DEFAULT 'customer' CHECK (role IN ('customer', 'artist', 'admin')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT users_email_normalised CHECK (email = lower(btrim(email)) AND email LIKE '_%@_%' AND length(email) <= 254),
  CONSTRAINT users_email_unique UNIQUE (email)
);

-- The cookie carries a random id; only its SHA-256 is stored. public_id names
-- the session to its owner (list, end one) without revealing either.
CREATE TABLE sessions (
  id_hash             text PRIMARY KEY CHECK (id_hash ~ '^[0-9a-f]{64}$'),
  public_id           uuid NOT NULL UNIQUE DEFAULT gen_random_uuid(),
  user_id             bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  created_at          timestamptz NOT NULL DEFAULT now(),
  last_seen_at        timestamptz NOT NULL DEFAULT now(),
  idle_expires_at     timestamptz NOT NULL,
  absolute_expires_at timestamptz NOT NULL,
  user_agent          text NOT NULL DEFAULT '' CHECK (length(user_agent) <= 512),
  ip                  inet,
  CHECK (idle_expires_at <= absolute_expires_at),
  CHECK (absolute_expires_at > created_at)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);
CREATE INDEX sessions_expiry_idx ON sessions (absolute_expires_at);

CREATE TABLE artists (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint UNIQUE REFERENCES users ON DELETE SET NULL,
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  bio        text NOT NULL DEFAULT '' CHECK (length(bio) <= 5000),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  name       text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 120),
  parent_id  bigint REFERENCES categories ON DELETE SET NULL,
  position   integer NOT NULL DEFAULT 0 CHECK (position >= 0),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT categories_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);

CREATE TABLE products (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 120),
  title        text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description  text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
  artist_id    bigint REFERENCES artists ON DELETE RESTRICT,
  category_id  bigint REFERENCES categories ON DELETE SET NULL,
  price_minor  integer NOT NULL CHECK (price_minor >= 0),
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  status       text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'archived')),
  kind         text NOT NULL CHECK (kind IN ('physical', 'digital')),
  attributes   jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
  published_at timestamptz,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT products_published_has_date CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE INDEX products_published_idx ON products (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX products_artist_idx ON products (artist_id);
CREATE INDEX products_category_idx ON products (category_id);
CREATE INDEX products_price_idx ON products (price_minor, id) WHERE status = 'published';

CREATE TABLE product_images (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  product_id   bigint NOT NULL REFERENCES products ON DELETE CASCADE,
  storage_key  text NOT NULL UNIQUE CHECK (storage_key ~ '^[a-z0-9][a-z0-9/._-]*$' AND storage_key NOT LIKE '%..%'),
  content_type text NOT NULL CHECK (content_type IN ('image/svg+xml', 'image/png', 'image/jpeg', 'image/webp', 'image/avif')),
  width        integer NOT NULL CHECK (width BETWEEN 1 AND 20000),
  height       integer NOT NULL CHECK (height BETWEEN 1 AND 20000),
  alt          text NOT NULL CHECK (length(alt) <= 500),
  position     integer NOT NULL DEFAULT 0 CHECK (position >= 0),
  created_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT product_images_position_unique UNIQUE (product_id, position)
);

CREATE TABLE collections (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
  title       text NOT NULL CHECK (length(btrim(title)) BETWEEN 1 AND 200),
  description text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
  featured    boolean NOT NULL DEFAULT false,
  position    integer NOT NULL DEFAULT 0 CHECK (position >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Curated order of works in a gallery. The position constraint is deferrable
-- so a reorder can swap positions inside one transaction.
CREATE TABLE collection_items (
  collection_id bigint NOT NULL REFERENCES collections ON DELETE CASCADE,
  product_id    bigint NOT NULL REFERENCES products ON DELETE CASCADE,
  position      integer NOT NULL CHECK (position >= 0),
  PRIMARY KEY (collection_id, product_id),
  CONSTRAINT collection_items_position_unique UNIQUE (collection_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX collection_items_product_idx ON collection_items (product_id);

CREATE TABLE inventory (
  product_id bigint PRIMARY KEY REFERENCES products ON DELETE CASCADE,
  on_hand    integer NOT NULL CHECK (on_hand >= 0),
  held       integer NOT NULL DEFAULT 0 CHECK (held >= 0),
  updated_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT inventory_held_within_stock CHECK (held <= on_hand)
);

CREATE TABLE favorites (
  user_id    bigint NOT NULL REFERENCES users ON DELETE CASCADE,
  product_id bigint NOT NULL REFERENCES products ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, product_id)
);
CREATE INDEX favorites_product_idx ON favorites (product_id);

-- A cart belongs to an account or to a guest cookie (stored hashed).
CREATE TABLE carts (
  id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id    bigint UNIQUE REFERENCES users ON DELETE CASCADE,
  token_hash text UNIQUE CHECK (token_hash ~ '^[0-9a-f]{64}$'),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  CONSTRAINT carts_owner CHECK ((user_id IS NULL) <> (token_hash IS NULL))
);
CREATE INDEX carts_expiry_idx ON carts (expires_at);

CREATE TABLE cart_items (
  id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  cart_id           uuid NOT NULL REFERENCES carts ON DELETE CASCADE,
  product_id        bigint NOT NULL REFERENCES products ON DELETE CASCADE,
  quantity          integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  -- The price seen when added, so the cart can report a change; never charged.
  added_price_minor integer NOT NULL CHECK (added_price_minor >= 0),
  added_currency    char(3) NOT NULL CHECK (added_currency ~ '^[A-Z]{3}$'),
  added_at          timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT cart_items_product_unique UNIQUE (cart_id, product_id)
);

CREATE TABLE orders (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
  user_id         bigint NOT NULL REFERENCES users ON DELETE RESTRICT,
  email           text NOT NULL CHECK (length(email) BETWEEN 3 AND 254),
  status          text NOT NULL CHECK (status IN ('pending_payment', 'paid', 'fulfilled', 'cancelled', 'refunded')),
  currency        char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  subtotal_minor  integer NOT NULL CHECK (subtotal_minor >= 0),
  total_minor     integer NOT NULL CHECK (total_minor >= 0),
  shipping_address jsonb CHECK (shipping_address IS NULL OR jsonb_typeof(shipping_address) = 'object'),
  -- Stock is held until this instant while payment is pending.
  hold_expires_at timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  paid_at         timestamptz,
  fulfilled_at    timestamptz,
  cancelled_at    timestamptz,
  CONSTRAINT orders_pending_has_hold CHECK (status <> 'pending_payment' OR hold_expires_at IS NOT NULL),
  CONSTRAINT orders_paid_has_date CHECK (status NOT IN ('paid', 'fulfilled') OR paid_at IS NOT NULL),
  CONSTRAINT orders_fulfilled_has_date CHECK (status <> 'fulfilled' OR fulfilled_at IS NOT NULL)
);
CREATE INDEX orders_user_idx ON orders (user_id, created_at DESC);
CREATE INDEX orders_pending_idx ON orders (hold_expires_at) WHERE status = 'pending_payment';

CREATE TABLE order_items (
  id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  order_id         uuid NOT NULL REFERENCES orders ON DELETE CASCADE,
  product_id       bigint NOT NULL REFERENCES products ON DELETE RESTRICT,
  artist_id        bigint REFERENCES artists ON DELETE RESTRICT,
  title            text NOT NULL,
  kind             text NOT NULL CHECK (kind IN ('physical', 'digital')),
  unit_price_minor integer NOT NULL CHECK (unit_price_minor >= 0),
  quantity         integer NOT NULL CHECK (quantity BETWEEN 1 AND 99),
  line_total_minor integer NOT NULL,
  CONSTRAINT order_items_line_total CHECK (line_total_minor = unit_price_minor * quantity),
  CONSTRAINT order_items_product_unique UNIQUE (order_id, product_id)
);
CREATE INDEX order_items_artist_idx ON order_items (artist_id);
CREATE INDEX order_items_product_idx ON order_items (product_id);

CREATE TABLE payments (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  order_id     uuid NOT NULL REFERENCES orders ON DELETE RESTRICT,
  provider     text NOT NULL CHECK (provider ~ '^[a-z0-9_]+$'),
  provider_ref text,
  status       text NOT NULL CHECK (status IN ('pending', 'authorized', 'captured', 'failed', 'refunded', 'cancelled')),
  amount_minor integer NOT NULL CHECK (amount_minor >= 0),
  currency     char(3) NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  failure_code text,
  created_at   timestamptz NOT NULL DEFAULT now(),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT payments_provider_ref_unique UNIQUE (provider, provider_ref)
);
CREATE INDEX payments_order_idx ON payments (order_id);
-- At most one successful payment per order: a webhook and a synchronous
-- confirmation cannot both capture.
CREATE UNIQUE INDEX payments_one_capture_per_order ON payments (order_id) WHERE status IN ('authorized', 'captured', 'refunded');

-- Webhook events already applied, so a replay is a no-op.
CREATE TABLE payment_events (
  provider     text NOT NULL,
  event_id     text NOT NULL CHECK (length(event_id) BETWEEN 1 AND 255),
  received_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, event_id)
);

-- Stripe-style idempotency: the first response is stored and replayed.
CREATE TABLE idempotency_keys (
  scope           text NOT NULL CHECK (length(scope) BETWEEN 1 AND 100),
  key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
  request_hash    text NOT NULL CHECK (request_hash ~ '^[0-9a-f]{64}$'),
  state           text NOT NULL DEFAULT 'in_flight' CHECK (state IN ('in_flight', 'completed')),
  response_status integer CHECK (response_status BETWEEN 100 AND 599),
  response_body   jsonb,
  locked_until    timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (scope, key),
  CONSTRAINT idempotency_completed_has_response CHECK (state <> 'completed' OR response_status IS NOT NULL),
  CONSTRAINT idempotency_kept_a_day CHECK (expires_at >= created_at + interval '24 hours')
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- Change events written in the same transaction as the change they describe.
CREATE TABLE outbox (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  topic          text NOT NULL CHECK (topic ~ '^[a-z]+(\\.[a-z_]+)+$'),
  aggregate_type text NOT NULL CHECK (aggregate_type ~ '^[a-z_]+$'),
  aggregate_id   text NOT NULL,
  payload        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(payload) = 'object'),
  created_at     timestamptz NOT NULL DEFAULT now(),
  published_at   timestamptz
);
CREATE INDEX outbox_unpublished_idx ON outbox (id) WHERE published_at IS NULL;
CREATE INDEX outbox_aggregate_idx ON outbox (aggregate_type, aggregate_id);
`;

const TABLES = [
  'outbox',
  'idempotency_keys',
  'payment_events',
  'payments',
  'order_items',
  'orders',
  'cart_items',
  'carts',
  'favorites',
  'inventory',
  'collection_items',
  'collections',
  'product_images',
  'products',
  'categories',
  'artists',
  'sessions',
  'users',
];

export const shopSchema: Migration = {
  name: '0001-shop-schema',
  async up({ context: db }) {
    await db.transaction((transaction) => db.query(UP, { transaction }));
  },
  async down({ context: db }) {
    await db.transaction((transaction) =>
      db.query(TABLES.map((table) => `DROP TABLE IF EXISTS ${table};`).join('\n'), { transaction }),
    );
  },
};
