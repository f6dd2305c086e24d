import { QueryTypes, UniqueConstraintError } from 'sequelize';
import type { Database } from '../platform/db/database.ts';
import type { Role } from '../platform/db/models.ts';
import { AppError, NotFoundError, ValidationError } from '../platform/errors.ts';
import {
  decoyHash,
  hashPassword,
  needsRehash,
  passwordProblem,
  verifyPassword,
} from './password.ts';
import type { SessionStore, SessionUser } from './sessions.ts';
import type { LoginThrottle } from './throttle.ts';

export interface RequestMeta {
  ip: string;
  userAgent: string;
}

export interface ArtistProfile {
  id: number;
  slug: string;
  name: string;
  bio: string;
}

const invalidCredentials = () =>
  new AppError('INVALID_CREDENTIALS', 'That email and password do not match an account.', {
    status: 401,
  });

export function accountsService(deps: {
  db: Database;
  sessions: SessionStore;
  throttle: LoginThrottle;
}) {
  const { db, sessions, throttle } = deps;
  const { User, Artist, Outbox } = db.models;

  const toUser = (row: {
    id: number;
    email: string;
    displayName: string;
    role: Role;
  }): SessionUser => ({
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    role: row.role,
  });

  async function startSession(user: SessionUser, meta: RequestMeta) {
    const session = await sessions.create(user, { userAgent: meta.userAgent, ip: meta.ip });
    return { user, ...session };
  }

  return {
    async register(
      input: { email: string; password: string; displayName: string },
      meta: RequestMeta,
    ) {
      await throttle.checkRegistration(meta.ip);
      const problem = passwordProblem(input.password, input.email);
      if (problem)
        throw new ValidationError([{ path: 'body.password', message: `Password ${problem}.` }]);
      // Hashed before the email is looked up, so a taken and a free email cost the same time.
      const passwordHash = await hashPassword(input.password);
      let row: { id: number; email: string; displayName: string; role: Role };
      try {
        row = (
          await User.create({ email: input.email, passwordHash, displayName: input.displayName })
        ).get({
          plain: true,
        });
      } catch (err) {
        if (err instanceof UniqueConstraintError) {
          // Saying so is the product's choice (the page offers to sign in); it says nothing else.
          await throttle.probedFrom(meta.ip);
          throw new AppError(
            'EMAIL_IN_USE',
            'An account with this email exists already. Sign in instead.',
            {
              status: 409,
            },
          );
        }
        throw err;
      }
      return startSession(toUser(row), meta);
    },

    /**
     * Same answer and the same argon2 work for unknown emails and wrong
     * passwords, so neither the body nor the timing tells them apart.
     */
    async login(
      input: { email: string; password: string },
      meta: RequestMeta,
      previousIdHash: string | null,
    ) {
      await throttle.check(input.email, meta.ip);
      const row = await User.findOne({ where: { email: input.email }, raw: true });
      const ok = row
        ? await verifyPassword(row.passwordHash, input.password)
        : await verifyPassword(await decoyHash(), input.password).then(() => false);
      if (!row || !ok) {
        await throttle.failed(input.email, meta.ip);
        throw invalidCredentials();
      }
      await throttle.succeeded(input.email);
      if (needsRehash(row.passwordHash)) {
        await User.update(
          { passwordHash: await hashPassword(input.password), updatedAt: new Date() },
          { where: { id: row.id } },
        );
      }
      // Rotation: whatever session the browser had before is ended, never reused.
      if (previousIdHash) await sessions.destroy(previousIdHash);
      return startSession(toUser(row), meta);
    },

    async changePassword(
      user: SessionUser,
      currentIdHash: string,
      input: { currentPassword: string; newPassword: string },
      meta: RequestMeta,
    ) {
      await throttle.check(user.email, meta.ip);
      const row = await User.findByPk(user.id, { raw: true });
      if (!row) throw new NotFoundError('USER_NOT_FOUND', 'This account no longer exists.');
      if (!(await verifyPassword(row.passwordHash, input.currentPassword))) {
        await throttle.failed(user.email, meta.ip);
        throw new AppError('INVALID_CREDENTIALS', 'The current password is not right.', {
          status: 401,
        });
      }
      const problem = passwordProblem(input.newPassword, row.email);
      if (problem)
        throw new ValidationError([{ path: 'body.newPassword', message: `Password ${problem}.` }]);
      await User.update(
        { passwordHash: await hashPassword(input.newPassword), updatedAt: new Date() },
        { where: { id: user.id } },
      );
      return { endedSessions: await sessions.destroyOthers(user.id, currentIdHash) };
    },

    async me(userId: number): Promise<{ user: SessionUser; artist: ArtistProfile | null }> {
      const row = await User.findByPk(userId, { raw: true });
      if (!row) throw new NotFoundError('USER_NOT_FOUND', 'This account no longer exists.');
      const artist = await Artist.findOne({
        where: { userId },
        attributes: ['id', 'slug', 'name', 'bio'],
        raw: true,
      });
      return { user: toUser(row), artist: artist ?? null };
    },

    /** A customer opens a public artist profile and becomes an artist, in one transaction. */
    async openArtistProfile(
      user: SessionUser,
      input: { name: string; slug: string; bio: string },
    ): Promise<ArtistProfile> {
      let profile: ArtistProfile;
      try {
        profile = await db.sequelize.transaction(async (transaction) => {
          const existing = await Artist.findOne({
            where: { userId: user.id },
            transaction,
            raw: true,
          });
          if (existing) {
            throw new AppError(
              'ALREADY_AN_ARTIST',
              `You already have the artist profile "${existing.slug}".`,
              {
                status: 409,
              },
            );
          }
          const artist = (await Artist.create({ userId: user.id, ...input }, { transaction })).get({
            plain: true,
          });
          // Admins keep their role; customers become artists.
          await db.sequelize.query(
            `UPDATE users SET role = 'artist', updated_at = now() WHERE id = :id AND role = 'customer'`,
            { replacements: { id: user.id }, transaction, type: QueryTypes.UPDATE },
          );
          await Outbox.create(
            {
              topic: 'artist.created',
              aggregateType: 'artist',
              aggregateId: String(artist.id),
              payload: { slug: artist.slug, userId: user.id },
            },
            { transaction },
          );
          return { id: artist.id, slug: artist.slug, name: artist.name, bio: artist.bio };
        });
      } catch (err) {
        if (err instanceof UniqueConstraintError) {
          throw new AppError(
            'SLUG_TAKEN',
            `The profile address "${input.slug}" is taken; choose another.`,
            {
              status: 409,
            },
          );
        }
        throw err;
      }
      await sessions.refreshUser(user.id);
      return profile;
    },

    async artistProfileOf(userId: number): Promise<ArtistProfile> {
      const artist = await Artist.findOne({
        where: { userId },
        attributes: ['id', 'slug', 'name', 'bio'],
        raw: true,
      });
      if (!artist)
        throw new NotFoundError('ARTIST_PROFILE_NOT_FOUND', 'Open an artist profile first.');
      return artist;
    },

    async listUsers(query: { role?: Role | undefined; after: number; limit: number }) {
      const rows = await db.sequelize.query<SessionUser & { createdAt: Date }>(
        `SELECT id, email, display_name AS "displayName", role, created_at AS "createdAt" FROM users
         WHERE id > :after ${query.role ? 'AND role = :role' : ''} ORDER BY id LIMIT :limit`,
        {
          type: QueryTypes.SELECT,
          replacements: { after: query.after, role: query.role ?? null, limit: query.limit + 1 },
        },
      );
      const page = rows.slice(0, query.limit);
      return {
        items: page.map((r) => ({ ...toUser(r), createdAt: new Date(r.createdAt).toISOString() })),
        nextAfter: rows.length > query.limit ? (page.at(-1)?.id ?? null) : null,
      };
    },
  };
}

export type AccountsService = ReturnType<typeof accountsService>;
