/*
 * The shapes of the studio and admin API answers these pages read (see
 * origin/src/studio/studio.schemas.ts, admin/admin.schemas.ts and
 * orders/orders.schemas.ts; the OpenAPI document at /api/openapi.json).
 */

export type WorkStatus = 'draft' | 'published' | 'archived';
export type Kind = 'physical' | 'digital';

export interface Money {
  amountMinor: number;
  currency: string;
}

export interface ImageVariant {
  url: string;
  width: number;
  height: number;
}

export interface WorkImage extends ImageVariant {
  id: number;
  alt: string;
  position: number;
  variants: ImageVariant[];
}

export interface Stock {
  tracked: boolean;
  onHand: number | null;
  held: number;
  available: number | null;
}

interface Ref {
  slug: string;
  name: string;
}

export interface WorkSummary {
  id: number;
  slug: string;
  title: string;
  kind: Kind;
  status: WorkStatus;
  price: Money;
  category: Ref | null;
  artist: Ref | null;
  stock: Stock;
  cover: WorkImage | null;
  imageCount: number;
  publishedAt: string | null;
  updatedAt: string;
}

export interface Work extends Omit<WorkSummary, 'cover' | 'imageCount'> {
  description: string;
  attributes: Record<string, string | number | boolean>;
  images: WorkImage[];
}

export interface WorkPage {
  items: WorkSummary[];
  nextCursor: string | null;
}

export interface Sale {
  date: string;
  productId: number;
  title: string;
  quantity: number;
  amount: Money;
  status: 'paid' | 'fulfilled';
}

export interface SalesPage {
  items: Sale[];
  totals: { currency: string; amountMinor: number; quantity: number }[];
  nextCursor: string | null;
}

/** GET /api/v1/categories (public). */
export interface PublicCategory {
  slug: string;
  name: string;
  parentSlug: string | null;
}

export interface AdminCategory extends PublicCategory {
  id: number;
  position: number;
  productCount: number;
}

export interface CollectionItem {
  productId: number;
  slug: string;
  title: string;
  status: WorkStatus;
  position: number;
}

export interface AdminCollection {
  id: number;
  slug: string;
  title: string;
  description: string;
  featured: boolean;
  position: number;
  items: CollectionItem[];
}

export interface AdminCollectionSummary extends Omit<AdminCollection, 'items'> {
  itemCount: number;
}

/** GET /api/v1/products (public search), as far as these pages read it. */
export interface PublicProduct {
  id: number;
  slug: string;
  title: string;
  artist: Ref | null;
}

export type OrderStatus = 'pending_payment' | 'paid' | 'fulfilled' | 'cancelled' | 'refunded';

export interface Order {
  id: string;
  number: number;
  status: OrderStatus;
  email: string;
  items: { productId: number; title: string; kind: Kind; quantity: number }[];
  total: Money;
  shippingAddress: {
    name: string;
    line1: string;
    line2?: string;
    city: string;
    postalCode: string;
    country: string;
  } | null;
  createdAt: string;
  paidAt: string | null;
  fulfilledAt: string | null;
}

export interface OrderList {
  items: Order[];
  nextBefore: number | null;
}
