#!/usr/bin/env bash
# Prints the SQL that migrates a database from an older schema (default: empty) to
# prisma/schema.prisma. Prisma 7's `migrate` always spawns a native engine that cannot be
# downloaded here, so this uses Prisma 6.19.3's `migrate diff` on its JS engine (with an
# in-memory PGlite as the required adapter; no database is touched).
#
#   prisma/tools/diff-sql.sh                        # from empty: the init migration
#   prisma/tools/diff-sql.sh --from old.prisma      # from an older schema (e.g. `git show HEAD:prisma/schema.prisma`)
#
# Write the output to prisma/migrations/<UTC yyyymmddHHMMSS>_<name>/migration.sql and commit it.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
cache="${TAMEFLARE_PRISMA6_DIR:-${TMPDIR:-/tmp}/tameflare-prisma6}"
prisma6="$cache/node_modules/.bin/prisma"

if [ ! -x "$prisma6" ]; then
  echo "installing prisma@6.19.3 into $cache (once)" >&2
  mkdir -p "$cache"
  npm install --prefix "$cache" --no-save --ignore-scripts --no-audit --no-fund prisma@6.19.3 >&2
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# Prisma 6 wants `url` in the datasource and the classic generator; Prisma 7 rejects both.
# Replace the two header blocks and keep every model, enum and comment as is.
rewrite_header() {
  awk '
    /^generator client[[:space:]]*\{/ { skip = 1; print "generator client {\n  provider = \"prisma-client-js\"\n}"; next }
    /^datasource db[[:space:]]*\{/ { skip = 1; print "datasource db {\n  provider = \"postgresql\"\n  url      = \"postgresql://127.0.0.1:5432/unused\"\n}"; next }
    skip == 1 && /^\}/ { skip = 0; next }
    skip == 1 { next }
    { print }
  ' "$1" >"$2"
}

rewrite_header "$root/prisma/schema.prisma" "$work/to.prisma"
from_args=(--from-empty)
if [ "${1:-}" = "--from" ]; then
  [ -r "${2:-}" ] || { echo "usage: $0 [--from OLD_SCHEMA]" >&2; exit 2; }
  rewrite_header "$2" "$work/from.prisma"
  from_args=(--from-schema-datamodel "$work/from.prisma")
fi

resolve() { (cd "$root/packages/db" && node --input-type=module -e "console.log(import.meta.resolve('$1'))"); }
pglite_url="$(resolve @electric-sql/pglite)"
adapter_url="$(resolve pglite-prisma-adapter)"

cat >"$work/prisma.config.mjs" <<CONFIG
import { defineConfig } from "prisma/config";
import { PGlite } from "$pglite_url";
import { PrismaPGlite } from "$adapter_url";
export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: "./to.prisma",
  adapter: async () => new PrismaPGlite(new PGlite()),
});
CONFIG
# The config imports "prisma/config": make Prisma 6's copy resolvable from the work folder.
ln -s "$cache/node_modules" "$work/node_modules"

cd "$work"
PRISMA_SCHEMA_ENGINE_BINARY=/bin/false PRISMA_QUERY_ENGINE_LIBRARY=/bin/false PRISMA_HIDE_UPDATE_MESSAGE=1 \
  "$prisma6" migrate diff --config prisma.config.mjs "${from_args[@]}" --to-schema-datamodel to.prisma --script \
  2> >(grep -v '^Loaded Prisma config' >&2)
