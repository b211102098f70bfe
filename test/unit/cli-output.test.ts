import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { printTable, terminalText } from "~/cli/remote/output";
import { progressReporter } from "~/cli/remote/progress";

// A phase or label as a hostile server could send it: retitle the window, clear the screen, a C1 CSI.
const hostile = "staging\x1b]0;pwned\x07\x1b[2J\x9b31m\r\nnext\x7f";

/** A stream that says it is a terminal, collecting what is written to it. */
function terminal() {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 200 });
  let written = "";
  stream.on("data", (d: Buffer) => (written += d.toString("latin1")));
  return { stream: stream as unknown as NodeJS.WriteStream, written: () => written };
}

describe("the CLI's terminal output", () => {
  it("drops control characters (C0, ESC, DEL, C1) from server text; line breaks become spaces", () => {
    expect(terminalText(hostile)).toBe("staging]0;pwned[2J31m  next");
    expect(terminalText("plain text: ünïcode ok")).toBe("plain text: ünïcode ok");
  });

  it("draws the progress bar with its own escape (clear line) only, never the server's", () => {
    const { stream, written } = terminal();
    const reporter = progressReporter("restore", stream);
    reporter.update({ phase: hostile, bytesDone: 1, bytesTotal: 2 });
    reporter.done();
    const out = written();
    expect(out).toContain("restore staging]0;pwned[2J31m  next [");
    // Only "\r\x1b[2K" (ours) carries an escape; nothing of the server's survives.
    expect(out.replaceAll("\r\x1b[2K", "")).not.toMatch(/[\x00-\x1f\x7f-\x9f]/);
  });

  it("prints one plain line per phase when not on a terminal, without control characters", () => {
    const stream = new PassThrough();
    let out = "";
    stream.on("data", (d: Buffer) => (out += d.toString("latin1")));
    const reporter = progressReporter("import", stream as unknown as NodeJS.WriteStream);
    reporter.update({ phase: hostile, bytesDone: 0, bytesTotal: 0 });
    expect(out).toBe("import: staging]0;pwned[2J31m  next\n");
  });

  it("prints table cells (labels, details) without control characters", () => {
    let out = "";
    printTable(["ID", "LABEL"], [["s1", hostile]], { write: (t: string) => ((out += t), true) });
    expect(out).toBe("ID  LABEL\ns1  staging]0;pwned[2J31m  next\n");
  });
});
