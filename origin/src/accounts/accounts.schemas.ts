import { z } from 'zod';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from './password.ts';

/** Trimmed and lower-cased, so one mailbox is one account. */
export const Email = z
  .string()
  .trim()
  .max(254)
  .pipe(z.email('must be an email address like name@example.com'))
  // RFC 5321's limits, which zod's pattern leaves out: such an address cannot receive mail.
  .refine(
    (e) =>
      e.indexOf('@') <= 64 &&
      e
        .split('@')[1]
        ?.split('.')
        .every((label) => label.length <= 63),
    'must be an email address like name@example.com (at most 64 characters before the @)',
  )
  .transform((e) => e.toLowerCase())
  // The document shows the address check itself (the pipe's second half), not only the length.
  .meta({ example: 'ada@example.com', format: 'email', pattern: z.regexes.email.source });

const Password = z.string().min(1, 'is required').max(MAX_PASSWORD_LENGTH);
/**
 * A password being chosen: the service checks the length and the common-password
 * list (with field messages); the document says the length.
 */
const NewPassword = Password.meta({ minLength: MIN_PASSWORD_LENGTH });

export const RegisterBody = z
  .object({
    email: Email,
    password: NewPassword,
    displayName: z.string().trim().max(120).default(''),
  })
  .meta({ id: 'RegisterRequest' });

export const LoginBody = z
  .object({ email: Email, password: Password })
  .meta({ id: 'LoginRequest' });

export const ChangePasswordBody = z
  .object({ currentPassword: Password, newPassword: NewPassword })
  .meta({ id: 'ChangePasswordRequest' });

export const Slug = z
  .string()
  .trim()
  .min(2)
  .max(80)
  .regex(
    /^[a-z0-9]+(-[a-z0-9]+)*$/,
    'must be lower-case letters, digits and single dashes, like "mara-lind"',
  );

export const ArtistProfileBody = z
  .object({
    name: z.string().trim().min(1, 'is required').max(120),
    slug: Slug,
    bio: z.string().trim().max(5000).default(''),
  })
  .meta({ id: 'ArtistProfileRequest' });

export const User = z
  .object({
    id: z.number().int(),
    email: z.string(),
    displayName: z.string(),
    role: z.enum(['customer', 'artist', 'admin']),
  })
  .meta({ id: 'User' });

export const ArtistProfile = z
  .object({ id: z.number().int(), slug: z.string(), name: z.string(), bio: z.string() })
  .meta({ id: 'ArtistProfile' });

export const Me = z.object({ user: User, artist: ArtistProfile.nullable() }).meta({ id: 'Me' });

export const SignedIn = z
  .object({
    user: User,
    /** The CSRF token for the new session (the old one is bound to the old session). */
    csrfToken: z.string(),
  })
  .meta({ id: 'SignedIn' });

export const CsrfToken = z.object({ token: z.string() }).meta({ id: 'CsrfToken' });

export const SessionInfo = z
  .object({
    id: z.string().meta({ format: 'uuid' }),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    userAgent: z.string(),
    ip: z.string().nullable(),
    current: z.boolean(),
  })
  .meta({ id: 'SessionInfo' });

export const SessionIdParams = z.object({
  id: z.uuid('must be a session id from the sessions list'),
});

export const UserListQuery = z.object({
  role: z.enum(['customer', 'artist', 'admin']).optional(),
  after: z.coerce
    .number()
    .int()
    .min(0)
    .default(0)
    .meta({ description: 'Return users with a larger id' }),
  limit: z.coerce.number().int().min(1).max(100).default(50),
});

export const UserList = z
  .object({
    items: z.array(User.extend({ createdAt: z.string() })),
    nextAfter: z.number().int().nullable(),
  })
  .meta({ id: 'UserList' });
