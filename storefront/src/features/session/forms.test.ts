import assert from 'node:assert/strict';
import { failedFormStatus, fieldMessage, throttledMessage, waitWords } from './forms.ts';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
  status,
  ok: status < 400,
  body,
  headers: new Headers(headers),
});

describe('form words', () => {
  it('when the API gives a fragment, then the field message names the field as a sentence', () => {
    assert.equal(
      fieldMessage('Email', 'must be an email address like name@example.com'),
      'Email must be an email address like name@example.com.',
    );
    assert.equal(
      fieldMessage('Password', 'Password must be at least 8 characters.'),
      'Password must be at least 8 characters.',
    );
    assert.equal(fieldMessage('Email', undefined), undefined);
  });

  it('when a wait is given in seconds, then it reads in the unit a person would use', () => {
    assert.equal(waitWords(1), '1 second');
    assert.equal(waitWords(42), '42 seconds');
    assert.equal(waitWords(61), 'about 2 minutes');
    assert.equal(waitWords(60), 'a minute');
    assert.equal(waitWords(900), 'about 15 minutes');
  });

  it('when sign-in is throttled, then the message says how long to wait', () => {
    const fromDetails = answer(429, {
      error: { code: 'TOO_MANY_ATTEMPTS', message: '…', details: { retryAfterSeconds: 840 } },
    });
    assert.match(throttledMessage(fromDetails), /wait about 14 minutes/);
    const fromHeader = answer(429, null, { 'retry-after': '30' });
    assert.match(throttledMessage(fromHeader), /wait 30 seconds/);
  });

  it('when a form is refused, then the page answers 422, keeping 429 and 5xx', () => {
    assert.equal(failedFormStatus(answer(400, null)), 422);
    assert.equal(failedFormStatus(answer(409, null)), 422);
    assert.equal(failedFormStatus(answer(429, null)), 429);
    assert.equal(failedFormStatus(answer(503, null)), 503);
  });
});
