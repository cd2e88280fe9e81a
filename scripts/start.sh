#!/usr/bin/env bash
# Installs what Containr needs and runs it: web, sync and the API on one port
# (PORT, default 3000) over embedded SQLite in CONTAINR_DATA_DIR, next to a
# Docker engine (an existing one, or a private dockerd this script starts).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/common.sh

require_node
ensure_deps
ensure_engine
say "building the app"
npx remix vite:build --logLevel=warn
say "starting Containr on http://localhost:${PORT:-3000}"
exec node --import tsx server/index.ts
