# Shared by scripts/start.sh and scripts/test.sh: check or provision what the
# product needs, or stop with a message naming exactly what is missing.

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }
fail() {
  printf '\033[31merror:\033[0m %s\n' "$*" >&2
  exit 1
}
is_root_debian() { [ "$(id -u)" = 0 ] && [ -f /etc/debian_version ] && command -v apt-get >/dev/null; }

apt_updated=false
apt_install() {
  if ! $apt_updated; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    apt_updated=true
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}

require_node() {
  command -v node >/dev/null || fail "Node.js 20.19 or newer is required: install it (https://nodejs.org or your distribution) and run this again."
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
    fail "Node.js 20.19 or newer is required; this machine has $(node --version)."
}

ensure_deps() {
  # npm ci is not usable here (see docs/decisions/001-install.md); npm install is
  # a no-op when node_modules already matches the lockfile.
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ]; then
    say "installing npm dependencies"
    npm install --no-audit --no-fund --loglevel=error >&2
  fi
}

ensure_chromium() {
  CHROMIUM_PATH=${CHROMIUM_PATH:-/usr/bin/chromium}
  if [ ! -x "$CHROMIUM_PATH" ]; then
    is_root_debian || fail "Chromium is needed for the browser tests: install it (Debian: apt-get install -y chromium) or set CHROMIUM_PATH."
    say "installing chromium"
    apt_install chromium
  fi
  export CHROMIUM_PATH
}

# Starts (or finds) a Docker engine; sets DOCKER_HOST and ENGINE_WAS_RUNNING.
ensure_engine() {
  ENGINE_WAS_RUNNING=false
  if scripts/engine.sh status >/dev/null 2>&1; then ENGINE_WAS_RUNNING=true; fi
  local line
  line=$(scripts/engine.sh up | tail -1) || fail "no Docker engine is available (see the messages above)."
  eval "$line"
  export DOCKER_HOST
}
