import type { Redis } from 'ioredis';
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
} from 'rate-limiter-flexible';
import type { Config } from '../config.ts';
import { AppError } from '../platform/errors.ts';

export class TooManyAttemptsError extends AppError {
  /** Seconds until the client may try again (the Retry-After header). */
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super('TOO_MANY_ATTEMPTS', `Too many attempts. Try again in ${retryAfterS} seconds.`, {
      status: 429,
      details: { retryAfterSeconds: retryAfterS },
      headers: { 'retry-after': String(retryAfterS) },
    });
    this.retryAfterS = retryAfterS;
  }
}

function limiter(
  redis: Redis | null,
  keyPrefix: string,
  points: number,
  windowS: number,
): RateLimiterAbstract {
  const memory = new RateLimiterMemory({
    keyPrefix,
    points,
    duration: windowS,
    blockDuration: windowS,
  });
  if (!redis) return memory;
  // Shared across processes through Redis; the in-memory limiter takes over
  // while Redis is down, so an outage neither blocks logins nor lifts the limit.
  return new RateLimiterRedis({
    storeClient: redis,
    keyPrefix,
    points,
    duration: windowS,
    blockDuration: windowS,
    insuranceLimiter: memory,
  });
}

/**
 * Failed-login throttles per account and per client IP (the IP CloudFront/ALB
 * report, via trust proxy). Only failures count; a success clears the account.
 */
export function createLoginThrottle(
  redis: Redis | null,
  config: Config['loginThrottle'],
  /** Redis key namespace: shops (or test suites) sharing one Redis keep their own counters. */
  namespace = 'vitrine',
) {
  const perAccount = limiter(
    redis,
    `${namespace}:login:account`,
    config.perAccount,
    config.windowS,
  );
  const perIp = limiter(redis, `${namespace}:login:ip`, config.perIp, config.windowS);
  // Registrations of taken emails (which say the account exists) have a budget of their own,
  // so failed logins behind a shared address never stop a newcomer from registering.
  const probesPerIp = limiter(redis, `${namespace}:register:ip`, config.perIp, config.windowS);

  async function blockedFor(l: RateLimiterAbstract, key: string, points: number): Promise<number> {
    const res = await l.get(key);
    return res && res.consumedPoints >= points
      ? Math.max(1, Math.ceil(res.msBeforeNext / 1000))
      : 0;
  }

  return {
    /** Throws TooManyAttemptsError while either throttle is closed. */
    async check(account: string, ip: string): Promise<void> {
      const wait = Math.max(
        await blockedFor(perAccount, account, config.perAccount),
        await blockedFor(perIp, ip, config.perIp),
      );
      if (wait > 0) throw new TooManyAttemptsError(wait);
    },
    async failed(account: string, ip: string): Promise<void> {
      // consume() rejects once the limit is passed; that is the point, not an error here.
      await Promise.allSettled([perAccount.consume(account), perIp.consume(ip)]);
    },
    async succeeded(account: string): Promise<void> {
      await perAccount.delete(account);
    },
    /** Throws TooManyAttemptsError while the client IP may not register (too many taken emails). */
    async checkRegistration(ip: string): Promise<void> {
      const wait = await blockedFor(probesPerIp, ip, config.perIp);
      if (wait > 0) throw new TooManyAttemptsError(wait);
    },
    /**
     * A registration with a taken email tells that the account exists: the
     * client IP gets as many of those per window as failed logins, so probing
     * emails is no faster through registration than through login.
     */
    async probedFrom(ip: string): Promise<void> {
      await probesPerIp.consume(ip).catch(() => undefined);
    },
  };
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
