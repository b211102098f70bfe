#!/usr/bin/env bash
# `npm test`: every test, against real parts — SQLite files, a private Docker engine,
# a production build served by `next start`, and Debian's Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/ensure-system-deps.sh
rm -rf test-results && mkdir -p test-results

vitest() {
  npx vitest run --project "$1" --reporter=default --reporter=json --outputFile.json="test-results/vitest-$1.json"
}

echo "== typecheck" && npm run -s typecheck
echo "== lint (Biome: format, layer rules, imports)" && npm run -s lint
echo "== unit" && vitest unit
echo "== integration (real SQLite, private Docker engine)" && vitest integration
echo "== production build" && NODE_ENV=production node scripts/start.mjs --build-only
echo "== e2e (next start + Chromium)" && vitest e2e
node scripts/test-summary.mjs test-results/vitest-*.json
