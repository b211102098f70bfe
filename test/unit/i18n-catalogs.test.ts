/**
 * Keeps messages/en.json and messages/ru.json in step with each other and with the code:
 * same keys, no empty values, the same ICU arguments on both sides, every message
 * formats, and every key the UI asks for (found by a static scan of src/**\/*.tsx) exists.
 */
import fs from "node:fs";
import path from "node:path";
import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import { Role } from "~/generated/prisma/enums";
import { CONTAINER_STATES, RESTART_POLICIES, UNREACHABLE_REASONS, VOLUME_SCOPES } from "~/components/workloads/options";
import { RESTORE_STEP_STATES, RESTORE_STEPS } from "~/components/snapshots/options";
import { ALERT_EVENTS, ALERT_FORMATS } from "~/shared/alerts";
import { COVERAGE_SKIP_REASONS, SKIPPED_ENTRY_TYPES } from "~/shared/coverage";
import { CONTAINER_ACTIONS, ENTITIES, ERROR_REASONS } from "~/shared/error-reasons";
import { LOCALES as APP_LOCALES } from "~/shared/locales";
import { OPERATION_KINDS, OPERATION_PHASES } from "~/shared/operations";
import { RESTORE_OUTCOMES, RESTORE_RUN_DETAILS } from "~/shared/restore";
import { KEEP_RULES } from "~/shared/retention";
import { ROLES } from "~/shared/roles";
import { SNAPSHOT_KINDS } from "~/shared/snapshot-kinds";
import { VALIDATION_MESSAGES, ZOD_ISSUE_CODES } from "~/shared/validation";

const root = path.resolve(import.meta.dirname, "../..");
const LOCALES = ["en", "ru"] as const;
type Catalog = { [key: string]: string | Catalog };

const catalogs = Object.fromEntries(
  LOCALES.map((l) => [l, JSON.parse(fs.readFileSync(path.join(root, "messages", `${l}.json`), "utf8")) as Catalog]),
) as Record<(typeof LOCALES)[number], Catalog>;

/** Flattens a catalog into dotted keys → message; non-string leaves are reported as problems. */
function flatten(catalog: Catalog, prefix = "", out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [key, value] of Object.entries(catalog)) {
    const dotted = prefix ? `${prefix}.${key}` : key;
    if (value !== null && typeof value === "object" && !Array.isArray(value)) flatten(value, dotted, out);
    else out.set(dotted, value);
  }
  return out;
}

const flat = Object.fromEntries(LOCALES.map((l) => [l, flatten(catalogs[l])])) as Record<(typeof LOCALES)[number], Map<string, unknown>>;

/**
 * The arguments of an ICU message, e.g. "{count, plural, one {# item} other {# items}}" →
 * ["count:plural"], and rich-text tags ("<b>…</b>" → ["<b>"]). Throws on unbalanced braces.
 */
