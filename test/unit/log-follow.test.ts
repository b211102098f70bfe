// Following a log (logs-panel.tsx): the next poll's `since` is the newest time seen, not the
// last line's, and a line that comes back in two polls is shown once.
import { describe, expect, it } from "vitest";
import { newestTime, unseenLines } from "~/components/workloads/log-follow";
import type { LogLine } from "~/server/engine/container-runtime";

const at = (s: number) => `2026-01-01T00:00:${String(s).padStart(2, "0")}.000000000Z`;
const line = (s: number, text: string, stream: LogLine["stream"] = "stdout"): LogLine => ({ time: at(s), stream, text });

describe("following a log", () => {
  it("the cursor is the newest time, also when stderr's older line came last", () => {
    const lines = [line(1, "a"), line(5, "b"), line(3, "late", "stderr")];
    expect(newestTime(lines)).toBe(at(5));
    expect(newestTime([], at(2))).toBe(at(2));
    expect(newestTime([line(1, "a")], at(2))).toBe(at(2));
    expect(newestTime([])).toBeUndefined();
  });

  it("appends only lines not shown yet, by time, stream and text", () => {
    const shown = [line(1, "a"), line(2, "b")];
    const fresh = [line(2, "b"), line(2, "b", "stderr"), line(2, "c"), line(3, "d"), line(3, "d")];
    expect(unseenLines(shown, fresh)).toEqual([line(2, "b", "stderr"), line(2, "c"), line(3, "d")]);
    expect(unseenLines(shown, [])).toEqual([]);
  });
});
