/** Accounts: sign-up, password checks (argon2id via Bun.password), deletion and revoked tokens. */
import { count, eq, lt } from 'drizzle-orm';
import { ConflictError, ForbiddenError, UnauthorizedError } from '../core/errors.ts';
import { functions, revokedTokens, users } from '../db/schema.ts';
import type { ServiceContext } from './context.ts';
import { deleteFunction } from './functions.ts';
import { createId } from './ids.ts';
import { parseEmail, parseFields, parseObject, parsePassword } from './validate.ts';

/** An account as the API shows it. */
export interface Account {
  id: string;
  email: string;
}

const CREDENTIAL_FIELDS = { what: 'the request body', allowed: ['email', 'password'] } as const;

// Verified against when the email is unknown, so both failures take the same time.
const DUMMY_HASH = Bun.password.hash('not-a-real-password', { algorithm: 'argon2id' });

/** Creates an account; open while none exists, or when the server allows sign-up. */
export async function registerAccount(ctx: ServiceContext, input: unknown): Promise<Account> {
  const body = parseFields(input, CREDENTIAL_FIELDS);
  const email = parseEmail(body.email);
  const password = parsePassword(body.password);
  const passwordHash = await Bun.password.hash(password, { algorithm: 'argon2id' });

  // Check and insert in one synchronous transaction so two first sign-ups cannot both pass.
  return ctx.db.transaction((tx) => {
    const existing = tx.select({ n: count() }).from(users).get()?.n ?? 0;
    if (existing > 0 && !ctx.allowSignup) {
      throw new ForbiddenError(
        'Sign-up is closed on this server: log in with an existing account, or restart the server with --allow-signup',
      );
    }
    if (tx.select({ id: users.id }).from(users).where(eq(users.email, email)).get()) {
      throw new ConflictError(`An account with the email ${email} already exists; log in instead`);
    }
    const id = createId('usr');
    tx.insert(users).values({ id, email, passwordHash, createdAt: ctx.now() }).run();
    return { id, email };
  });
}

/** Checks an email and password; throws UnauthorizedError on either being wrong. */
export async function authenticate(ctx: ServiceContext, input: unknown): Promise<Account> {
  const body = parseFields(input, CREDENTIAL_FIELDS);
  const email = parseEmail(body.email);
  const password = parsePassword(body.password);
  const user = ctx.db.select().from(users).where(eq(users.email, email)).get();

  const valid = await Bun.password.verify(password, user?.passwordHash ?? (await DUMMY_HASH));
  if (!user || !valid) throw new UnauthorizedError('Invalid email or password');
  return { id: user.id, email: user.email };
}

/**
 * Deletes an account once its password is confirmed: its functions (rows, files and programs),
 * then the account, so that its tokens name nobody. A wrong password is a ForbiddenError.
 */
export async function deleteAccount(
  ctx: ServiceContext,
  options: { userId: string; input: unknown },
): Promise<void> {
  const password = parsePassword(parseObject(options.input, 'the request body').password);
  const user = ctx.db.select().from(users).where(eq(users.id, options.userId)).get();
  if (!user) throw new UnauthorizedError('Invalid token: its account no longer exists');
  if (!(await Bun.password.verify(password, user.passwordHash))) {
    throw new ForbiddenError('The password is wrong; the account was not deleted');
  }

  const owned = ctx.db.select().from(functions).where(eq(functions.ownerId, user.id)).all();
  for (const row of owned) await deleteFunction(ctx, row);
  ctx.db.delete(users).where(eq(users.id, user.id)).run();
}

/** Finds an account by id, or null. */
export function findAccount(ctx: ServiceContext, id: string): Account | null {
  const user = ctx.db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(eq(users.id, id))
    .get();
  return user ?? null;
}

/** Revokes a token id until its expiry, and prunes revocations that have expired. */
export function revokeToken(
  ctx: ServiceContext,
  options: { jti: string; expiresAt: number },
): void {
  ctx.db.transaction((tx) => {
    tx.delete(revokedTokens).where(lt(revokedTokens.expiresAt, ctx.now())).run();
    tx.insert(revokedTokens).values(options).onConflictDoNothing().run();
  });
}

/** Whether a token id was revoked. */
export function isTokenRevoked(ctx: ServiceContext, jti: string): boolean {
  return (
    ctx.db
      .select({ jti: revokedTokens.jti })
      .from(revokedTokens)
      .where(eq(revokedTokens.jti, jti))
      .get() !== undefined
  );
}
