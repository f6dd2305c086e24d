import { type Parsed, parseCount, parsePrice, priceInputValue } from './money.ts';
import { asSentences } from './workspace.ts';

/*
 * The studio's work form (create and edit): what the artist typed, kept as
 * text so a refused form comes back as they left it, and turned into the
 * API's request bodies with field errors in words keyed by the API's own
 * field names (title, price, stock, categorySlug, attributes.<key>).
 */

export type AttributeValue = string | number | boolean;

/** The fields of a work as the form holds them. */
export interface WorkFormValues {
  title: string;
  description: string;
  kind: 'physical' | 'digital' | '';
  /** As typed: "120.00". */
  price: string;
  /** As typed: copies for sale (the edition size). */
  stock: string;
  /** Digital works only: no limit on copies. */
  unlimited: boolean;
  /** '' for no category. */
  categorySlug: string;
  /** The shop's attribute keys (medium, year…), as typed. */
  attributes: Record<string, string>;
}

export type FieldErrors = Record<string, string>;
export type Request<T> = { ok: true; body: T } | { ok: false; fields: FieldErrors };

/** What a work looks like to the form (a subset of the API's Work). */
export interface WorkLike {
  title: string;
  description: string;
  kind: 'physical' | 'digital';
  price: { amountMinor: number };
  category: { slug: string } | null;
  attributes: Record<string, AttributeValue>;
  stock: { onHand: number | null };
}

const field = (form: FormData, name: string) => {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
};

/** The posted form. */
export function workFormFrom(form: FormData, attributeKeys: readonly string[]): WorkFormValues {
  const kind = field(form, 'kind');
  return {
    title: field(form, 'title'),
    description: field(form, 'description'),
    kind: kind === 'physical' || kind === 'digital' ? kind : '',
    price: field(form, 'price'),
    stock: field(form, 'stock'),
    unlimited: form.get('unlimited') === 'on',
    categorySlug: field(form, 'categorySlug'),
    attributes: Object.fromEntries(attributeKeys.map((k) => [k, field(form, `attributes.${k}`)])),
  };
}

/** A new work's form: a physical original, one copy. */
export function emptyWorkForm(attributeKeys: readonly string[]): WorkFormValues {
  return {
    title: '',
    description: '',
    kind: 'physical',
    price: '',
    stock: '1',
    unlimited: false,
    categorySlug: '',
    attributes: Object.fromEntries(attributeKeys.map((k) => [k, ''])),
  };
}

/** An existing work as the edit form shows it. */
export function workFormOf(work: WorkLike, attributeKeys: readonly string[]): WorkFormValues {
  return {
    title: work.title,
    description: work.description,
    kind: work.kind,
    price: priceInputValue(work.price.amountMinor),
    stock: work.stock.onHand === null ? '' : String(work.stock.onHand),
    unlimited: work.stock.onHand === null,
    categorySlug: work.category?.slug ?? '',
    attributes: Object.fromEntries(
      attributeKeys.map((k) => [
        k,
        work.attributes[k] === undefined ? '' : String(work.attributes[k]),
      ]),
    ),
  };
}

function title(values: WorkFormValues, errors: FieldErrors): string {
  if (values.title === '') errors.title = 'Enter a title.';
  else if (values.title.length > 200) errors.title = 'Keep the title to 200 characters or fewer.';
  return values.title;
}

function description(values: WorkFormValues, errors: FieldErrors): string {
  if (values.description.length > 20_000)
    errors.description = 'Keep the description to 20,000 characters or fewer.';
  return values.description;
}

function price(values: WorkFormValues, errors: FieldErrors): number {
  const parsed = parsePrice(values.price);
  if (!parsed.ok) errors.price = parsed.message;
  return parsed.ok ? parsed.value : 0;
}

/**
 * Copies for sale: a number, or null (unlimited) for a digital work.
 * A physical work always has a number: it is one object, or an edition.
 */
