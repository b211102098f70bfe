// Command-line flags (each also settable by an environment variable) for `npm run bench`.
import os from "node:os";
import path from "node:path";

export interface BenchOptions {
  totalBytes: number;
  incompressibleShare: number;
  smallFiles: number;
  seed: string;
  runs: number;
  /** Also capture and restore a dataset of scale × the size, for peak RSS and downtime (0: skip). */
  scale: number;
  workBase: string;
  out: string;
  keep: boolean;
  only: Set<"capture" | "restore" | "download">;
}

const USAGE = `npm run bench -- [options]

  --size <n>[K|M|G]       dataset size (BENCH_SIZE, default 1G)
  --incompressible <0-1>  share of incompressible bytes (BENCH_INCOMPRESSIBLE, default 0.5)
  --small-files <n>       number of small files (BENCH_SMALL_FILES, default 50000)
  --seed <s>              dataset seed (BENCH_SEED, default 1)
  --runs <n>              repetitions per measurement, at least 3 for the report (BENCH_RUNS, default 3)
  --scale <n>             peak RSS and downtime on an n× dataset; 0 skips it (BENCH_SCALE, default 4)
  --quick                 smoke test: 64M, 2000 small files, no scale run
  --only <list>           capture,restore,download (default: all)
  --work-dir <dir>        where the data lives; a disk, not tmpfs (BENCH_WORK_DIR, default the OS temp dir)
  --out <file>            results (default bench/results.json)
  --keep                  keep the work dir`;

function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)([KMG]i?B?)?$/i.exec(text.trim());
  if (!match) throw new Error(`invalid size '${text}'`);
  const unit = (match[2] ?? "").charAt(0).toUpperCase();
  return Math.round(Number(match[1]) * (unit === "G" ? 1024 ** 3 : unit === "M" ? 1024 ** 2 : unit === "K" ? 1024 : 1));
}

export function parseOptions(argv: string[], root: string): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    }
    if (!arg.startsWith("--")) throw new Error(`unexpected argument '${arg}'\n${USAGE}`);
    const [name, inline] = arg.slice(2).split("=", 2) as [string, string | undefined];
    if (name === "quick" || name === "keep") flags.set(name, "1");
    else flags.set(name, inline ?? argv[++i] ?? "");
  }
  const quick = flags.has("quick");
  const pick = (flag: string, envName: string, fallback: string) => flags.get(flag) ?? process.env[envName] ?? fallback;
  const options: BenchOptions = {
    totalBytes: parseSize(pick("size", "BENCH_SIZE", quick ? "64M" : "1G")),
    incompressibleShare: Number(pick("incompressible", "BENCH_INCOMPRESSIBLE", "0.5")),
    smallFiles: Number(pick("small-files", "BENCH_SMALL_FILES", quick ? "2000" : "50000")),
    seed: pick("seed", "BENCH_SEED", "1"),
    runs: Number(pick("runs", "BENCH_RUNS", "3")),
    scale: Number(pick("scale", "BENCH_SCALE", quick ? "0" : "4")),
    workBase: path.resolve(pick("work-dir", "BENCH_WORK_DIR", os.tmpdir())),
    out: path.resolve(root, pick("out", "BENCH_OUT", "bench/results.json")),
    keep: flags.has("keep"),
    only: new Set(
      pick("only", "BENCH_ONLY", "capture,restore,download")
        .split(",")
        .map((s) => s.trim()) as Array<"capture">,
    ),
  };
  if (!(options.incompressibleShare >= 0 && options.incompressibleShare <= 1)) throw new Error("--incompressible must be between 0 and 1");
  if (!(Number.isInteger(options.smallFiles) && options.smallFiles >= 0)) throw new Error("--small-files must be a whole number");
  if (!(Number.isInteger(options.runs) && options.runs >= 1)) throw new Error("--runs must be at least 1");
  if (!(options.scale >= 0)) throw new Error("--scale must be >= 0");
  for (const part of options.only)
    if (!["capture", "restore", "download"].includes(part)) throw new Error(`--only: unknown part '${part}'`);
  return options;
}
