// Host-side helpers for the benchmark: timed shell commands, system packages, machine facts.
import { execFileSync, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";

const SBIN = ["/usr/local/sbin", "/usr/sbin", "/sbin"];

export function have(command: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(":"), ...SBIN].filter(Boolean);
  return dirs.some((dir) => {
    try {
      fs.accessSync(`${dir}/${command}`, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * The tools the benchmark runs: pigz and tar for the reference numbers, dockerd and a static
 * busybox for the private Docker engine the workload runs on. Installed from Debian when
 * missing (as root), like scripts/ensure-system-deps.sh does for the tests, minus Chromium.
 */
export function ensureSystemPackages(): void {
  const missing: string[] = [];
  if (!have("pigz")) missing.push("pigz");
  if (!have("dockerd") || !have("docker")) missing.push("docker.io");
  if (
    !fs.existsSync("/bin/busybox") ||
    !/statically linked|static-pie/.test(spawnSync("file", ["-L", "/bin/busybox"], { encoding: "utf8" }).stdout ?? "static")
  ) {
    missing.push("busybox-static");
  }
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0)
    throw new Error(`missing system packages: ${missing.join(" ")}; install them with: sudo apt-get install -y ${missing.join(" ")}`);
  console.log(`bench: installing ${missing.join(", ")} (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-q"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-q", "--no-install-recommends", ...missing], { stdio: "inherit", env });
}

export interface TimedCommand {
  ms: number;
  stdout: string;
}

/** Runs `bash -c script` and returns its wall time; throws with stderr on failure. */
export function timeShell(script: string, cwd?: string): Promise<TimedCommand> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn("bash", ["-o", "pipefail", "-c", script], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = performance.now() - started;
      if (code === 0) resolve({ ms, stdout });
      else reject(new Error(`\`${script}\` failed (${code}): ${stderr.trim().slice(-2000)}`));
    });
  });
}

/** Flush dirty pages so one measurement's writeback does not land in the next one's time. */
export function settle(dir: string): void {
  execFileSync("sync", ["-f", dir]);
}

export function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function firstLine(command: string, args: string[]): string {
  const r = spawnSync(command, args, { encoding: "utf8" });
  return (r.stdout || r.stderr || "").split("\n")[0]!.trim();
}

export function machineInfo(workDir: string) {
  const cpu = os.cpus();
  const fsType = spawnSync("stat", ["-f", "-c", "%T", workDir], { encoding: "utf8" }).stdout.trim();
  const device = spawnSync("df", ["--output=source", workDir], { encoding: "utf8" }).stdout.split("\n")[1]?.trim();
  return {
    cpu: cpu[0]?.model ?? "unknown",
    cores: os.availableParallelism(),
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kernel: os.release(),
    node: process.version,
    tar: firstLine("tar", ["--version"]),
    pigz: firstLine("pigz", ["--version"]),
    filesystem: `${fsType} on ${device ?? "?"}`,
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}
