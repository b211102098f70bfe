// C0 controls (ESC among them), DEL and C1 controls (0x9b is a one-byte CSI on some terminals).
const CONTROLS = /[\u0000-\u001f\u007f-\u009f]/g;
const C1_AND_DEL = /[\u007f-\u009f]/g;

/**
 * Text from the server (a phase, a message, a label) as it may reach a terminal: a control
 * character could move the cursor, retitle the window or hide what follows. Line breaks and
 * tabs become spaces; the rest are dropped.
 */
export const terminalText = (value: string) => value.replace(/[\t\n\r]/g, " ").replace(CONTROLS, "");

/** One line for people on stdout, made safe for a terminal. */
export const say = (line: string) => process.stdout.write(`${terminalText(line)}\n`);

/**
 * Machine output: one JSON document on stdout; bigints (sizes) as numbers, dates as ISO strings.
 * JSON escapes C0 controls itself; DEL and C1 are escaped too (the same JSON, safe on a terminal).
 */
export function printJson(value: unknown) {
  const text = JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? Number(v) : v), 2);
  process.stdout.write(`${text.replace(C1_AND_DEL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)}\n`);
}

/** A plain table for people: a header row, columns padded to their widest cell. */
export function printTable(
  headers: string[],
  rows: (string | number | null | undefined)[][],
  out: Pick<NodeJS.WriteStream, "write"> = process.stdout,
) {
  if (rows.length === 0) {
    out.write("(none)\n");
    return;
  }
  const cells = [headers, ...rows.map((row) => row.map((c) => (c === null || c === undefined ? "-" : terminalText(String(c)))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]?.length ?? 0)));
  for (const row of cells) out.write(`${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join("  ")}\n`);
}

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB"];

export function formatBytes(value: number | bigint): string {
  let n = Number(value);
  let unit = 0;
  while (n >= 1024 && unit < UNITS.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} B` : `${n.toFixed(1)} ${UNITS[unit]}`;
}

/** A date as the CLI shows it: UTC, to the second. */
export const formatDate = (value: Date | string | null | undefined) =>
  value
    ? new Date(value)
        .toISOString()
        .replace("T", " ")
        .replace(/\.\d+Z$/, "Z")
    : null;

export const formatMs = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : `${(ms / 1000).toFixed(1)} s`);
