/**
 * A snapshot of the network state of the namespace this process runs in (the host's, for
 * the test runner): interfaces, addresses, routes, forwarding switches and firewall rules.
 * The private test engine must leave all of it untouched (issue #11, item 13: a dockerd
 * with --bridge=none in the host's namespace deletes the host's docker0).
 *
 * Only read-only commands run here. Values that change on their own (link carrier state,
 * address and route lifetimes, firewall counters) are left out, so two snapshots of an
 * untouched host compare equal.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";

export type HostNetworkState = Record<string, string[]>;

const SBIN_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, {
    encoding: "utf8",
    env: { ...process.env, PATH: `${process.env.PATH ?? ""}:${SBIN_PATH}`, LC_ALL: "C" },
  });
  if (r.error) return { ok: false, out: (r.error as NodeJS.ErrnoException).code ?? r.error.message };
  return { ok: r.status === 0, out: r.status === 0 ? r.stdout : `exit ${r.status}: ${r.stderr.trim()}` };
}

function ipJson(args: string[]): Array<Record<string, unknown>> {
  const r = run("ip", ["-j", ...args]);
  if (!r.ok) throw new Error(`ip ${args.join(" ")} failed (${r.out}); install iproute2 (scripts/ensure-system-deps.sh)`);
  return JSON.parse(r.out) as Array<Record<string, unknown>>;
}

/** Flags the kernel flips by itself (carrier, operational state). */
const VOLATILE_FLAGS = new Set(["LOWER_UP", "NO-CARRIER", "DORMANT", "M-DOWN", "ECHO"]);

function links(): string[] {
  return ipJson(["link", "show"]).map((l) =>
    JSON.stringify({
      ifindex: l.ifindex,
      ifname: l.ifname,
      link: l.link,
      master: l.master,
      flags: (l.flags as string[]).filter((f) => !VOLATILE_FLAGS.has(f)),
      mtu: l.mtu,
      link_type: l.link_type,
      address: l.address,
    }),
  );
}

function addresses(): string[] {
  return ipJson(["addr", "show"]).flatMap((l) =>
    (l.addr_info as Array<Record<string, unknown>>).map((a) => `${l.ifname} ${a.family} ${a.local}/${a.prefixlen} scope ${a.scope}`),
  );
}

function routes(family: "-4" | "-6"): string[] {
  return ipJson([family, "route", "show", "table", "all"]).map((r) => {
    const { expires: _expires, ...rest } = r; // counts down on RA-learned routes
    return JSON.stringify(rest);
  });
}

function sysctls(): string[] {
  return ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"].map((file) => {
    try {
      return `${file} = ${fs.readFileSync(file, "utf8").trim()}`;
    } catch {
      return `${file} absent`;
    }
  });
}

/** `<tool>`'s output without comments and counters, or [] when the tool is not installed. */
function firewall(cmd: string, args: string[]): string[] {
  const r = run(cmd, args);
  if (!r.ok && r.out === "ENOENT") return [];
  if (!r.ok) return [`${cmd}: ${r.out}`];
  return r.out
    .split("\n")
    .filter((line) => line.trim() && !line.startsWith("#"))
    .map((line) =>
      line
        .replace(/\[\d+:\d+\]/g, "[0:0]")
        .replace(/counter packets \d+ bytes \d+/g, "counter")
        .replace(/ expires \S+/g, ""),
    );
}

export function snapshotHostNetwork(): HostNetworkState {
  return {
    links: links(),
    addresses: addresses(),
    "ipv4 routes": routes("-4"),
    "ipv6 routes": routes("-6"),
    sysctls: sysctls(),
    "iptables-save": firewall("iptables-save", []),
    "ip6tables-save": firewall("ip6tables-save", []),
    "nft list ruleset": firewall("nft", ["list", "ruleset"]),
  };
}

/** Human-readable differences ("links: - {...}", "links: + {...}"); empty when equal. */
export function diffHostNetwork(before: HostNetworkState, after: HostNetworkState): string[] {
  const out: string[] = [];
  for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[key] ?? [];
    const b = after[key] ?? [];
    for (const line of a) if (!b.includes(line)) out.push(`${key}: - ${line}`);
    for (const line of b) if (!a.includes(line)) out.push(`${key}: + ${line}`);
  }
  return out;
}
