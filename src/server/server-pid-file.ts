import fs from "node:fs";
import path from "node:path";

// `berth recover` undoes restores whose journals it finds; with a server running, one of them
// may be a restore in progress. The server records its pid so the CLI can refuse.
const pidFile = (dataDir: string) => path.join(dataDir, "berth-server.pid");

export function writeServerPidFile(dataDir: string): void {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(pidFile(dataDir), String(process.pid));
  // A killed server leaves the file behind; runningServerPid() then finds no such process.
  process.once("exit", () => fs.rmSync(pidFile(dataDir), { force: true }));
}

/** The pid of a live server on this data dir, or null (no file, or its process is gone). */
export function runningServerPid(dataDir: string): number | null {
  let pid: number;
  try {
    pid = Number.parseInt(fs.readFileSync(pidFile(dataDir), "utf8"), 10);
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM" ? pid : null;
  }
}
