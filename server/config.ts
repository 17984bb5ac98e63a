import { resolve } from 'node:path';

/**
 * All configuration comes from environment variables, parsed and checked once at start-up.
 * A bad value stops the server with a message naming the variable (never a silent default).
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  mongodbUri?: string;
  mongodbDatabase: string;
  /** Public URL of the server (no trailing slash); links in responses and emails are built from it. */
  baseUrl: string;
  /** `${baseUrl}/fhir/R4` */
  fhirBaseUrl: string;
  production: boolean;
  seedDemo: boolean;
  mail: {
    /** smtp:// or smtps:// URL of the mail relay; absent only outside production (mail is then logged, not sent). */
    smtpUrl?: string;
    /** The From of every e-mail the server sends, e.g. `Patient portal <no-reply@portal.example.org>`. */
    from: string;
  };
  logLevel: string;
  /** How long a portal invitation's link works (INVITATION_TTL_DAYS, default 14; decision 0029). */
  invitationTtlDays: number;
  /** The largest document (Binary content) an upload may carry; streamed, never held in memory (decision 0022). */
  binaryLimitBytes: number;
  limits: {
    bodyBytes: number;
    jsonDepth: number;
    searchDefaultCount: number;
    searchMaxCount: number;
    searchMaxOrValues: number;
    bundleMaxEntries: number;
  };
  /** FHIR API rate limits (server/ops/fhir-rate-limits.ts, docs/decisions/0012): requests per window. */
  rateLimits: {
    windowMs: number;
    /** Per client IP, counting the requests that end without a valid token. */
    anonymousPerIp: number;
    /** Per access token. */
    perToken: number;
  };
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;

/** For commands (server, reindex): a bad configuration prints its message and exits with 2. */
export function loadConfigOrExit(env: Env = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    throw err;
  }
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
      return fallback;
    }
    return n;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = env[name]?.toLowerCase();
    if (raw === undefined || raw === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false, got '${env[name]}'`);
    return fallback;
  };

  const port = int('PORT', 8080, 0, 65535);
  const host = env.HOST || '127.0.0.1';
  const baseUrl = parseBaseUrl(env.BASE_URL, port, problems);
  const mongodbUri = env.MONGODB_URI || undefined;
  if (mongodbUri && !/^mongodb(\+srv)?:\/\//.test(mongodbUri))
    problems.push(`MONGODB_URI must start with mongodb:// or mongodb+srv://`);
  const production = env.NODE_ENV === 'production';
  const mail = parseMail(env, baseUrl, production, problems);
  const logLevel = env.LOG_LEVEL || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel))
    problems.push(`LOG_LEVEL '${logLevel}' is not a pino level`);

  const config: Config = {
    port,
    host,
    dataDir: resolve(env.DATA_DIR || './data'),
    mongodbUri,
    mongodbDatabase: env.MONGODB_DATABASE || 'patient_portal',
    baseUrl,
    fhirBaseUrl: `${baseUrl}/fhir/R4`,
    production,
    // Demo data comes with demo accounts (a published password): never by default in production.
    seedDemo: bool('SEED_DEMO', !production),
    logLevel,
    mail,
    invitationTtlDays: int('INVITATION_TTL_DAYS', 14, 1, 90),
    binaryLimitBytes: int('BINARY_LIMIT_BYTES', 50 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    limits: {
      bodyBytes: int('BODY_LIMIT_BYTES', 16 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      jsonDepth: int('JSON_DEPTH_LIMIT', 64, 8, 1000),
      searchDefaultCount: int('SEARCH_DEFAULT_COUNT', 20, 1, 1000),
      searchMaxCount: int('SEARCH_MAX_COUNT', 1000, 1, 10000),
      searchMaxOrValues: int('SEARCH_MAX_OR_VALUES', 100, 1, 10000),
      bundleMaxEntries: int('BUNDLE_MAX_ENTRIES', 5000, 1, 100000),
    },
    rateLimits: {
      windowMs: int('FHIR_RATE_LIMIT_WINDOW_SECONDS', 60, 1, 3600) * 1000,
      anonymousPerIp: int('FHIR_RATE_LIMIT_ANONYMOUS', 1000, 1, 1_000_000_000),
      perToken: int('FHIR_RATE_LIMIT_PER_TOKEN', 120_000, 1, 1_000_000_000),
    },
  };
  if (problems.length) throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return config;
}

function parseBaseUrl(raw: string | undefined, port: number, problems: string[]): string {
  if (!raw) return `http://localhost:${port}`;
  try {
    const url = new URL(raw);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
    if (url.search || url.hash || url.username) throw new Error('extra parts');
    return url.toString().replace(/\/+$/, '');
  } catch {
    problems.push(`BASE_URL must be an http(s) URL without query, fragment or credentials, got '${raw}'`);
    return `http://localhost:${port}`;
  }
}

const MAILBOX = /^[^\s@<>]+@[^\s@<>]+$/;

function parseMail(env: Env, baseUrl: string, production: boolean, problems: string[]): Config['mail'] {
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl) {
    let protocol = '';
    try {
      protocol = new URL(smtpUrl).protocol;
    } catch {
      // reported below
    }
    if (protocol !== 'smtp:' && protocol !== 'smtps:') problems.push(`SMTP_URL must be an smtp:// or smtps:// URL`); // never echo it: it may hold a password
  } else if (production) {
    problems.push('SMTP_URL is required when NODE_ENV=production (password-reset e-mails must be sent, not logged)');
  }
  const from = env.MAIL_FROM || `Patient portal <no-reply@${new URL(baseUrl).hostname}>`;
  // `Name <address>` or a bare address; no line breaks (they would inject headers).
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  if (/[\r\n]/.test(from) || !MAILBOX.test(address.trim()))
    problems.push(`MAIL_FROM must be an address or 'Name <address>', got '${from}'`);
  return { ...(smtpUrl ? { smtpUrl } : {}), from };
}
