import type { LogLine } from "~/server/engine/container-runtime";

// Following a log: the next poll asks for the lines written after the newest time seen. Docker
// reads stdout and stderr apart, so the last line shown is not always the newest: the cursor is
// the maximum, and a line that comes twice (two polls around one time) is shown once.

/** The newest time among `lines`, or `since` when none is newer (log times of one zone sort as strings). */
export function newestTime(lines: readonly LogLine[], since?: string): string | undefined {
  let newest = since;
  for (const line of lines) if (newest === undefined || line.time > newest) newest = line.time;
  return newest;
}

const keyOf = (line: LogLine) => `${line.time}\u0000${line.stream}\u0000${line.text}`;

/** The lines of `fresh` not already in `shown` (nor earlier in `fresh`), by time, stream and text. */
export function unseenLines(shown: readonly LogLine[], fresh: readonly LogLine[]): LogLine[] {
  const seen = new Set(shown.map(keyOf));
  return fresh.filter((line) => {
    const key = keyOf(line);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
