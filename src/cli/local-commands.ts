import { type Command, InvalidArgumentError, Option } from "commander";
import type { EngineDeps } from "~/server/engine/deps";
import { CliError, EXIT } from "./remote/errors";

// These commands work on the server's data dir directly. The engine, Prisma and the settings
// are imported only when one of them runs: the remote commands start fast and need no data dir.

const roleOption = () =>
  new Option("--role <role>", "admin or viewer").makeOptionMandatory().argParser((value) => {
    const role = value.toUpperCase();
    if (role !== "ADMIN" && role !== "VIEWER") throw new InvalidArgumentError("must be admin or viewer");
    return role as "ADMIN" | "VIEWER";
  });

/** --password wins; otherwise ask on a terminal, or read one line from piped stdin. */
async function readPassword(given: string | undefined): Promise<string> {
  if (given) return given;
  if (process.stdin.isTTY) {
    const { default: password } = await import("@inquirer/password");
    const first = await password({ message: "Password (at least 8 characters):", mask: "*" });
    const again = await password({ message: "Repeat it:", mask: "*" });
    if (first !== again) throw new CliError("The two passwords differ", EXIT.usage, "usage");
    return first;
  }
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  return input.split(/\r?\n/)[0] ?? "";
}

/** The engine's refusals and bad settings as CLI failures (exit 1, the message without a stack). */
async function asCliError(error: unknown): Promise<unknown> {
  const { DomainError } = await import("~/server/engine/errors");
  const { InvalidConfigurationError } = await import("~/server/settings");
  if (error instanceof DomainError) return new CliError(error.message, EXIT.failed, error.reason ?? error.code);
  if (error instanceof InvalidConfigurationError) return new CliError(error.message, EXIT.failed, "configuration");
  if ((error as { code?: string }).code === "P2021") {
    return new CliError("the database has no tables yet; run `npm start` once (it applies migrations)", EXIT.failed);
  }
  return error;
}

/**
 * The engine's deps as the server builds them (the same validated settings, the same
 * composition root), for one command; the database must exist (the server creates it).
 */
async function withDeps<T>(fn: (deps: EngineDeps) => Promise<T>, opts: { lockDataDir?: boolean } = {}): Promise<T> {
  try {
    const fs = await import("node:fs");
    const { engineSettingsFromEnv } = await import("~/server/settings");
    const { lockDataDir } = await import("~/server/data-dir-lock");
    const { databaseUrl } = await import("~/server/database-url");
    const { createDb } = await import("~/server/db");
    const { createEngineDeps } = await import("~/server/create-engine-deps");
    const settings = engineSettingsFromEnv();
    // Held until exit, taken before the database is opened.
    if (opts.lockDataDir) await lockDataDir(settings.dataDir);
    const file = databaseUrl().replace(/^file:/, "");
    if (!fs.existsSync(file)) {
      throw new CliError(`no database at ${file}; run \`npm start\` once (or set BERTH_DATA_DIR)`, EXIT.failed, "no-database");
    }
    const db = createDb();
    try {
      return await fn(createEngineDeps(db, settings));
    } finally {
      await db.$disconnect();
    }
  } catch (error) {
    throw await asCliError(error);
  }
}

const cliActor = async (label = "cli") => (await import("~/server/engine/actor")).systemActor(label);

