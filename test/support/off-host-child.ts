// A separate process for the off-host crash tests: `copy <copyId>` (one try, runCopy),
// `fetch <copyId>` (fetchCopy) or `test-restore <snapshotId> <command>`, against the test
// database, data dir and Docker engine named in the environment, with the server's own deps
// (src/server/engine-deps.ts), as restore-child.ts does.
//
// BERTH_KILL_AT=`<kind>:<phase>[:<bytes>]` makes it SIGKILL itself once its own operation of
// that kind reports that phase with at least that many bytes done (e.g. `copy:copying:4194304`,
// `copy:verifying`, `fetch:downloading:4194304`). The progress is read after every turn of the
// event loop, not from the throttled events, and no crash point is added to engine code: every
// chunk is a write that needs a turn, so the process dies a chunk or two after the point, and
// long before the step after it (a copy's commit, its `verified`) could happen.
import { engineDeps as deps } from "~/server/engine-deps";
import { systemActor } from "~/server/engine/actor";
import { runCopy } from "~/server/engine/storage/copy-run";
import { fetchCopy } from "~/server/engine/storage/fetch-copy";
import { testRestore } from "~/server/engine/verify/test-restore";

const [command, id, check] = process.argv.slice(2);
const actor = systemActor("test:off-host-child");

/** The workload whose operations the kill point watches. */
async function workloadOf(): Promise<string> {
  if (command === "test-restore") return (await deps.db.snapshot.findUniqueOrThrow({ where: { id: id! } })).workloadId;
  return (await deps.db.snapshotCopy.findUniqueOrThrow({ where: { id: id! } })).workloadId;
}

function killAt(spec: string, workloadId: string): () => void {
  const [kind, phase, bytes = "0"] = spec.split(":");
  let watching = true;
  const look = () => {
    if (!watching) return;
    const reached = deps.operations
      .current(workloadId)
      .some((e) => e.kind === kind && e.phase === phase && !e.done && e.bytesDone >= Number(bytes));
    if (reached) {
      // stderr to a pipe is written synchronously on Linux: the parent reads this line.
      process.stderr.write(`off-host-child: killed at ${spec}\n`);
      process.kill(process.pid, "SIGKILL");
    }
    setImmediate(look);
  };
  setImmediate(look);
  return () => {
    watching = false;
  };
}

try {
  const spec = process.env.BERTH_KILL_AT;
  const stop = spec ? killAt(spec, await workloadOf()) : () => {};
  try {
    if (command === "copy") await runCopy(deps, id!);
    else if (command === "fetch") await fetchCopy(deps, actor, { copyId: id! });
    else if (command === "test-restore") console.log(JSON.stringify(await testRestore(deps, actor, { id: id!, command: check })));
    else throw new Error(`unknown command ${command}`);
  } finally {
    stop();
  }
  await deps.copies.settled();
  await deps.alerts.settled();
} finally {
  await deps.db.$disconnect();
}