export function stockOf(
  values: Pick<WorkFormValues, 'stock' | 'unlimited'>,
  kind: 'physical' | 'digital' | '',
): Parsed<number | null> {
  if (values.unlimited) {
    if (kind === 'digital') return { ok: true, value: null };
    return {
      ok: false,
      message: 'A physical work needs a number of copies; only digital works can be unlimited.',
    };
  }
  if (values.stock === '') {
    return {
      ok: false,
      message:
        kind === 'digital'
          ? 'Enter the edition size, or tick “Unlimited copies”.'
          : 'Enter how many you can sell: 1 for an original.',
    };
  }
  return parseCount(values.stock);
}

/** A typed attribute: numbers stay numbers when they were (or look like a plain one, as a year). */
function attributeValue(text: string, previous: AttributeValue | undefined): AttributeValue {
  if (typeof previous === 'string') return text;
  if (typeof previous === 'boolean' && (text === 'true' || text === 'false'))
    return text === 'true';
  if (/^-?(0|[1-9]\d{0,8})(\.\d+)?$/.test(text)) return Number(text);
  return text;
}

/**
 * The shop's attributes from the form, over the work's others (kept as they
 * are: the form shows only the shop's keys). An emptied field removes its key.
 */
function attributes(
  values: WorkFormValues,
  previous: Record<string, AttributeValue>,
  errors: FieldErrors,
): Record<string, AttributeValue> {
  const next: Record<string, AttributeValue> = { ...previous };
  for (const [key, text] of Object.entries(values.attributes)) {
    if (text === '') delete next[key];
    else if (text.length > 500)
      errors[`attributes.${key}`] = 'Keep this to 500 characters or fewer.';
    else next[key] = attributeValue(text, previous[key]);
  }
  return next;
}

export interface CreateWorkRequest {
  title: string;
  description: string;
  kind: 'physical' | 'digital';
  price: { amountMinor: number; currency: string };
  stock: number | null;
  categorySlug: string | null;
  attributes: Record<string, AttributeValue>;
}

/** The body of POST /api/v1/studio/products, or the form's errors. */
export function createRequest(
  values: WorkFormValues,
  currency: string,
): Request<CreateWorkRequest> {
  const errors: FieldErrors = {};
  const body = {
    title: title(values, errors),
    description: description(values, errors),
    price: { amountMinor: price(values, errors), currency },
    categorySlug: values.categorySlug || null,
    attributes: attributes(values, {}, errors),
  };
  if (values.kind === '') errors.kind = 'Choose whether the work is physical or digital.';
  const stock = stockOf(values, values.kind);
  if (!stock.ok && values.kind !== '') errors.stock = stock.message;
  if (Object.keys(errors).length > 0 || values.kind === '' || !stock.ok)
    return { ok: false, fields: errors };
  return { ok: true, body: { ...body, kind: values.kind, stock: stock.value } };
}

export interface UpdateWorkRequest {
  title: string;
  description: string;
  price: { amountMinor: number; currency: string };
  categorySlug: string | null;
  attributes: Record<string, AttributeValue>;
}

/** The body of PATCH /api/v1/studio/products/:id (every field of the form), or the form's errors. */
export function updateRequest(
  values: WorkFormValues,
  currency: string,
  previousAttributes: Record<string, AttributeValue>,
): Request<UpdateWorkRequest> {
  const errors: FieldErrors = {};
  const body = {
    title: title(values, errors),
    description: description(values, errors),
    price: { amountMinor: price(values, errors), currency },
    categorySlug: values.categorySlug || null,
    attributes: attributes(values, previousAttributes, errors),
  };
  return Object.keys(errors).length > 0 ? { ok: false, fields: errors } : { ok: true, body };
}

/**
 * The API's field errors on the form's fields: `price.amountMinor` is the
 * price field, a nested attribute path stays as it is.
 */
export function formFieldsOf(apiFields: Record<string, string>): FieldErrors {
  const fields: FieldErrors = {};
  for (const [path, message] of Object.entries(apiFields)) {
    fields[path.startsWith('price.') ? 'price' : path] ??= message;
  }
  return asSentences(fields);
}
