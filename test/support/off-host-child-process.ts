import { spawn } from "node:child_process";
import path from "node:path";
import { sleep } from "./host-processes";

const root = path.resolve(import.meta.dirname, "../..");
// How often the parent looks for its own kill condition.
const WATCH_INTERVAL_MS = 50;

export interface ChildEnd {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** the parent's `killWhen` held and the parent sent the SIGKILL */
  killedByParent: boolean;
}

export interface ChildOptions {
  /** BERTH_KILL_AT for the child: it SIGKILLs itself at that point of its own progress (off-host-child.ts) */
  killAt?: string;
  /** looked at while the child runs: once it holds, the parent SIGKILLs the child (a point seen from outside) */
  killWhen?: () => Promise<boolean>;
  /** the child is killed after this long whatever happened (a kill point never reached must not hang the run) */
  timeoutMs?: number;
}

/** The off-host crash child (off-host-child.ts) in its own process; resolves when it has ended, by whatever means. */
export async function offHostChild(args: string[], options: ChildOptions = {}): Promise<ChildEnd> {
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "test/support/off-host-child.ts"), ...args], {
    cwd: root,
    env: { ...process.env, BERTH_KILL_AT: options.killAt ?? "" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const ended = new Promise<Pick<ChildEnd, "code" | "signal">>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code, signal) => resolve({ code, signal }));
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 120_000);
  let running = true;
  let killedByParent = false;
  const watching = (async () => {
    if (!options.killWhen) return;
    while (running) {
      if (await options.killWhen().catch(() => false)) {
        killedByParent = running && child.kill("SIGKILL");
        return;
      }
      await sleep(WATCH_INTERVAL_MS);
    }
  })();
  try {
    const end = await ended;
    return { ...end, stdout, stderr, killedByParent };
  } finally {
    running = false;
    clearTimeout(timer);
    await watching;
  }
}
