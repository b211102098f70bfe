#!/usr/bin/env bash
# House style in one pass (issue #14): imports of application code through `~/` instead of
# `../../`, then Biome's formatter and its safe fixes. Idempotent: a second run changes nothing.
# Prints what the linter still reports; those need a person (exit status 1 while any remain).
set -euo pipefail
cd "$(dirname "$0")/.."
BIOME="${BIOME:-node_modules/.bin/biome}"

# 1. `~/` imports. src/: a specifier climbing two or more folders into src/ becomes `~/…`;
# test/ and scripts/: any relative specifier into src/ does (vitest's alias and tsx's tsconfig
# paths resolve `~/` there). Targets outside src/ (test/support, package.json) stay relative,
# and so do .mjs files, which plain node runs without the alias.
node --input-type=module - <<'JS'
import fs from "node:fs";
import path from "node:path";

const root = process.cwd();
const src = path.join(root, "src");
const generated = path.join(src, "generated");
const SPECIFIER =
  /(\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.(?:mock|doMock|importActual|importMock)(?:<[^>]*>)?\(\s*)(["'])(\.\.?\/[^"'\n]*)\2/g;

function* files(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (full !== generated && entry.name !== "node_modules") yield* files(full);
    } else if (/\.(ts|tsx|mts|cts)$/.test(entry.name)) yield full;
  }
}

let changedFiles = 0;
let changedImports = 0;
for (const top of ["src", "test", "scripts"]) {
  const base = path.join(root, top);
  if (!fs.existsSync(base)) continue;
  for (const file of files(base)) {
    const inSrc = top === "src";
    const before = fs.readFileSync(file, "utf8");
    const after = before.replace(SPECIFIER, (whole, lead, quote, spec) => {
      if (inSrc && !spec.startsWith("../../")) return whole;
      const target = path.resolve(path.dirname(file), spec);
      const rel = path.relative(src, target);
      if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) return whole;
      changedImports++;
      return `${lead}${quote}~/${rel.split(path.sep).join("/")}${quote}`;
    });
    if (after !== before) {
      fs.writeFileSync(file, after);
      changedFiles++;
    }
  }
}
console.log(`house style: ${changedImports} import(s) in ${changedFiles} file(s) now use ~/`);
JS

# 2. Format, and apply the fixes Biome marks safe (no --unsafe: those wait for a person).
"$BIOME" check --write --max-diagnostics=0 . >/dev/null 2>&1 || true

# 3. What is left.
"$BIOME" check --max-diagnostics=none .
