import type { Command } from "commander";
import { connect, type Remote } from "./client";
import { CliError, EXIT } from "./errors";
import { printJson, printTable } from "./output";

export const workloadRefHelp = "a workload id, or project/stage/name";

/** A workload by its id or by `project/stage/name`, as `berth workloads` lists them. */
export async function resolveWorkload(remote: Remote, ref: string) {
  const workloads = await remote.api.workload.list.query();
  const found = workloads.find((w) => w.id === ref || `${w.projectSlug}/${w.stageSlug}/${w.name}` === ref);
  if (!found) throw new CliError(`Workload not found: ${ref}`, EXIT.failed, "not-found");
  return found;
}

export function registerWorkloadCommands(program: Command) {
  program
    .command("workloads")
    .description("list workloads (project/stage/name, status, id)")
    .option("--json", "print JSON")
    .action(async (opts: { json?: boolean }) => {
      const remote = await connect();
      const workloads = await remote.api.workload.list.query();
      if (opts.json) return printJson(workloads);
      printTable(
        ["WORKLOAD", "STATUS", "IMAGE", "ID"],
        workloads.map((w) => [`${w.projectSlug}/${w.stageSlug}/${w.name}`, w.status.state, w.image, w.id]),
      );
    });
}
