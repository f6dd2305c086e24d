import assert from 'node:assert/strict';
import {
  createRequest,
  emptyWorkForm,
  formFieldsOf,
  updateRequest,
  type WorkFormValues,
  workFormFrom,
  workFormOf,
} from './work-form.ts';

const KEYS = ['medium', 'year'];
const form = (fields: Record<string, string>) => {
  const data = new FormData();
  for (const [k, v] of Object.entries(fields)) data.set(k, v);
  return data;
};
const values = (over: Partial<WorkFormValues>): WorkFormValues => ({
  ...emptyWorkForm(KEYS),
  title: 'Nocturne 3',
  price: '120.00',
  ...over,
});

describe('workspace: the work form', () => {
  it('when a physical original is posted, then the request has its price in minor units, stock 1 and typed details', () => {
    const posted = workFormFrom(
      form({
        title: ' Nocturne 3 ',
        kind: 'physical',
        price: '120,50',
        stock: '1',
        categorySlug: 'painting',
        'attributes.medium': 'Ink',
        'attributes.year': '2024',
      }),
      KEYS,
    );
    const request = createRequest(posted, 'EUR');
    assert.deepEqual(request, {
      ok: true,
      body: {
        title: 'Nocturne 3',
        description: '',
        kind: 'physical',
        price: { amountMinor: 12050, currency: 'EUR' },
        stock: 1,
        categorySlug: 'painting',
        attributes: { medium: 'Ink', year: 2024 },
      },
    });
  });

  it('when a digital work is unlimited, then its stock is null; a physical one cannot be', () => {
    const digital = createRequest(values({ kind: 'digital', stock: '', unlimited: true }), 'EUR');
    assert.ok(digital.ok && digital.body.stock === null);
    const physical = createRequest(values({ kind: 'physical', unlimited: true }), 'EUR');
    assert.deepEqual(physical, {
      ok: false,
      fields: {
        stock: 'A physical work needs a number of copies; only digital works can be unlimited.',
      },
    });
    const noEdition = createRequest(values({ kind: 'digital', stock: '' }), 'EUR');
    assert.ok(!noEdition.ok && /edition size/.test(noEdition.fields.stock ?? ''));
  });

  it('when fields are missing or wrong, then each has its own message and nothing is sent', () => {
    const request = createRequest(values({ title: '', price: 'cheap', kind: '' }), 'EUR');
    assert.ok(!request.ok);
    assert.deepEqual(Object.keys(request.fields).sort(), ['kind', 'price', 'title']);
  });

  it('when a work is edited, then other attributes survive, numbers stay numbers and emptied ones go', () => {
    const work = {
      title: 'Old',
      description: 'Text',
      kind: 'physical' as const,
      price: { amountMinor: 9900 },
      category: null,
      attributes: { medium: 'Oil', year: 2020, framed: true },
      stock: { onHand: 2 },
    };
    const shown = workFormOf(work, KEYS);
    assert.deepEqual(shown, {
      ...shown,
      price: '99.00',
      stock: '2',
      unlimited: false,
      attributes: { medium: 'Oil', year: '2020' },
    });
    const request = updateRequest(
      { ...shown, title: 'New', attributes: { medium: '', year: '2021' } },
      'EUR',
      work.attributes,
    );
    assert.deepEqual(request, {
      ok: true,
      body: {
        title: 'New',
        description: 'Text',
        price: { amountMinor: 9900, currency: 'EUR' },
        categorySlug: null,
        attributes: { year: 2021, framed: true },
      },
    });
  });

  it("when the API refuses fields, then they land on the form's fields as sentences", () => {
    assert.deepEqual(
      formFieldsOf({
        'price.amountMinor': 'must be a whole number',
        title: 'is required',
        'attributes.year': 'Too long',
      }),
      {
        price: 'This must be a whole number.',
        title: 'This is required.',
        'attributes.year': 'Too long',
      },
    );
  });
});
