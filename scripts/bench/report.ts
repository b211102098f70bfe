// Turns the benchmark's raw samples into the ratio table (Berth / reference, judged on the
// medians) that `npm run bench` prints and writes to bench/results.json.

export interface Samples {
  /** What was measured, e.g. "tar -czf". */
  label: string;
  unit: "s" | "MB" | "MB/s";
  values: number[];
}

export interface TargetRow {
  metric: string;
  berth: Samples;
  reference?: Samples;
  /** berth / reference (medians), or berth alone when there is no reference. */
  ratio: number;
  target: string;
  /** null: context for another row, not a target */
  pass: boolean | null;
}

export const min = (values: number[]) => Math.min(...values);
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const samples = (label: string, unit: Samples["unit"], values: number[]): Samples => ({ label, unit, values });

/** Wall time, or size: lower is better, ratio must be ≤ limit. */
export function atMost(metric: string, berth: Samples, reference: Samples, limit: number): TargetRow {
  const ratio = median(berth.values) / median(reference.values);
  return { metric, berth, reference, ratio, target: `≤ ${limit.toFixed(2)}`, pass: ratio <= limit };
}

/** Throughput: higher is better, ratio must be ≥ limit. */
export function atLeast(metric: string, berth: Samples, reference: Samples, limit: number): TargetRow {
  const ratio = median(berth.values) / median(reference.values);
  return { metric, berth, reference, ratio, target: `≥ ${limit.toFixed(2)}`, pass: ratio >= limit };
}

/** Not a target: a second reference that shows what bounds a row above (higher is better). */
export function context(metric: string, berth: Samples, reference: Samples): TargetRow {
  return { metric, berth, reference, ratio: median(berth.values) / median(reference.values), target: "(context)", pass: null };
}

/** An absolute cap (e.g. peak RSS in MB): the "ratio" column shows the value itself. */
export function capped(metric: string, berth: Samples, limit: number): TargetRow {
  const value = Math.max(...berth.values);
  return { metric, berth, ratio: value, target: `≤ ${limit} ${berth.unit}`, pass: value <= limit };
}

/** An absolute cap on the median (e.g. downtime in s): the "ratio" column shows the median itself. */
export function cappedMedian(metric: string, berth: Samples, limit: number): TargetRow {
  const value = median(berth.values);
  return { metric, berth, ratio: value, target: `≤ ${limit} ${berth.unit}`, pass: value <= limit };
}

/** Not a target, and nothing to compare with: a value shown as it is (the "ratio" column shows its median). */
export function contextValue(metric: string, berth: Samples): TargetRow {
  return { metric, berth, ratio: median(berth.values), target: "(context)", pass: null };
}

const format = (value: number, unit: Samples["unit"]) =>
  unit === "s" ? `${value.toFixed(2)} s` : `${value.toFixed(unit === "MB" && value < 10 ? 2 : 1)} ${unit}`;

function describe(s: Samples): string {
  if (s.values.length === 1) return format(s.values[0]!, s.unit);
  return `${format(min(s.values), s.unit)} / ${format(median(s.values), s.unit)}`;
}

export function renderTable(rows: TargetRow[]): string {
  const header = ["metric", "Berth (min / median)", "reference (min / median)", "ratio", "target", "result"];
  const lines = rows.map((r) =>
    [
      r.metric,
      describe(r.berth),
      r.reference ? `${r.reference.label}: ${describe(r.reference)}` : "",
      r.reference ? r.ratio.toFixed(3) : format(r.ratio, r.berth.unit),
      r.target,
      r.pass === null ? "" : r.pass ? "pass" : "FAIL",
    ].map((cell) => cell.replace(/\|/g, "\\|")),
  ); // "tar | pigz" must not split a Markdown cell
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  return [row(header), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...lines.map(row)].join("\n");
}
