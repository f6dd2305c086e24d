import { createHash, randomBytes } from 'node:crypto';
import { Op } from 'sequelize';
import type { Config } from '../config.ts';
import type { Cache } from '../platform/cache/index.ts';
import type { Database } from '../platform/db/database.ts';
import type { Role } from '../platform/db/models.ts';
import { type KeyRing, signSessionCookie, verifySessionCookie } from './session-cookie.ts';

/** 32 random bytes: 256 bits from the CSPRNG, well over ASVS's 128. */
const SESSION_ID_BYTES = 32;

export interface SessionUser {
  id: number;
  email: string;
  displayName: string;
  role: Role;
}

/** A live session as every request sees it (from L1, L2 or PostgreSQL). */
export interface ActiveSession {
  idHash: string;
  publicId: string;
  user: SessionUser;
  createdAt: string;
  lastSeenAt: string;
  idleExpiresAt: string;
  absoluteExpiresAt: string;
}

export interface SessionInfo {
  id: string;
  createdAt: string;
  lastSeenAt: string;
  userAgent: string;
  ip: string | null;
  current: boolean;
}

export const hashSessionId = (sid: string) => createHash('sha256').update(sid).digest('hex');
const cacheKey = (idHash: string) => `session:${idHash}`;

export interface SessionStoreDeps {
  db: Database;
  cache: Cache;
  config: Config['sessions'];
  /** Milliseconds since the epoch; tests move it to expire sessions. */
  clock: () => number;
}

export function createSessionStore({ db, cache, config, clock }: SessionStoreDeps) {
  const { Session, User } = db.models;
  const ring: KeyRing = { keys: config.keys, signingKid: config.signingKid };
  // Extend the idle expiry at most this often, so a busy session costs no write per request.
  const touchEveryMs = Math.min(60_000, (config.idleTimeoutS * 1000) / 10);

  async function load(idHash: string): Promise<ActiveSession | null> {
    const row = await Session.findOne({ where: { idHash }, raw: true });
    if (!row) return null;
    const user = await User.findByPk(row.userId, { raw: true });
    if (!user) return null;
    return {
      idHash,
      publicId: row.publicId,
      user: { id: user.id, email: user.email, displayName: user.displayName, role: user.role },
      createdAt: new Date(row.createdAt).toISOString(),
      lastSeenAt: new Date(row.lastSeenAt).toISOString(),
      idleExpiresAt: new Date(row.idleExpiresAt).toISOString(),
      absoluteExpiresAt: new Date(row.absoluteExpiresAt).toISOString(),
    };
  }

  async function read(idHash: string): Promise<ActiveSession | null> {
    const session = await cache.getOrLoad(cacheKey(idHash), () => load(idHash), {
      // A session must never outlive its revocation by more than the bus delay;
      // L1 stays short, and logout deletes the key everywhere.
      l1TtlMs: 30_000,
      l2TtlMs: 10 * 60_000,
    });
    return session;
  }

  async function destroy(idHash: string): Promise<void> {
    await Session.destroy({ where: { idHash } });
    await cache.delete(cacheKey(idHash));
  }

  return {
    ring,

    /** Starts a session for the user; returns the cookie value to set. */
    async create(user: SessionUser, meta: { userAgent: string; ip: string | null }) {
      const sid = randomBytes(SESSION_ID_BYTES).toString('base64url');
      const idHash = hashSessionId(sid);
      const now = clock();
      const absolute = now + config.absoluteTimeoutS * 1000;
      const idle = Math.min(now + config.idleTimeoutS * 1000, absolute);
      await Session.create({
        idHash,
        userId: user.id,
        createdAt: new Date(now),
        lastSeenAt: new Date(now),
        idleExpiresAt: new Date(idle),
        absoluteExpiresAt: new Date(absolute),
        userAgent: meta.userAgent.slice(0, 512),
        ip: meta.ip,
      });
      const cookie = signSessionCookie({ sid, exp: Math.floor(absolute / 1000) }, ring);
      return { cookie, idHash, expiresAt: new Date(absolute) };
    },

    /**
     * The live session behind a cookie value, or null. Checks the signature
     * and expiry first (no I/O for forged cookies), then the record through
     * the cache, then idle and absolute expiry against the clock.
     */
    async resolve(cookieValue: string): Promise<ActiveSession | null> {
      const now = clock();
      const verified = verifySessionCookie(cookieValue, ring, Math.floor(now / 1000));
      if (!verified.ok) return null;
      const idHash = hashSessionId(verified.claims.sid);
      const session = await read(idHash);
      if (!session) return null;
      if (
        Date.parse(session.idleExpiresAt) <= now ||
        Date.parse(session.absoluteExpiresAt) <= now
      ) {
        await destroy(idHash);
        return null;
      }
      if (now - Date.parse(session.lastSeenAt) >= touchEveryMs) {
        const idle = Math.min(
          now + config.idleTimeoutS * 1000,
          Date.parse(session.absoluteExpiresAt),
        );
        await Session.update(
          { lastSeenAt: new Date(now), idleExpiresAt: new Date(idle) },
          { where: { idHash } },
        );
        const touched = {
          ...session,
          lastSeenAt: new Date(now).toISOString(),
          idleExpiresAt: new Date(idle).toISOString(),
        };
        await cache.set(cacheKey(idHash), touched, { l1TtlMs: 30_000, l2TtlMs: 10 * 60_000 });
        return touched;
      }
      return session;
    },

    destroy,

    /** Ends every session of the user but `keepIdHash` (a password change). */
    async destroyOthers(userId: number, keepIdHash: string | null): Promise<number> {
      const others = await Session.findAll({
        where: { userId, ...(keepIdHash ? { idHash: { [Op.ne]: keepIdHash } } : {}) },
        attributes: ['idHash'],
        raw: true,
      });
      if (others.length === 0) return 0;
      const hashes = others.map((s) => s.idHash);
      await Session.destroy({ where: { idHash: hashes } });
      await cache.delete(...hashes.map(cacheKey));
      return hashes.length;
    },

    async list(userId: number, currentIdHash: string): Promise<SessionInfo[]> {
      const rows = await Session.findAll({
        where: {
          userId,
          absoluteExpiresAt: { [Op.gt]: new Date(clock()) },
          idleExpiresAt: { [Op.gt]: new Date(clock()) },
        },
        order: [['lastSeenAt', 'DESC']],
        raw: true,
      });
      return rows.map((row) => ({
        id: row.publicId,
        createdAt: new Date(row.createdAt).toISOString(),
        lastSeenAt: new Date(row.lastSeenAt).toISOString(),
        userAgent: row.userAgent,
        ip: row.ip,
        current: row.idHash === currentIdHash,
      }));
    },

    /** Ends one of the user's own sessions by its public id; false when it is not theirs. */
    async destroyByPublicId(userId: number, publicId: string): Promise<boolean> {
      const row = await Session.findOne({
        where: { userId, publicId },
        attributes: ['idHash'],
        raw: true,
      });
      if (!row) return false;
      await destroy(row.idHash);
      return true;
    },

    /** Drops cached copies after the user's role or profile changed. */
    async refreshUser(userId: number): Promise<void> {
      const rows = await Session.findAll({ where: { userId }, attributes: ['idHash'], raw: true });
      if (rows.length > 0) await cache.delete(...rows.map((r) => cacheKey(r.idHash)));
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