function icuArguments(message: string): string[] {
  const args = new Set<string>();
  let i = 0;

  const skipSpace = () => {
    while (i < message.length && /\s/.test(message[i]!)) i++;
  };
  const readWord = () => {
    const start = i;
    while (i < message.length && /[^\s{},]/.test(message[i]!)) i++;
    return message.slice(start, i);
  };

  // Reads literal text and arguments until an unmatched "}" (inside a sub-message) or the end.
  function text(nested: boolean): void {
    while (i < message.length) {
      const c = message[i]!;
      if (c === "'") {
        // '' is a literal apostrophe; '{...}' / '<...>' quote special characters.
        if (message[i + 1] === "'") i += 2;
        else if (/[{}<>#|]/.test(message[i + 1] ?? "")) {
          const end = message.indexOf("'", i + 1);
          i = end === -1 ? message.length : end + 1;
        } else i++;
      } else if (c === "{") {
        i++;
        argument();
      } else if (c === "}") {
        if (!nested) throw new Error(`unmatched "}" at ${i} in ${JSON.stringify(message)}`);
        return;
      } else if (c === "<") {
        const tag = /^<\/?([a-zA-Z][\w-]*)\s*\/?>/.exec(message.slice(i));
        if (tag) {
          args.add(`<${tag[1]}>`);
          i += tag[0].length;
        } else i++;
      } else i++;
    }
    if (nested) throw new Error(`unterminated sub-message in ${JSON.stringify(message)}`);
  }

  function argument(): void {
    skipSpace();
    const name = readWord();
    if (!name) throw new Error(`empty argument at ${i} in ${JSON.stringify(message)}`);
    skipSpace();
    if (message[i] === "}") {
      args.add(name);
      i++;
      return;
    }
    if (message[i] !== ",") throw new Error(`bad argument "${name}" in ${JSON.stringify(message)}`);
    i++;
    skipSpace();
    const type = readWord();
    args.add(`${name}:${type}`);
    skipSpace();
    if (message[i] === "}") {
      i++;
      return;
    }
    if (message[i] !== ",") throw new Error(`bad argument "${name}" in ${JSON.stringify(message)}`);
    i++;
    if (["plural", "select", "selectordinal"].includes(type)) {
      // selector {sub-message} pairs, e.g. "offset:1 one {...} other {...}"
      for (;;) {
        skipSpace();
        if (message[i] === "}") {
          i++;
          return;
        }
        const selector = readWord();
        if (!selector) throw new Error(`bad ${type} in ${JSON.stringify(message)}`);
        if (selector.startsWith("offset:")) continue;
        skipSpace();
        if (message[i] !== "{") throw new Error(`"${selector}" has no sub-message in ${JSON.stringify(message)}`);
        i++;
        text(true);
        i++; // the closing "}"
      }
    }
    // number/date/time style: skip to the matching "}"
    let depth = 1;
    while (i < message.length && depth > 0) {
      if (message[i] === "{") depth++;
      else if (message[i] === "}") depth--;
      i++;
    }
    if (depth > 0) throw new Error(`unterminated argument "${name}" in ${JSON.stringify(message)}`);
  }

  text(false);
  return [...args].sort();
}

// ---- static scan of the UI code -------------------------------------------------------

function listFiles(dir: string, ext: RegExp, out: string[] = []): string[] {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== "generated" && entry.name !== "node_modules") listFiles(p, ext, out);
    } else if (ext.test(entry.name)) out.push(p);
  }
  return out;
}

interface KeyUsage {
  file: string;
  line: number;
  /** Full dotted key, or for a template literal the static prefix ending in "." */
  key: string;
  dynamic: boolean;
}

/**
 * Finds `const t = useTranslations("ns")` / `await getTranslations("ns")` /
 * `getTranslations({ namespace: "ns" })` bindings and the `t("key")`, `t.rich("key")`,
 * `t.markup("key")`, `t.raw("key")` and `t(\`prefix.${x}\`)` calls that use them. A call
 * belongs to the nearest binding of that name above it in the file.
 */
function scanSource(file: string, source: string): KeyUsage[] {
  const bindings: { name: string; ns: string; at: number }[] = [];
  const bindingRe =
    /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:await\s+)?(?:useTranslations|getTranslations)\(\s*(?:(["'`])([^"'`]*)\2|\{[^}]*?namespace:\s*(["'`])([^"'`]*)\4[^}]*\})?\s*\)/g;
  for (const m of source.matchAll(bindingRe)) {
    bindings.push({ name: m[1]!, ns: m[3] ?? m[5] ?? "", at: m.index });
  }
  const usages: KeyUsage[] = [];
  const lineOf = (index: number) => source.slice(0, index).split("\n").length;
  for (const name of new Set(bindings.map((b) => b.name))) {
    const esc = name.replace(/[$]/g, "\\$");
    const callRe = new RegExp(`(?<![\\w$.])${esc}(?:\\.(?:rich|markup|raw))?\\(\\s*(["'\`])((?:(?!\\1)[^\\\\]|\\\\.)*)\\1`, "g");
    for (const m of source.matchAll(callRe)) {
      const binding = bindings.filter((b) => b.name === name && b.at < m.index).at(-1);
      if (!binding) continue;
      const raw = m[2]!;
      const dynamicAt = m[1] === "`" ? raw.indexOf("${") : -1;
      const key = dynamicAt >= 0 ? raw.slice(0, dynamicAt) : raw;
      usages.push({
        file: path.relative(root, file),
        line: lineOf(m.index),
        key: binding.ns ? (key ? `${binding.ns}.${key}` : `${binding.ns}.`) : key,
        dynamic: dynamicAt >= 0,
      });
    }
  }
  return usages;
}

/** Which usages have no message in this catalog. */
function missingKeys(usages: KeyUsage[], keys: Set<string>): KeyUsage[] {
  return usages.filter((u) => {
    if (!u.dynamic) return !keys.has(u.key);
    // `roles.${role}`: at least one message must live under the static prefix.
    const prefix = u.key.endsWith(".") ? u.key : u.key.slice(0, u.key.lastIndexOf(".") + 1);
    return ![...keys].some((k) => k.startsWith(prefix));
  });
}

