import { createInterface } from 'node:readline';
import { AccountInputError } from '../auth/accounts/account-store.ts';
import { runAccountCommand, UsageError, USAGE } from '../auth/accounts/account-commands.ts';
import type { CommandIO } from '../auth/accounts/account-commands.ts';
import { PasswordRuleError } from '../auth/accounts/password-rules.ts';
import { FederationInputError } from '../auth/federation/practice-providers.ts';
import { loadConfigOrExit } from '../config.ts';
import { openStorage } from '../storage/open-storage.ts';
import { createLogger } from '../ops/logging.ts';

/**
 * `npm run account -- <command>`: creates accounts, sets passwords and configures federated sign-in
 * (see USAGE in server/auth/accounts/account-commands.ts). Opens the store like the server does
 * (MONGODB_URI or DATA_DIR); safe while the server runs.
 *
 * Exit codes: 0 done, 2 bad usage or input (the message says what), 1 anything else.
 */
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args.length === 0 || args.includes('--help') || args.includes('-h')) {
    console.log(USAGE);
    process.exit(args.length === 0 ? 2 : 0);
  }
  const config = loadConfigOrExit();
  const engine = await openStorage(config, createLogger('warn'));
  const io = terminalIO();
  try {
    await runAccountCommand(args, { engine, production: config.production, io });
  } catch (err) {
    if (
      err instanceof UsageError ||
      err instanceof AccountInputError ||
      err instanceof PasswordRuleError ||
      err instanceof FederationInputError
    ) {
      console.error(err.message);
      if (err instanceof UsageError) console.error(`\n${USAGE}`);
      process.exitCode = 2;
    } else {
      throw err;
    }
  } finally {
    io.close();
    await engine.close();
  }
}

/** Prompts without echo on a terminal; reads one line per answer from a pipe (for scripts). */
function terminalIO(): CommandIO & { close(): void } {
  const piped = pipedLines();
  return {
    async readNewPassword() {
      if (!process.stdin.isTTY) return piped.next('password');
      const first = await promptHidden('New password: ');
      const again = await promptHidden('New password again: ');
      if (first !== again) throw new UsageError('The two passwords are not the same');
      return first;
    },
    async readSecret(prompt) {
      return process.stdin.isTTY ? promptHidden(prompt) : piped.next('secret');
    },
    print: (line) => console.log(line),
    warn: (line) => console.error(line),
    close: () => piped.close(),
  };
}

function pipedLines(): { next(what: string): Promise<string>; close(): void } {
  let lines: AsyncIterator<string> | undefined;
  let rl: ReturnType<typeof createInterface> | undefined;
  return {
    async next(what) {
      rl ??= createInterface({ input: process.stdin, crlfDelay: Infinity });
      lines ??= rl[Symbol.asyncIterator]();
      const line = await lines.next();
      if (line.done) throw new UsageError(`Expected the ${what} on standard input (one line)`);
      return line.value;
    },
    close: () => rl?.close(),
  };
}

/** Reads a line from the terminal in raw mode, echoing nothing; Ctrl-C aborts. */
function promptHidden(prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const stdin = process.stdin;
    process.stderr.write(prompt);
    let value = '';
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (result: string | Error) => {
      stdin.setRawMode(false);
      stdin.pause();
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return done(value);
        if (char === '\u0003') return done(new UsageError('Cancelled'));
        if (char === '\u007f' || char === '\b') value = [...value].slice(0, -1).join('');
        else value += char;
      }
    };
    stdin.on('data', onData);
  });
}

if (import.meta.main) await main();
