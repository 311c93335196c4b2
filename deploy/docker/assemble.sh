#!/usr/bin/env bash
# Assembles the runtime tree of one deployable into OUT: what the Dockerfile's build stage runs,
# and what test/deploy/image-tree.int.test.ts runs on this machine (no Docker engine here), so the
# tree the image ships is the tree the test starts.
#
#   deploy/docker/assemble.sh <token-api|revocation|notifier|audit|sweeper|migrate> <OUT>
#
# Run from the workspace root after `pnpm install --frozen-lockfile`. OUT receives
# `pnpm deploy --prod` of the service: its package.json, its src/ and a node_modules holding only
# production dependencies (workspace packages copied in, not linked). The services run their
# TypeScript with `node --import tsx`, so tsx must be one of those production dependencies.
#
# `migrate` is the one-shot that applies every service's Postgres migrations: token-api's tree
# (it has kysely, pg, zod, tsx and @tessera/platform) plus each schema-owning service's frozen
# migrations (they import nothing but kysely) and deploy/migrate/migrate.ts.
set -euo pipefail

SERVICE="${1:?usage: assemble.sh <service|migrate> <out-dir>}"
OUT="${2:?usage: assemble.sh <service|migrate> <out-dir>}"
SERVICES="token-api revocation notifier audit sweeper"
# The services that own a Postgres schema (DESIGN §2); migrate.ts names the same three.
SCHEMA_OWNERS="token-api audit sweeper"

case " $SERVICES migrate " in
  *" $SERVICE "*) ;;
  *) echo "assemble: unknown service '$SERVICE' (one of: $SERVICES migrate)" >&2; exit 64 ;;
esac
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
  echo "assemble: $OUT exists and is not empty" >&2; exit 73
fi

base="$SERVICE"
[ "$SERVICE" = migrate ] && base=token-api

pnpm deploy --filter "@tessera/${base}" --prod "$OUT" >/dev/null

if [ ! -e "$OUT/node_modules/tsx/package.json" ]; then
  echo "assemble: tsx is not a production dependency of @tessera/${base}; the image runs 'node --import tsx' (add it to dependencies in services/${base}/package.json)" >&2
  exit 65
fi

# Build-time leftovers pnpm deploy copies along with the package directory.
rm -rf "$OUT/.turbo" "$OUT/test" "$OUT/coverage"
find "$OUT/src" -name '*.test.ts' -delete

# The port the service listens on when PORT is unset (its config default, the port in the
# routing table); the image's HEALTHCHECK reads it.
node -e '
  const routes = JSON.parse(require("node:fs").readFileSync("deploy/gateway/routes.json", "utf8"));
  const name = process.argv[1];
  const upstream = routes.upstreams[name];
  if (!upstream) { console.error(`assemble: ${name} has no upstream in deploy/gateway/routes.json`); process.exit(66); }
  process.stdout.write(String(upstream.port));
' "$base" > "$OUT/.default-port"

if [ "$SERVICE" = migrate ]; then
  for owner in $SCHEMA_OWNERS; do
    mkdir -p "$OUT/migrations/$owner"
    cp -R "services/$owner/src/migrations/." "$OUT/migrations/$owner/"
  done
  find "$OUT/migrations" -name '*.test.ts' -delete
  cp deploy/migrate/migrate.ts "$OUT/migrate.ts"
fi
