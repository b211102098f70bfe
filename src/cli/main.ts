import { Command, CommanderError } from "commander";
import { registerLocalCommands } from "./local-commands";
import { EXIT, toCliError } from "./remote/errors";
import { registerLoginCommands } from "./remote/login";
import { terminalText } from "./remote/output";
import { registerSnapshotCommands } from "./remote/snapshots";
import { registerTransferCommands } from "./remote/transfer";
import { registerWorkloadCommands } from "./remote/workloads";

const program = new Command("berth")
  .description(
    "Berth command line. user, token, secrets and recover work on this machine's data dir (BERTH_DATA_DIR, default ./data); " +
      "the other commands talk to a running server (berth login, or BERTH_SERVER and BERTH_TOKEN).",
  )
  // Usage errors throw (exit 2 below) instead of exiting with commander's 1; subcommands inherit it.
  .exitOverride();

registerLocalCommands(program);
registerLoginCommands(program);
registerWorkloadCommands(program);
const snapshot = program.command("snapshot").description("list, create, download, import, restore and delete snapshots");
registerSnapshotCommands(snapshot, program);
registerTransferCommands(snapshot);

/** 0 ok, 1 failed, 2 usage, 3 auth: scripts branch on these. */
async function run(): Promise<number> {
  try {
    await program.parseAsync();
    return EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed the problem (or the help / version asked for).
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ? EXIT.ok : EXIT.usage;
    }
    const failure = toCliError(error);
    // The message is often the server's: printed as text, never as terminal control sequences.
    console.error(terminalText(`berth: ${failure.message}${failure.reason ? ` (${failure.reason})` : ""}`));
    return failure.exitCode;
  }
}

const code = await run();
// Output first, then exit: a progress stream or a kept-alive connection must not hold the process.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
process.exit(code);
