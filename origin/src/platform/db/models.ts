import {
  DataTypes,
  type Model,
  type ModelAttributes,
  type ModelStatic,
  type Optional,
  type Sequelize,
} from 'sequelize';

/*
 * Sequelize models of the tables created by the migrations. The migrations
 * own the schema (constraints, indexes); these describe columns for queries.
 * Models are defined per Sequelize instance (never Model.init on a shared
 * class) so two apps in one process keep separate connections.
 *
 * Repositories return plain rows (`raw: true` or `get({ plain: true })`),
 * never model instances.
 */

export type Role = 'customer' | 'artist' | 'admin';
export type ProductStatus = 'draft' | 'published' | 'archived';
export type ProductKind = 'physical' | 'digital';
export type OrderStatus = 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';
export type PaymentStatus =
  | 'pending'
  | 'authorized'
  | 'captured'
  | 'failed'
  | 'refunded'
  | 'cancelled';

export interface UserRow {
  id: number;
  email: string;
  passwordHash: string;
  displayName: string;
  role: Role;
  createdAt: Date;
  updatedAt: Date;
}
export interface SessionRow {
  idHash: string;
  publicId: string;
  userId: number;
  createdAt: Date;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  absoluteExpiresAt: Date;
  userAgent: string;
  ip: string | null;
}
export interface ArtistRow {
  id: number;
  userId: number | null;
  slug: string;
  name: string;
  bio: string;
  createdAt: Date;
  updatedAt: Date;
}
export interface CategoryRow {
  id: number;
  slug: string;
  name: string;
  parentId: number | null;
  position: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface ProductRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  artistId: number | null;
  categoryId: number | null;
  priceMinor: number;
  currency: string;
  status: ProductStatus;
  kind: ProductKind;
  attributes: Record<string, string | number | boolean>;
  publishedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
export interface ProductImageRow {
  id: number;
  productId: number;
  storageKey: string;
  contentType: string;
  width: number;
  height: number;
  alt: string;
  position: number;
  createdAt: Date;
}
export interface CollectionRow {
  id: number;
  slug: string;
  title: string;
  description: string;
  featured: boolean;
  position: number;
  createdAt: Date;
  updatedAt: Date;
}
export interface CollectionItemRow {
  collectionId: number;
  productId: number;
  position: number;
}
export interface InventoryRow {
  productId: number;
  onHand: number;
  held: number;
  updatedAt: Date;
}
export interface FavoriteRow {
  userId: number;
  productId: number;
  createdAt: Date;
}
export interface CartRow {
  id: string;
  userId: number | null;
  tokenHash: string | null;
  createdAt: Date;
  updatedAt: Date;
  expiresAt: Date;
}
export interface CartItemRow {
  id: number;
  cartId: string;
  productId: number;
  quantity: number;
  addedPriceMinor: number;
  addedCurrency: string;
  addedAt: Date;
}
export interface OrderRow {
  id: string;
  number: number;
  userId: number;
  email: string;
  status: OrderStatus;
  currency: string;
  subtotalMinor: number;
  totalMinor: number;
  shippingAddress: Record<string, string> | null;
  holdExpiresAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  paidAt: Date | null;
  fulfilledAt: Date | null;
  cancelledAt: Date | null;
}
export interface OrderItemRow {
  id: number;
  orderId: string;
  productId: number;
  artistId: number | null;
  title: string;
  kind: ProductKind;
  unitPriceMinor: number;
  quantity: number;
  lineTotalMinor: number;
}
export interface PaymentRow {
  id: string;
  orderId: string;
  provider: string;
  providerRef: string | null;
  status: PaymentStatus;
  amountMinor: number;
  currency: string;
  failureCode: string | null;
  createdAt: Date;
  updatedAt: Date;
}
export interface PaymentEventRow {
  provider: string;
  eventId: string;
  receivedAt: Date;
}
export interface IdempotencyKeyRow {
  scope: string;
  key: string;
  /** The order the first attempt created (0002-checkout). */
  orderId: string | null;
  requestHash: string;
  state: 'in_flight' | 'completed';
  responseStatus: number | null;
  responseBody: unknown;
  lockedUntil: Date | null;
  createdAt: Date;
  expiresAt: Date;
}
export interface OutboxRow {
  id: number;
  topic: string;
  aggregateType: string;
  aggregateId: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  publishedAt: Date | null;
}

/** A model whose listed columns have database defaults and may be omitted on insert. */
type Table<T extends object, Defaults extends keyof T = never> = ModelStatic<
  Model<T, Optional<T, Defaults>> & T
>;

const { BIGINT, INTEGER, TEXT, CHAR, BOOLEAN, DATE, JSONB, UUID, INET } = DataTypes;
const id = { type: BIGINT, primaryKey: true, autoIncrement: true };
const now = { type: DATE, allowNull: false, defaultValue: DataTypes.NOW };
const required = <T>(type: T) => ({ type, allowNull: false });
const optional = <T>(type: T) => ({ type, allowNull: true });
/** Mirrors a column's DEFAULT so Sequelize's not-null validation accepts an omitted value. */
const withDefault = <T>(type: T, defaultValue: unknown) => ({
  type,
  allowNull: false,
  defaultValue,
});

function table<T extends object, D extends keyof T = never>(
  sequelize: Sequelize,
  name: string,
  tableName: string,
  attributes: ModelAttributes,
): Table<T, D> {
  return sequelize.define(name, attributes, { tableName }) as unknown as Table<T, D>;
}

export function defineModels(sequelize: Sequelize) {
  const User = table<UserRow, 'id' | 'displayName' | 'role' | 'createdAt' | 'updatedAt'>(
    sequelize,
    'User',
    'users',
    {
      id,
      email: required(TEXT),
      passwordHash: required(TEXT),
      displayName: withDefault(TEXT, ''),
      role: withDefault(TEXT, 'customer'),
      createdAt: now,
      updatedAt: now,
    },
  );
  const Session = table<SessionRow, 'publicId' | 'createdAt' | 'lastSeenAt' | 'userAgent' | 'ip'>(
    sequelize,
    'Session',
    'sessions',
    {
      idHash: { type: TEXT, primaryKey: true },
      publicId: { type: UUID, allowNull: false, defaultValue: DataTypes.UUIDV4 },
      userId: required(BIGINT),
      createdAt: now,
      lastSeenAt: now,
      idleExpiresAt: required(DATE),
      absoluteExpiresAt: required(DATE),
      userAgent: withDefault(TEXT, ''),
      ip: optional(INET),
    },
  );
  const Artist = table<ArtistRow, 'id' | 'userId' | 'bio' | 'createdAt' | 'updatedAt'>(
    sequelize,
    'Artist',
    'artists',
    {
      id,
      userId: optional(BIGINT),
      slug: required(TEXT),
      name: required(TEXT),
      bio: withDefault(TEXT, ''),
      createdAt: now,
      updatedAt: now,
    },
  );
  const Category = table<CategoryRow, 'id' | 'parentId' | 'position' | 'createdAt' | 'updatedAt'>(
    sequelize,
    'Category',
    'categories',
    {
      id,
      slug: required(TEXT),
      name: required(TEXT),
      parentId: optional(BIGINT),
      position: withDefault(INTEGER, 0),
      createdAt: now,
      updatedAt: now,
    },
  );
  const Product = table<
    ProductRow,
    | 'id'
    | 'description'
    | 'artistId'
    | 'categoryId'
    | 'status'
    | 'attributes'
    | 'publishedAt'
    | 'createdAt'
    | 'updatedAt'
  >(sequelize, 'Product', 'products', {
    id,
    slug: required(TEXT),
    title: required(TEXT),
    description: withDefault(TEXT, ''),
    artistId: optional(BIGINT),
    categoryId: optional(BIGINT),
    priceMinor: required(INTEGER),
    currency: required(CHAR(3)),
    status: withDefault(TEXT, 'draft'),
    kind: required(TEXT),
    attributes: withDefault(JSONB, {}),
    publishedAt: optional(DATE),
    createdAt: now,
    updatedAt: now,
  });
  const ProductImage = table<ProductImageRow, 'id' | 'position' | 'createdAt'>(
    sequelize,
    'ProductImage',
    'product_images',
    {
      id,
      productId: required(BIGINT),
      storageKey: required(TEXT),
      contentType: required(TEXT),
      width: required(INTEGER),
      height: required(INTEGER),
      alt: required(TEXT),
      position: withDefault(INTEGER, 0),
      createdAt: now,
    },
  );
  const Collection = table<
    CollectionRow,
    'id' | 'description' | 'featured' | 'position' | 'createdAt' | 'updatedAt'
  >(sequelize, 'Collection', 'collections', {
    id,
    slug: required(TEXT),
    title: required(TEXT),
    description: withDefault(TEXT, ''),
    featured: withDefault(BOOLEAN, false),
    position: withDefault(INTEGER, 0),
    createdAt: now,
    updatedAt: now,
  });
  const CollectionItem = table<CollectionItemRow>(sequelize, 'CollectionItem', 'collection_items', {
    collectionId: { type: BIGINT, primaryKey: true },
    productId: { type: BIGINT, primaryKey: true },
    position: required(INTEGER),
  });
  const Inventory = table<InventoryRow, 'held' | 'updatedAt'>(sequelize, 'Inventory', 'inventory', {
    productId: { type: BIGINT, primaryKey: true },
    onHand: required(INTEGER),
    held: withDefault(INTEGER, 0),
    updatedAt: now,
  });
  const Favorite = table<FavoriteRow, 'createdAt'>(sequelize, 'Favorite', 'favorites', {
    userId: { type: BIGINT, primaryKey: true },
    productId: { type: BIGINT, primaryKey: true },
    createdAt: now,
  });
  const Cart = table<CartRow, 'id' | 'userId' | 'tokenHash' | 'createdAt' | 'updatedAt'>(
    sequelize,
    'Cart',
    'carts',
    {
      id: { type: UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      userId: optional(BIGINT),
      tokenHash: optional(TEXT),
      createdAt: now,
      updatedAt: now,
      expiresAt: required(DATE),
    },
  );
  const CartItem = table<CartItemRow, 'id' | 'addedAt'>(sequelize, 'CartItem', 'cart_items', {
    id,
    cartId: required(UUID),
    productId: required(BIGINT),
    quantity: required(INTEGER),
    addedPriceMinor: required(INTEGER),
    addedCurrency: required(CHAR(3)),
    addedAt: now,
  });
  const Order = table<
    OrderRow,
    | 'id'
    | 'number'
    | 'shippingAddress'
    | 'holdExpiresAt'
    | 'createdAt'
    | 'updatedAt'
    | 'paidAt'
    | 'fulfilledAt'
    | 'cancelledAt'
  >(sequelize, 'Order', 'orders', {
    id: { type: UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
    // GENERATED ALWAYS: the database assigns it; Sequelize must never send it.
    number: { type: BIGINT, allowNull: false, autoIncrement: true, autoIncrementIdentity: true },
    userId: required(BIGINT),
    email: required(TEXT),
    status: required(TEXT),
    currency: required(CHAR(3)),
    subtotalMinor: required(INTEGER),
    totalMinor: required(INTEGER),
    shippingAddress: optional(JSONB),
    holdExpiresAt: optional(DATE),
    createdAt: now,
    updatedAt: now,
    paidAt: optional(DATE),
    fulfilledAt: optional(DATE),
    cancelledAt: optional(DATE),
  });
  const OrderItem = table<OrderItemRow, 'id' | 'artistId'>(sequelize, 'OrderItem', 'order_items', {
    id,
    orderId: required(UUID),
    productId: required(BIGINT),
    artistId: optional(BIGINT),
    title: required(TEXT),
    kind: required(TEXT),
    unitPriceMinor: required(INTEGER),
    quantity: required(INTEGER),
    lineTotalMinor: required(INTEGER),
  });
  const Payment = table<
    PaymentRow,
    'id' | 'providerRef' | 'failureCode' | 'createdAt' | 'updatedAt'
  >(sequelize, 'Payment', 'payments', {
    id: { type: UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
    orderId: required(UUID),
    provider: required(TEXT),
    providerRef: optional(TEXT),
    status: required(TEXT),
    amountMinor: required(INTEGER),
    currency: required(CHAR(3)),
    failureCode: optional(TEXT),
    createdAt: now,
    updatedAt: now,
  });
  const PaymentEvent = table<PaymentEventRow, 'receivedAt'>(
    sequelize,
    'PaymentEvent',
    'payment_events',
    {
      provider: { type: TEXT, primaryKey: true },
      eventId: { type: TEXT, primaryKey: true },
      receivedAt: now,
    },
  );
  const IdempotencyKey = table<
    IdempotencyKeyRow,
    'orderId' | 'state' | 'responseStatus' | 'responseBody' | 'lockedUntil' | 'createdAt'
  >(sequelize, 'IdempotencyKey', 'idempotency_keys', {
    scope: { type: TEXT, primaryKey: true },
    key: { type: TEXT, primaryKey: true },
    requestHash: required(TEXT),
    orderId: optional(UUID),
    state: withDefault(TEXT, 'in_flight'),
    responseStatus: optional(INTEGER),
    responseBody: optional(JSONB),
    lockedUntil: optional(DATE),
    createdAt: now,
    expiresAt: required(DATE),
  });
  const Outbox = table<OutboxRow, 'id' | 'payload' | 'createdAt' | 'publishedAt'>(
    sequelize,
    'Outbox',
    'outbox',
    {
      id: { type: BIGINT, primaryKey: true, autoIncrement: true, autoIncrementIdentity: true },
      topic: required(TEXT),
      aggregateType: required(TEXT),
      aggregateId: required(TEXT),
      payload: withDefault(JSONB, {}),
      createdAt: now,
      publishedAt: optional(DATE),
    },
  );

  return {
    User,
    Session,
    Artist,
    Category,
    Product,
    ProductImage,
    Collection,
    CollectionItem,
    Inventory,
    Favorite,
    Cart,
    CartItem,
    Order,
    OrderItem,
    Payment,
    PaymentEvent,
    IdempotencyKey,
    Outbox,
  };
}

export type Models = ReturnType<typeof defineModels>;
