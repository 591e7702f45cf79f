// Every route states who may call it in `config.access`; a route without one is refused,
// so forgetting to say is never an open door.
export type Role = 'owner' | 'agent';

/** The web app's session cookie (kept here, not in server.ts, so the CLI need not load Fastify). */
export const SESSION_COOKIE = 'kw_session';

/** public: anyone; staff: any signed-in owner or agent; owner: owners only */
export type Access = 'public' | 'staff' | 'owner';

export interface AuthUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  /** how the caller proved who they are */
  via: 'session' | 'token';
  /** the session's CSRF token, when via session */
  csrfToken?: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
  }
  interface FastifyRequest {
    user: AuthUser | null;
  }
}

export function allowed(access: Access | undefined, user: AuthUser | null): 'ok' | 'anonymous' | 'forbidden' {
  if (access === 'public') return 'ok';
  if (!user) return 'anonymous';
  if (access === 'staff') return 'ok';
  if (access === 'owner') return user.role === 'owner' ? 'ok' : 'forbidden';
  return 'forbidden'; // no access stated
}
