import { spawn } from "node:child_process";
import fs from "node:fs";
import type { Socket } from "node:net";
import path from "node:path";
import { DomainError } from "./engine/errors";

const CONFLICT = 75;
const lockFile = (dataDir: string) => path.join(dataDir, "berth.lock");

export interface DataDirLock {
  /** for tests; the server and `berth recover` hold the lock until they exit */
  release(): Promise<void>;
}

/**
 * One Berth process per data dir (the server, or `berth recover`), taken before boot
 * recovery: recovery and restores move volume folders and assume nobody else does.
 * A real flock(2), held by util-linux's `flock` running `cat` on a pipe from this process:
 * however this process ends (SIGKILL included) the pipe closes, `cat` and `flock` exit and
 * the kernel drops the lock. A second process is refused at once, naming the holder.
 */
export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const file = lockFile(dataDir);
  const child = spawn(
    "flock",
    ["--exclusive", "--nonblock", "--conflict-exit-code", String(CONFLICT), file, "sh", "-c", "echo locked; exec cat >/dev/null"],
    {
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child.once("error", (error) =>
      reject(new DomainError("PRECONDITION_FAILED", `cannot lock the data dir: ${error.message} (Berth needs util-linux's flock)`)),
    );
    child.once("exit", (code) => {
      if (code !== CONFLICT) return reject(new DomainError("PRECONDITION_FAILED", `cannot lock the data dir: flock exited with ${code}`));
      const holder = fs.readFileSync(file, "utf8").trim();
      reject(
        new DomainError(
          "CONFLICT",
          `another Berth process${holder ? ` (pid ${holder})` : ""}, the server or \`berth recover\`, is using this data dir; stop it first`,
        ),
      );
    });
    child.stdout.once("data", () => resolve());
  });
  child.removeAllListeners("exit");
  child.stdout.destroy();
  // The lock must not keep a CLI alive, nor end before this process does.
  (child.stdin as unknown as Socket).unref();
  child.unref();
  fs.writeFileSync(file, String(process.pid));
  // Closing the pipe ends `cat`, which holds the lock's file descriptor, and then `flock`.
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { release: () => (child.stdin.end(), exited) };
}
