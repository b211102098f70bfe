import { spawnSync } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "../..");

/** The crash matrix's restore child (restore-child.ts) in its own process; `crashAt` SIGKILLs it there. */
export function restoreChild(args: string[], crashAt = "") {
  return spawnSync(process.execPath, ["--import", "tsx", path.join(root, "test/support/restore-child.ts"), ...args], {
    cwd: root,
    env: { ...process.env, BERTH_CRASH_AT: crashAt },
    encoding: "utf8",
    timeout: 120_000,
  });
}