/**
 * Keys built at run time (t(`roles.${role}`)) cannot be checked one by one from the source,
 * so every such prefix must be declared here with the values it takes.
 */
const DYNAMIC_FAMILIES: Record<string, readonly string[]> = {
  "common.roles.": ROLES,
  "common.languages.": APP_LOCALES,
  "common.languageCodes.": APP_LOCALES,
  "workloads.status.": CONTAINER_STATES,
  "workloads.scopes.": VOLUME_SCOPES,
  "workloads.scopeHints.": VOLUME_SCOPES,
  "workloads.restartPolicies.": RESTART_POLICIES,
  "snapshots.kinds.": SNAPSHOT_KINDS,
  "snapshots.skippedTypes.": SKIPPED_ENTRY_TYPES,
  "snapshotCoverage.reasons.": COVERAGE_SKIP_REASONS,
  "snapshotProgress.kinds.": OPERATION_KINDS,
  "snapshotProgress.phases.": OPERATION_PHASES,
  "restoreDialog.steps.": RESTORE_STEPS,
  "restoreDialog.stepStates.": RESTORE_STEP_STATES,
  "restoreHistory.outcomes.": RESTORE_OUTCOMES,
  "restoreHistory.phases.": RESTORE_STEPS,
  "restoreHistory.details.": RESTORE_RUN_DETAILS,
  "workloads.unreachableReasons.": UNREACHABLE_REASONS,
  "retention.rules.": KEEP_RULES,
  "retention.fields.": KEEP_RULES,
  "alerts.events.": ALERT_EVENTS,
  "alerts.formats.": ALERT_FORMATS,
  "alerts.formatHints.": ALERT_FORMATS,
};

const usages = listFiles(path.join(root, "src"), /\.tsx$/).flatMap((file) => scanSource(file, fs.readFileSync(file, "utf8")));

// ---- tests -----------------------------------------------------------------------------

