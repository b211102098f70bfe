import readline from "node:readline/promises";
import { CliError, EXIT, usageError } from "./errors";
import { terminalText } from "./output";

/**
 * `--yes` goes ahead; on a terminal the user is asked; a script without `--yes` is a usage
 * error: something that replaces or deletes data is never done by default.
 */
export async function confirmOrExit(question: string, yes: boolean | undefined): Promise<void> {
  if (yes) return;
  if (!process.stdin.isTTY || !process.stderr.isTTY) throw usageError("refusing without --yes (no terminal to ask)");
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await rl.question(`${terminalText(question)} [y/N] `);
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("cancelled", EXIT.failed, "cancelled");
  } finally {
    rl.close();
  }
}
