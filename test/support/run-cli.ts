import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Runs one of the operator's commands (server/cli/<name>.ts) as a child process, the way `npm run <name>` does. */
const run = promisify(execFile);
const CLI_DIR = join(import.meta.dirname, '..', '..', 'server', 'cli');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `env` is the whole environment (e.g. `cliEnv(dataDir)`); `input` is written to stdin (which is
 * closed either way, so a command that prompts fails instead of waiting). A non-zero exit is a
 * result, not an error: tests check the code and the messages.
 */
export async function runCli(
  name: string,
  args: string[],
  options: { env: NodeJS.ProcessEnv; input?: string },
): Promise<CliResult> {
  const child = run(process.execPath, [join(CLI_DIR, `${name}.ts`), ...args], { env: options.env });
  child.child.stdin?.end(options.input);
  try {
    const { stdout, stderr } = await child;
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as CliResult;
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** The environment of a command on the SQLite store in `dataDir` (never a MongoDB one), quiet unless something goes wrong. */
export function cliEnv(
  dataDir: string,
  baseUrl = 'http://127.0.0.1:8080',
  extra: Record<string, string> = {},
): NodeJS.ProcessEnv {
  return { ...process.env, DATA_DIR: dataDir, BASE_URL: baseUrl, LOG_LEVEL: 'warn', MONGODB_URI: '', ...extra };
}
