#!/usr/bin/env bash
# Runs every test: lint, typecheck, unit and integration tests (real SQLite,
# real Docker engine) and the end-to-end specs in real Chromium. Provisions
# what it needs (npm packages, chromium, a Docker engine) or says what is
# missing. Cleans up what it created and stops an engine it started.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

require_node
ensure_deps
ensure_chromium
ensure_engine

results=$(mktemp -d)
cleanup() {
  scripts/engine.sh clean >/dev/null 2>&1 || true
  if ! $ENGINE_WAS_RUNNING; then scripts/engine.sh down || true; fi
  rm -rf "$results"
}
trap cleanup EXIT

say "lint"
npx eslint . --max-warnings=0
say "typecheck"
npx tsc --noEmit

status=0
say "unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json="$results/vitest.json" || status=1

say "building the app"
npx remix vite:build --logLevel=warn
say "end-to-end tests (playwright, chromium)"
PLAYWRIGHT_JSON_OUTPUT_NAME="$results/playwright.json" npx playwright test --reporter=list,json || status=1

node --import tsx scripts/lib/summary.ts "$results/vitest.json" "$results/playwright.json"
exit $status
