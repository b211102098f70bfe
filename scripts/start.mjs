#!/usr/bin/env node
// `npm start`: prepare the data dir, apply migrations, build if the sources changed,
// then serve. Everything it does is idempotent, so it is also the upgrade command.
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const bin = (name) => path.join(root, "node_modules", ".bin", name);
const dataDir = path.resolve(process.env.BERTH_DATA_DIR || path.join(root, "data"));
const port = process.env.PORT || "3000";
const host = process.env.HOST || "0.0.0.0";

function run(cmd, args, env = process.env) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: "inherit", env });
  if (res.status !== 0) {
    console.error(`berth: '${path.basename(cmd)} ${args.join(" ")}' failed`);
    process.exit(res.status ?? 1);
  }
}

// A persistent secret keeps sessions valid across restarts without asking the user for one.
function authSecret() {
  if (process.env.NEXTAUTH_SECRET) return process.env.NEXTAUTH_SECRET;
  const file = path.join(dataDir, "auth-secret");
  if (!fs.existsSync(file)) fs.writeFileSync(file, randomBytes(32).toString("hex"), { mode: 0o600 });
  fs.chmodSync(file, 0o600);
  return fs.readFileSync(file, "utf8").trim();
}

// Rebuild only when something that goes into the build changed since the last one.
function buildFingerprint() {
  const hash = createHash("sha256");
  const visit = (p) => {
    const st = fs.statSync(p, { throwIfNoEntry: false });
    if (!st) return;
    if (st.isDirectory()) {
      for (const name of fs.readdirSync(p).sort()) if (name !== "generated") visit(path.join(p, name));
    } else hash.update(`${path.relative(root, p)}:${st.size}:${st.mtimeMs}\n`);
  };
  for (const p of ["src", "messages", "package-lock.json", "next.config.ts", "postcss.config.mjs", "prisma/schema.prisma"]) {
    visit(path.join(root, p));
  }
  return hash.digest("hex");
}

// Private before anything is written in it (the database and the server narrow the rest:
// src/server/database-url.ts restrictDataDir).
fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
fs.chmodSync(dataDir, 0o700);
const env = { ...process.env, BERTH_DATA_DIR: dataDir, NEXTAUTH_SECRET: authSecret(), NODE_ENV: "production" };
// A self-hosted admin tool does not phone home: Next.js telemetry is off unless the operator
// set NEXT_TELEMETRY_DISABLED themselves (Next reads any non-empty value as "off", so an empty
// one turns it on; README, Configuration).
env.NEXT_TELEMETRY_DISABLED ??= "1";
// Without a fixed public URL, next-auth builds its redirects from the request's Host, so
// Berth works on whatever address and port the operator reaches it by.
if (!env.NEXTAUTH_URL) env.AUTH_TRUST_HOST ??= "1";

if (!process.argv.includes("--build-only")) {
  run("bash", [path.join(root, "scripts/ensure-docker-engine.sh")], env);
  run(bin("prisma"), ["migrate", "deploy"], env);
}

const stamp = path.join(root, ".next", "berth-build-fingerprint");
const fingerprint = buildFingerprint();
const built =
  fs.existsSync(path.join(root, ".next", "BUILD_ID")) && fs.readFileSync(stamp, { encoding: "utf8", flag: "a+" }) === fingerprint;
if (!built || process.env.BERTH_REBUILD === "1") {
  console.log("berth: building the web app (first start or changed sources)...");
  run(bin("next"), ["build"], env);
  fs.writeFileSync(stamp, fingerprint);
}

if (process.argv.includes("--build-only")) process.exit(0);

// src/server/main.ts serves Next plus the routes Next cannot serve faithfully (downloads).
const server = spawn(process.execPath, ["--import", "tsx", path.join(root, "src/server/main.ts")], {
  cwd: root,
  stdio: "inherit",
  env: { ...env, PORT: port, HOST: host },
});
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => server.kill(signal));
server.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

const url = `http://localhost:${port}`;
(async () => {
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) {
        console.log(`\nberth: ready at ${url}  (data in ${dataDir})\n`);
        return;
      }
    } catch {}
    await new Promise((r) => setTimeout(r, 500));
  }
})();
