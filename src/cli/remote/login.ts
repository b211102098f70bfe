import password from "@inquirer/password";
import type { Command } from "commander";
import { connect } from "./client";
import { configPath, normalizeServer, removeConfigFile, writeConfigFile } from "./config-file";
import { usageError } from "./errors";
import { printJson, say } from "./output";

/** --token wins; otherwise asked on a terminal (not echoed), or the first line of piped stdin. */
async function readToken(given: string | undefined): Promise<string> {
  if (given) return given.trim();
  if (process.stdin.isTTY)
    return (await password({ message: "API token (berth token create, or Settings → API tokens):", mask: "*" })).trim();
  let input = "";
  for await (const chunk of process.stdin) input += chunk;
  return (input.split(/\r?\n/)[0] ?? "").trim();
}

export function registerLoginCommands(program: Command) {
  program
    .command("login")
    .description("save a server and an API token for the remote commands (checked with the server first)")
    .requiredOption("--server <url>", "the server's address, e.g. https://berth.example.com")
    .option(
      "--token <token>",
      "the token as an argument ends up in your shell history and in `ps` for everyone on this machine: " +
        "prefer omitting it to be prompted, or piping it on stdin",
    )
    .option("--json", "print JSON")
    .action(async (opts: { server: string; token?: string; json?: boolean }) => {
      const server = normalizeServer(opts.server);
      const token = await readToken(opts.token);
      if (!token) throw usageError("no token given");
      const remote = await connect({ server, token });
      // A typo or a revoked token is found now, not by the first script that runs.
      const me = await remote.api.me.get.query();
      const file = await writeConfigFile({ server, token });
      if (opts.json) return printJson({ server, label: me.label, role: me.role, configFile: file });
      say(`logged in to ${server} as ${me.label} (${me.role.toLowerCase()}); saved in ${file}`);
    });

  program
    .command("logout")
    .description("forget the saved server and token")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const removed = await removeConfigFile();
      if (opts.json) return printJson({ loggedOut: removed, configFile: configPath() });
      say(removed ? `removed ${configPath()}` : "not logged in");
    });
}
