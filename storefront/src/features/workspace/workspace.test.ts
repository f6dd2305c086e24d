import assert from 'node:assert/strict';
import type { ApiResult } from '@vitrine/origin/pages';
import { slugFrom, thumbnail, uploadProblem } from './workspace.ts';

const refused = (status: number, code: string, message: string, details?: unknown): ApiResult => ({
  status,
  ok: false,
  body: { error: { code, message, details } },
  headers: new Headers(),
});

describe('workspace: slugs, thumbnails and upload refusals', () => {
  it('when a title becomes a web address, then it is lower-case words joined by dashes', () => {
    assert.equal(slugFrom('Spring Hang 2025'), 'spring-hang-2025');
    assert.equal(slugFrom('  Søren’s Études — Blue! '), 'sorens-etudes-blue');
    assert.equal(slugFrom('Straße'), 'strasse');
    assert.equal(slugFrom('!!!'), '');
    assert.ok(slugFrom('x'.repeat(200)).length <= 80);
  });

  it('when a thumbnail is made, then it uses the narrowest copy and keeps the proportions', () => {
    const image = {
      url: '/media/a.png',
      width: 1600,
      height: 1200,
      variants: [{ url: '/media/w480.webp', width: 480, height: 360 }],
    };
    assert.deepEqual(thumbnail(image, 64), { src: '/media/w480.webp', width: 64, height: 48 });
    assert.deepEqual(thumbnail({ ...image, variants: [] }, 64).src, '/media/a.png');
  });

  it('when an upload is refused, then the words say what is wrong and what the limit is', () => {
    assert.match(
      uploadProblem(refused(413, 'IMAGE_TOO_LARGE', 'x', { maxBytes: 10 * 1024 * 1024 })),
      /too big: images can be up to 10 MB/,
    );
    assert.match(
      uploadProblem(
        refused(422, 'IMAGE_TOO_LARGE_DIMENSIONS', 'x', {
          width: 20000,
          height: 100,
          maxDimension: 12000,
          maxPixels: 50_000_000,
        }),
      ),
      /too many pixels: it is 20000 × 100 px, and images can be up to 12,000 px on a side and 50 megapixels/,
    );
    assert.match(
      uploadProblem(refused(415, 'UNSUPPORTED_IMAGE_TYPE', 'GIF is not accepted.')),
      /not a picture the shop accepts\. GIF is not accepted\./,
    );
    assert.match(uploadProblem(refused(403, 'CSRF_TOKEN_INVALID', 'x')), /form expired/);
  });
});
