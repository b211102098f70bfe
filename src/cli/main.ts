import { Command, InvalidArgumentError, Option } from "commander";
import password from "@inquirer/password";
import fs from "node:fs";
import { databaseUrl } from "~/server/database-url";
import { createEngineDeps } from "~/server/create-engine-deps";
import { recoverAtStart } from "~/server/engine/restore/recovery";
import { lockDataDir } from "~/server/data-dir-lock";
import { createDb } from "~/server/db";
import { systemActor } from "~/server/engine/actor";
import { createApiToken } from "~/server/engine/api-tokens";
import { DomainError } from "~/server/engine/errors";
import { createUser, setUserPassword } from "~/server/engine/users";
import { rotateSecretKey } from "~/server/secret-key";
import { engineSettingsFromEnv, InvalidConfigurationError } from "~/server/settings";
import type { EngineDeps } from "~/server/engine/deps";

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
    const first = await password({ message: "Password (at least 8 characters):", mask: "*" });
    const again = await password({ message: "Repeat it:", mask: "*" });
    if (first !== again) throw new DomainError("BAD_REQUEST", "The two passwords differ");
    return first;
  }
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  return input.split(/\r?\n/)[0] ?? "";
}

/**
 * The engine's deps as the server builds them (the same validated settings, the same
 * composition root), for one command; the database must exist (the server creates it).
 */
async function withDeps<T>(fn: (deps: EngineDeps) => Promise<T>, opts: { lockDataDir?: boolean } = {}): Promise<T> {
  const settings = engineSettingsFromEnv();
  // Held until exit, taken before the database is opened.
  if (opts.lockDataDir) await lockDataDir(settings.dataDir);
  const file = databaseUrl().replace(/^file:/, "");
  if (!fs.existsSync(file)) {
    throw new DomainError("PRECONDITION_FAILED", `no database at ${file}; run \`npm start\` once (or set BERTH_DATA_DIR)`);
  }
  const db = createDb();
  try {
    return await fn(createEngineDeps(db, settings));
  } finally {
    await db.$disconnect();
  }
}

const actor = systemActor("cli");
const program = new Command("berth").description("Berth command line (uses BERTH_DATA_DIR, default ./data)");

const user = program.command("user").description("manage users");
user
  .command("add")
  .description("create a user")
  .requiredOption("--email <email>")
  .option("--name <name>")
  .addOption(roleOption())
  .option("--password <password>", "omit to be prompted (or pipe it on stdin)")
  .action(async (opts: { email: string; name?: string; role: "ADMIN" | "VIEWER"; password?: string }) => {
    const pw = await readPassword(opts.password);
    const created = await withDeps((deps) => createUser(deps, actor, { ...opts, password: pw }));
    console.log(`created ${created.role.toLowerCase()} ${created.email}`);
  });
user
  .command("passwd")
  .description("set a user's password")
  .requiredOption("--email <email>")
  .option("--password <password>", "omit to be prompted (or pipe it on stdin)")
  .action(async (opts: { email: string; password?: string }) => {
    const pw = await readPassword(opts.password);
    await withDeps((deps) => setUserPassword(deps, actor, { email: opts.email, password: pw }));
    console.log(`password updated for ${opts.email}`);
  });

program
  .command("token")
  .description("manage API tokens")
  .command("create")
  .description("create an API token and print its secret once")
  .requiredOption("--name <name>")
  .addOption(roleOption())
  .option("--expires-in-days <days>", "the token stops working after this many days (default: never)", (v) => Number(v))
  .action(async (opts: { name: string; role: "ADMIN" | "VIEWER"; expiresInDays?: number }) => {
    const { secret } = await withDeps((deps) => createApiToken(deps, actor, opts));
    console.error(`created ${opts.role.toLowerCase()} token '${opts.name}'; the secret is shown only now:`);
    console.log(secret);
  });

program
  .command("secrets")
  .description("manage the key that seals secret env values at rest")
  .command("rotate-key")
  .description("replace <data dir>/secret-key with a new random key and re-seal every stored secret with it")
  .action(async () => {
    // Refused while the server (or a recover) holds the data dir: it would keep the old key.
    const report = await withDeps(rotateSecretKey, { lockDataDir: true });
    console.log(`new secret key in place; re-sealed the secrets of ${report.resealed} workload(s), alert target(s) and storage target(s)`);
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
    // Refused while the server (which recovers at start) or another recover holds the data dir.
    const reports = await withDeps(
      async (deps) => {
        const recovered = await recoverAtStart(deps, systemActor("cli:recover"));
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

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof DomainError || error instanceof InvalidConfigurationError) {
    console.error(`berth: ${error.message}`);
  } else if ((error as { code?: string }).code === "P2021") {
    console.error("berth: the database has no tables yet; run `npm start` once (it applies migrations)");
  } else {
    console.error("berth:", error);
  }
  process.exitCode = 1;
}
