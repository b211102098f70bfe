#!/usr/bin/env bash
# Writes prisma/migrations/<timestamp>_<name>/migration.sql for the schema change since
# a git revision (default HEAD). `prisma migrate dev`, the --from-migrations shadow
# database and --from-schema-datasource all fail offline with the JS schema engine,
# so diff the committed schema against the working one instead.
set -euo pipefail
name="${1:?usage: scripts/new-migration.sh <name> [git-rev]}"
rev="${2:-HEAD}"
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git show "$rev:prisma/schema.prisma" > "$tmp/before.prisma"
sql=$(BERTH_DATA_DIR="$tmp" npx prisma migrate diff --from-schema-datamodel "$tmp/before.prisma" \
  --to-schema-datamodel prisma/schema.prisma --script)
if ! grep -qv '^--\|^$' <<<"$sql"; then echo "schema has no changes since $rev"; exit 0; fi
dir="prisma/migrations/$(date -u +%Y%m%d%H%M%S)_${name}"
mkdir -p "$dir"
printf '%s\n' "$sql" > "$dir/migration.sql"
echo "wrote $dir/migration.sql"
