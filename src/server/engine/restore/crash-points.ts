/**
 * Named fault points for the crash-matrix tests: when BERTH_CRASH_AT names the point the
 * process is at, it kills itself with SIGKILL — no cleanup, no finally blocks, exactly like
 * a power cut as far as this process is concerned. Unset in production: a no-op.
 */
export function crashPoint(name: string): void {
  if (process.env.BERTH_CRASH_AT === name) process.kill(process.pid, "SIGKILL");
}
