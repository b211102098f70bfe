import type { Command } from "commander";
import type { RestoreResult } from "~/server/engine/restore/restore";
import { connect } from "./client";
import { confirmOrExit } from "./confirm";
import { CliError, EXIT } from "./errors";
import { formatBytes, formatDate, formatMs, printJson, printTable, say } from "./output";
import { withOperationProgress } from "./progress";
import { resolveWorkload, workloadRefHelp } from "./workloads";

/**
 * A restore whose data went back but whose workload did not start again is not a success for a
 * script (the service is down): exit 1 with the reason, after the result has been printed.
 */
export function restoreFailure(result: Pick<RestoreResult, "redeployError">): CliError | null {
  if (!result.redeployError) return null;
  return new CliError(
    `the snapshot was restored, but the workload did not start again: ${result.redeployError}`,
    EXIT.failed,
    "redeploy-failed",
  );
}

export function registerSnapshotCommands(snapshot: Command, program: Command) {
  snapshot
    .command("list")
    .description("list a workload's snapshots, newest first")
    .argument("<workload>", workloadRefHelp)
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { json?: boolean }) => {
      const remote = await connect();
      const workload = await resolveWorkload(remote, ref);
      const snapshots = await remote.api.snapshot.list.query({ workloadId: workload.id });
      if (opts.json) return printJson(snapshots);
      printTable(
        ["ID", "CREATED", "KIND", "SIZE", "LABEL"],
        snapshots.map((s) => [s.id, formatDate(s.createdAt), s.kind, formatBytes(s.size), s.label || null]),
      );
    });

  snapshot
    .command("create")
    .description("take a snapshot of a workload's volumes now")
    .argument("<workload>", workloadRefHelp)
    .option("--label <label>", "a label for the snapshot")
    .option("--quiesce", "stop the container while its volumes are read")
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { label?: string; quiesce?: boolean; json?: boolean }) => {
      const remote = await connect();
      const workload = await resolveWorkload(remote, ref);
      const created = await withOperationProgress(remote, workload.id, "capture", () =>
        remote.api.snapshot.create.mutate({ workloadId: workload.id, label: opts.label, quiesce: opts.quiesce ?? false }),
      );
      if (opts.json) return printJson(created);
      say(`created snapshot ${created.id} (${formatBytes(created.size)})`);
    });

  snapshot
    .command("restore")
    .description("restore a snapshot onto its workload (the replaced data is kept as an undo copy)")
    .argument("<workload>", workloadRefHelp)
    .argument("<snapshotId>")
    .option("--yes", "do not ask (required without a terminal)")
    .option("--json", "print JSON")
    .action(async (ref: string, snapshotId: string, opts: { yes?: boolean; json?: boolean }) => {
      const remote = await connect();
      const workload = await resolveWorkload(remote, ref);
      const name = `${workload.projectSlug}/${workload.stageSlug}/${workload.name}`;
      await confirmOrExit(`Restore snapshot ${snapshotId} onto ${name}? Its current data is replaced.`, opts.yes);
      const result = await withOperationProgress(remote, workload.id, "restore", () =>
        // The server asks for the snapshot id as the confirmation the UI has typed.
        remote.api.snapshot.restore.mutate({ workloadId: workload.id, snapshotId, confirm: snapshotId }),
      );
      const failure = restoreFailure(result);
      if (opts.json) {
        printJson(result);
        if (failure) throw failure;
        return;
      }
      say(`restored ${snapshotId} onto ${name} (up after ${formatMs(result.upAfterMs)}; restore run ${result.restoreRunId})`);
      if (result.untouched.length > 0) say(`left as they were (not in the snapshot): ${result.untouched.join(", ")}`);
      if (result.undoCopy === "pending") say("the undo copy of the replaced data is being saved in the background");
      if (failure) throw failure;
    });

  snapshot
    .command("delete")
    .description("delete a snapshot and its file")
    .argument("<id>")
    .option("--yes", "do not ask (required without a terminal)")
    .option("--json", "print JSON")
    .action(async (id: string, opts: { yes?: boolean; json?: boolean }) => {
      const remote = await connect();
      await confirmOrExit(`Delete snapshot ${id}? This cannot be undone.`, opts.yes);
      const result = await remote.api.snapshot.delete.mutate({ id });
      if (opts.json) return printJson({ id, deleted: true, ...result });
      say(`deleted snapshot ${id}`);
    });

  program
    .command("restore-runs")
    .description("a workload's restore history, newest first")
    .argument("<workload>", workloadRefHelp)
    .option("--json", "print JSON")
    .action(async (ref: string, opts: { json?: boolean }) => {
      const remote = await connect();
      const workload = await resolveWorkload(remote, ref);
      const runs = await remote.api.snapshot.restoreRuns.query({ workloadId: workload.id });
      if (opts.json) return printJson(runs);
      printTable(
        ["ID", "STARTED", "SNAPSHOT", "OUTCOME", "DOWNTIME", "DETAIL"],
        runs.map((r) => [r.id, formatDate(r.startedAt), r.snapshotId, r.outcome ?? r.phase, formatMs(r.downtimeMs), r.detail]),
      );
    });
}
