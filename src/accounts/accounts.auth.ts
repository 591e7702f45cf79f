// Who is calling: a bearer API token (a wrong one is refused at once), else a session cookie.
// The platform asks this through the accounts manifest's `authenticate`.
import type { FastifyRequest } from 'fastify';
import type { AppContext } from '../platform/context.js';
import { SESSION_COOKIE, type AuthUser } from '../platform/http/access.js';
import { HttpError } from '../platform/http/errors.js';
import { userFromApiToken, userFromSession } from './accounts.service.js';

export async function authenticate(req: FastifyRequest, ctx: AppContext): Promise<AuthUser | null> {
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer ')) {
    const user = await userFromApiToken(ctx.db, auth.slice(7).trim(), ctx.now());
    if (!user) throw new HttpError(401, 'invalid_token', 'The API token is invalid or revoked');
    return user;
  }
  const token = req.cookies[SESSION_COOKIE];
  return token ? userFromSession(ctx.db, token, ctx.now()) : null;
}
