// One typed configuration schema: environment first, then CLI flags on top.
import { isIP } from 'node:net';
import path from 'node:path';
import { z } from 'zod';

// Behind a reverse proxy every request comes from the proxy's address; the client's is in
// X-Forwarded-For, which anyone can write. Off (false): the socket's address is the client's.
// On: the proxies are the addresses or CIDR ranges listed ('on' = 'loopback', a proxy on this
// machine; 'linklocal' and 'uniquelocal' name the other private ranges). The client's address is
// the nearest X-Forwarded-For entry not written by a listed proxy, so what a client wrote there
// itself is never believed. A count of hops is refused: it cannot tell a proxy from a client
// that connects directly.
const proxyRangeNames = new Set(['loopback', 'linklocal', 'uniquelocal']);
const isProxyRange = (s: string) => {
  if (proxyRangeNames.has(s)) return true;
  const [address, bits, extra] = s.split('/');
  const version = isIP(address);
  if (!version || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
};
const trustProxySetting = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim().toLowerCase();
    if (['', 'false', 'off', 'no', '0'].includes(s)) return false;
    if (['true', 'on', 'yes', '1'].includes(s)) return ['loopback'];
    return s.split(',').map((part) => part.trim());
  },
  z.union([z.literal(false), z.array(z.string().refine(isProxyRange, 'must be off, on (a proxy on this machine), or the addresses/CIDR ranges of your proxies separated by commas')).min(1)]),
);

export const configSchema = z.object({
  port: z.coerce.number().int().min(0).max(65535).default(3000),
  host: z.string().min(1).default('127.0.0.1'),
  dataDir: z.string().min(1).default('./data'),
  databaseUrl: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must start with postgres:// or postgresql://')
    .optional(),
  // Where outgoing mail goes: an smtp:// URL, or unset for the local outbox.
  smtpUrl: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  // Public base URL used in links inside emails.
  publicUrl: z.string().url().optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // Run the job worker inside the server process.
  worker: z.coerce.boolean().default(true),
  // whose X-Forwarded-For gives the client's address (rate limits, audit log): see above
  trustProxy: trustProxySetting.default(false),
});

export type Config = z.infer<typeof configSchema> & { publicUrl: string };

export class ConfigError extends Error {}

const envNames: Record<string, keyof z.input<typeof configSchema>> = {
  PORT: 'port',
  HOST: 'host',
  KEEPWELL_DATA_DIR: 'dataDir',
  DATABASE_URL: 'databaseUrl',
  SMTP_URL: 'smtpUrl',
  KEEPWELL_PUBLIC_URL: 'publicUrl',
  LOG_LEVEL: 'logLevel',
  KEEPWELL_TRUST_PROXY: 'trustProxy',
};

/** Reads config from env and flags; a bad value throws a ConfigError naming the setting. */
export function loadConfig(env: Record<string, string | undefined> = process.env, flags: Partial<Record<keyof z.input<typeof configSchema>, unknown>> = {}): Config {
  const raw: Record<string, unknown> = {};
  const source: Record<string, string> = {};
  for (const [envName, key] of Object.entries(envNames)) {
    const value = env[envName];
    if (value !== undefined && value !== '') {
      raw[key] = value;
      source[key] = envName;
    }
  }
  for (const [key, value] of Object.entries(flags)) {
    if (value !== undefined) {
      raw[key] = value;
      source[key] = `--${key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())}`;
    }
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0]);
    throw new ConfigError(`Invalid ${source[key] ?? key} (${JSON.stringify(raw[key])}): ${issue.message}`);
  }
  const config = parsed.data;
  return {
    ...config,
    dataDir: path.resolve(config.dataDir),
    publicUrl: config.publicUrl ?? `http://localhost:${config.port}`,
  };
}