describe("message catalogs", () => {
  it("have the same keys in every language", () => {
    const [first, ...rest] = LOCALES;
    for (const locale of rest) {
      const missingHere = [...flat[first].keys()].filter((k) => !flat[locale].has(k));
      const extraHere = [...flat[locale].keys()].filter((k) => !flat[first].has(k));
      expect(missingHere, `keys missing from ${locale}.json`).toEqual([]);
      expect(extraHere, `keys missing from ${first}.json`).toEqual([]);
    }
  });

  it("have no empty or non-string values", () => {
    for (const locale of LOCALES) {
      const bad = [...flat[locale]].filter(([, v]) => typeof v !== "string" || v.trim() === "").map(([k]) => k);
      expect(bad, `empty or non-string values in ${locale}.json`).toEqual([]);
    }
  });

  it("use the same ICU arguments in every language", () => {
    const differences: string[] = [];
    for (const [key, en] of flat.en) {
      if (typeof en !== "string") continue;
      const enArgs = icuArguments(en);
      for (const locale of LOCALES.slice(1)) {
        const other = flat[locale].get(key);
        if (typeof other !== "string") continue;
        const otherArgs = icuArguments(other);
        if (JSON.stringify(enArgs) !== JSON.stringify(otherArgs)) {
          differences.push(`${key}: en ${JSON.stringify(enArgs)} vs ${locale} ${JSON.stringify(otherArgs)}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });

  it("format without errors", () => {
    for (const locale of LOCALES) {
      const errors: string[] = [];
      const t = createTranslator({ locale, messages: catalogs[locale], onError: (e) => errors.push(e.message) });
      for (const [key, message] of flat[locale]) {
        if (typeof message !== "string") continue;
        const values: Record<string, string | number> = {};
        for (const arg of icuArguments(message)) {
          if (arg.startsWith("<")) continue;
          const [name, type] = arg.split(":");
          values[name!] = type === "plural" || type === "selectordinal" || type === "number" ? 3 : "x";
        }
        // Tags need rich formatting; plain messages must format as plain text.
        if (icuArguments(message).some((a) => a.startsWith("<"))) continue;
        (t as unknown as (key: string, values: Record<string, string | number>) => string)(key, values);
      }
      expect(errors, `format errors in ${locale}.json`).toEqual([]);
    }
  });
});

/** The argument names of a message, without their types ("count:plural" → "count"), tags left out. */
const argumentNames = (message: unknown) =>
  typeof message === "string"
    ? [
        ...new Set(
          icuArguments(message)
            .filter((a) => !a.startsWith("<"))
            .map((a) => a.split(":")[0]),
        ),
      ].sort()
    : [];

describe("the shared vocabulary", () => {
  it("has a message for every error reason, using exactly its params", () => {
    for (const locale of LOCALES) {
      const problems = Object.entries(ERROR_REASONS).flatMap(([reason, params]) => {
        const message = flat[locale].get(`errors.${reason}`);
        if (message === undefined) return [`errors.${reason} is missing`];
        const used = argumentNames(message);
        return JSON.stringify(used) === JSON.stringify([...params].sort())
          ? []
          : [`errors.${reason} uses ${used.join(",")}, not ${params.join(",")}`];
      });
      expect(problems, `error reasons in ${locale}.json`).toEqual([]);
    }
  });

  it("has a message for every zod issue code and every schema message, the English one as the server writes it", () => {
    for (const locale of LOCALES) {
      const keys = [
        ...ZOD_ISSUE_CODES.map((c) => `validation.codes.${c}`),
        ...Object.keys(VALIDATION_MESSAGES).map((k) => `validation.messages.${k}`),
      ];
      expect(
        keys.filter((k) => !flat[locale].has(k)),
        `validation messages missing from ${locale}.json`,
      ).toEqual([]);
    }
    for (const [key, text] of Object.entries(VALIDATION_MESSAGES)) expect(flat.en.get(`validation.messages.${key}`)).toBe(text);
  });

  it("names every entity and container action in the messages that select on them", () => {
    for (const locale of LOCALES) {
      const notFound = String(flat[locale].get("errors.not-found"));
      const actionFailed = String(flat[locale].get("errors.action-failed"));
      expect(
        ENTITIES.filter((e) => !notFound.includes(` ${e} {`)),
        locale,
      ).toEqual([]);
      expect(
        CONTAINER_ACTIONS.filter((a) => !actionFailed.includes(` ${a} {`)),
        locale,
      ).toEqual([]);
    }
  });

  it("lists the roles of the database", () => {
    expect([...ROLES].sort()).toEqual(Object.values(Role).sort());
  });
});

describe("keys used by the UI", () => {
  it("are found by the scan (sanity check of the scanner itself)", () => {
    expect(usages.length).toBeGreaterThan(50);
    expect(usages.some((u) => u.key === "shell.nav.settings")).toBe(true);
  });

  it("exist in every catalog", () => {
    for (const locale of LOCALES) {
      const missing = missingKeys(usages, new Set(flat[locale].keys())).map((u) => `${u.file}:${u.line} ${u.key}`);
      expect(missing, `keys used in src/ but missing from ${locale}.json`).toEqual([]);
    }
  });

  it("built at run time are declared, and every value they take exists", () => {
    const undeclared = usages.filter((u) => u.dynamic && !(u.key in DYNAMIC_FAMILIES)).map((u) => `${u.file}:${u.line} ${u.key}\${…}`);
    expect(undeclared, "add these prefixes and their values to DYNAMIC_FAMILIES").toEqual([]);
    for (const locale of LOCALES) {
      const missing = Object.entries(DYNAMIC_FAMILIES).flatMap(([prefix, values]) =>
        values.map((v) => `${prefix}${v}`).filter((k) => !flat[locale].has(k)),
      );
      expect(missing, `dynamic keys missing from ${locale}.json`).toEqual([]);
    }
  });

  it("scanner: resolves namespaces, nearest bindings and template prefixes", () => {
    const sample = `
      const t = useTranslations("a");
      t("one"); t.rich("two", {}); t(\`roles.\${x}\`);
      function Inner() { const t = await getTranslations({ locale, namespace: "b" }); t('three'); }
      const tc = useTranslations(); tc("top.level");
    `;
    expect(
      scanSource(path.join(root, "x.tsx"), sample)
        .map((u) => `${u.key}${u.dynamic ? "*" : ""}`)
        .sort(),
    ).toEqual(["a.one", "a.roles.*", "a.two", "b.three", "top.level"].sort());
    const keys = new Set(["a.one", "a.roles.ADMIN"]);
    expect(
      missingKeys(scanSource("x.tsx", `const t = useTranslations("a"); t("one"); t(\`roles.\${r}\`); t("gone");`), keys).map((u) => u.key),
    ).toEqual(["a.gone"]);
  });

  it("ICU argument parser handles plurals, nesting and tags", () => {
    expect(icuArguments("Hi {name}, {n, plural, one {# file} other {# files from {dir}}} <b>x</b>")).toEqual(
      ["<b>", "dir", "n:plural", "name"].sort(),
    );
    expect(icuArguments("It''s '{literal}'")).toEqual([]);
    expect(() => icuArguments("broken {name")).toThrow();
  });
});