export function registerLocalCommands(program: Command) {
  const user = program.command("user").description("manage users (on this machine's data dir)");
  user
    .command("add")
    .description("create a user")
    .requiredOption("--email <email>")
    .option("--name <name>")
    .addOption(roleOption())
    .option("--password <password>", "omit to be prompted (or pipe it on stdin)")
    .action(async (opts: { email: string; name?: string; role: "ADMIN" | "VIEWER"; password?: string }) => {
      const pw = await readPassword(opts.password);
      const { createUser } = await import("~/server/engine/users");
      const created = await withDeps(async (deps) => createUser(deps, await cliActor(), { ...opts, password: pw }));
      console.log(`created ${created.role.toLowerCase()} ${created.email}`);
    });
  user
    .command("passwd")
    .description("set a user's password")
    .requiredOption("--email <email>")
    .option("--password <password>", "omit to be prompted (or pipe it on stdin)")
    .action(async (opts: { email: string; password?: string }) => {
      const pw = await readPassword(opts.password);
      const { setUserPassword } = await import("~/server/engine/users");
      await withDeps(async (deps) => setUserPassword(deps, await cliActor(), { email: opts.email, password: pw }));
      console.log(`password updated for ${opts.email}`);
    });
  for (const [name, disabled] of [
    ["disable", true],
    ["enable", false],
  ] as const) {
    user
      .command(name)
      .description(disabled ? "disable a user: no sign-in, sessions end, API tokens stop" : "enable a disabled user again")
      .requiredOption("--email <email>")
      .action(async (opts: { email: string }) => {
        const { setUserDisabled } = await import("~/server/engine/accounts");
        const { userIdByEmail } = await import("~/server/engine/users");
        await withDeps(async (deps) => setUserDisabled(deps, await cliActor(), { id: await userIdByEmail(deps, opts.email), disabled }));
        console.log(`${disabled ? "disabled" : "enabled"} ${opts.email}`);
      });
  }

  program
    .command("token")
    .description("manage API tokens (on this machine's data dir)")
    .command("create")
    .description("create an API token and print its secret once")
    .requiredOption("--name <name>")
    .addOption(roleOption())
    .option("--expires-in-days <days>", "the token stops working after this many days (default: never)", (v) => Number(v))
    .action(async (opts: { name: string; role: "ADMIN" | "VIEWER"; expiresInDays?: number }) => {
      const { createApiToken } = await import("~/server/engine/api-tokens");
      const { secret } = await withDeps(async (deps) => createApiToken(deps, await cliActor(), opts));
      console.error(`created ${opts.role.toLowerCase()} token '${opts.name}'; the secret is shown only now:`);
      console.log(secret);
    });

  program
    .command("secrets")
    .description("manage the key that seals secret env values at rest")
    .command("rotate-key")
    .description("replace <data dir>/secret-key with a new random key and re-seal every stored secret with it")
    .action(async () => {
      const { rotateSecretKey } = await import("~/server/secret-key");
      // Refused while the server (or a recover) holds the data dir: it would keep the old key.
      const report = await withDeps(rotateSecretKey, { lockDataDir: true });
      console.log(
        `new secret key in place; re-sealed the secrets of ${report.resealed} workload(s), alert target(s) and storage target(s)`,
      );
      for (const u of report.unreadable) {
        if ("alertTargetId" in u)
          console.error(`berth: alert target ${u.alertTargetId}: its URL was sealed with an unknown key; enter it again`);
        else if ("storageTargetId" in u)
          console.error(`berth: storage target ${u.storageTargetId}: its password or key was sealed with an unknown key; enter it again`);
        else console.error(`berth: workload ${u.workloadId}: ${u.key} was sealed with an unknown key; enter it again`);
      }
    });

  program
    .command("recover")
    .description("finish or undo restores cut short by a crash (the server also does this at start)")
    .action(async () => {
      const { recoverAtStart } = await import("~/server/engine/restore/recovery");
      // Refused while the server (which recovers at start) or another recover holds the data dir.
      const reports = await withDeps(
        async (deps) => {
          const recovered = await recoverAtStart(deps, await cliActor("cli:recover"));
          // What the server would finish in the background: the undo copies, saved before exiting.
          await deps.restores.settled();
          return recovered;
        },
        { lockDataDir: true },
      );
      if (reports.length === 0) console.log("no interrupted restores");
      for (const r of reports) {
        console.log(
          `${r.restoreId}: ${r.outcome}${r.workloadId ? ` (workload ${r.workloadId})` : ""}${r.redeployError ? `; redeploy failed: ${r.redeployError}` : ""}`,
        );
      }
    });
}
