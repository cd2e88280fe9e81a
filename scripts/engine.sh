#!/usr/bin/env bash
# Finds or starts the Docker engine that development and tests use, and builds the
# local base images (no registry is reachable, so nothing can be pulled).
#
#   scripts/engine.sh up              engine + base images; last stdout line: export DOCKER_HOST=…
#   scripts/engine.sh status          print the DOCKER_HOST of an engine that answers, or fail
#   scripts/engine.sh down            stop the engine only if this script started it
#   scripts/engine.sh clean [VALUE]   remove test objects labelled containr.test[=VALUE]
#
# Usage from a shell:  eval "$(scripts/engine.sh up | tail -1)"
# Human messages go to stderr; stdout carries only the export line.
#
# Environment:
#   DOCKER_HOST          tried first when set
#   CONTAINR_DATA_DIR    default ./.containr (relative to the current directory, like the server)
#   CONTAINR_ENGINE_DIR  default $CONTAINR_DATA_DIR/engine: socket, data-root, exec-root, log
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
IMAGES_DIR="$SCRIPT_DIR/images"
SYSTEM_SOCKET=/var/run/docker.sock
# sun_path holds 108 bytes including the terminating NUL.
MAX_SOCKET_PATH=107
# The longest socket dockerd's own containerd creates under the exec-root.
LONGEST_SOCKET_SUFFIX=/exec/containerd/containerd.sock.ttrpc
START_TIMEOUT=${CONTAINR_ENGINE_START_TIMEOUT:-30}
STOP_TIMEOUT=${CONTAINR_ENGINE_STOP_TIMEOUT:-60}

log() { printf 'engine: %s\n' "$*" >&2; }
die() {
  printf 'engine: error: %s\n' "$*" >&2
  exit 1
}

absolute() {
  case "$1" in
    /*) printf '%s\n' "$1" ;;
    *) printf '%s/%s\n' "$PWD" "${1#./}" ;;
  esac
}

DATA_DIR=$(absolute "${CONTAINR_DATA_DIR:-./.containr}")
ENGINE_DIR=$(absolute "${CONTAINR_ENGINE_DIR:-$DATA_DIR/engine}")
ENGINE_DIR=${ENGINE_DIR%/}

# Everything that is, or lives beside, a unix socket goes in RUN_DIR. When ENGINE_DIR
# is too deep for a socket path, RUN_DIR is a short directory under /tmp derived from
# ENGINE_DIR (so `down` finds it again); images stay in ENGINE_DIR/data either way.
if ((${#ENGINE_DIR} + ${#LONGEST_SOCKET_SUFFIX} <= MAX_SOCKET_PATH)); then
  RUN_DIR=$ENGINE_DIR
  RUN_DIR_IS_FALLBACK=false
else
  RUN_DIR=/tmp/containr-engine-$(printf '%s' "$ENGINE_DIR" | sha256sum | cut -c1-12)
  RUN_DIR_IS_FALLBACK=true
fi
SOCKET=$RUN_DIR/docker.sock
PIDFILE=$RUN_DIR/docker.pid
MARKER=$RUN_DIR/started-by-containr
LOGFILE=$ENGINE_DIR/dockerd.log

is_root() { [[ $(id -u) -eq 0 ]]; }
is_debian() { [[ -r /etc/debian_version ]] && command -v apt-get >/dev/null; }

# Installs Debian packages, refreshing the package lists only when the first try fails
# (a fresh machine has none; an old list may name files the mirror no longer has).
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  log "installing $* with apt-get"
  if ! apt-get install -y -q "$@" >&2; then
    log "apt-get install failed; running apt-get update and trying again"
    apt-get update -q >&2
    apt-get install -y -q "$@" >&2
  fi
}

answers() { DOCKER_HOST=$1 timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# Prints the DOCKER_HOST of an engine that answers, in the order of precedence; fails if none.
find_engine() {
  if [[ -n ${DOCKER_HOST:-} ]]; then
    if answers "$DOCKER_HOST"; then
      printf '%s\n' "$DOCKER_HOST"
      return 0
    fi
    log "DOCKER_HOST=$DOCKER_HOST does not answer; looking elsewhere"
  fi
  if [[ -S $SYSTEM_SOCKET ]] && answers "unix://$SYSTEM_SOCKET"; then
    printf 'unix://%s\n' "$SYSTEM_SOCKET"
    return 0
  fi
  if [[ -S $SOCKET ]] && answers "unix://$SOCKET"; then
    printf 'unix://%s\n' "$SOCKET"
    return 0
  fi
  # A dockerd started for another data dir (another checkout): two engines on one host
  # would fight over the docker0 bridge and the iptables chains, so share it instead.
  local pid host
  for pid in $(other_dockerd_pids); do
    for host in $(dockerd_hosts "$pid"); do
      if answers "$host"; then
        log "using the dockerd (pid $pid) already running on this machine at $host"
        printf '%s\n' "$host"
        return 0
      fi
    done
  done
  return 1
}

other_dockerd_pids() {
  local comm pid
  for comm in /proc/[0-9]*/comm; do
    pid=${comm#/proc/}
    pid=${pid%/comm}
    is_live "$pid" dockerd && printf '%s\n' "$pid"
  done
  return 0
}

# The unix:// and tcp:// addresses a dockerd listens on, from its command line.
dockerd_hosts() {
  local -a args
  local i
  mapfile -d '' -t args <"/proc/$1/cmdline" 2>/dev/null || return 0
  for ((i = 1; i < ${#args[@]}; i++)); do
    case "${args[i]}" in
      --host=* | -H=*) printf '%s\n' "${args[i]#*=}" ;;
      --host | -H) printf '%s\n' "${args[i + 1]:-}" ;;
    esac
  done
}

# explain_manual_setup WHAT: what is missing, then how to provide it; exits 1.
explain_manual_setup() {
  die "$1; this script installs and starts an engine itself only as root (installing docker.io on Debian).
  Either install and start Docker yourself:
    Debian/Ubuntu: sudo apt-get install -y docker.io && sudo systemctl start docker && sudo usermod -aG docker \"\$USER\" (then log in again)
    elsewhere:     install Docker Engine 20.10 or newer (with its docker CLI) and start it
  or set DOCKER_HOST to an engine that runs, or run this script as root on Debian.
  Then run scripts/engine.sh up again."
}

# Installs docker.io (dockerd and the docker CLI) when either is missing; says whether
# it installed anything, since a package's install scripts may start an engine.
ensure_docker_installed() {
  docker_installed && return 1
  if ! is_root || ! is_debian; then explain_manual_setup "$1"; fi
  apt_install docker.io
  docker_installed || die "docker.io is installed but dockerd or docker is not on PATH ($PATH)"
}

docker_installed() { command -v dockerd >/dev/null && command -v docker >/dev/null; }

# A process that exists and has not exited: this machine's init reaps late, so a dead
# child can linger as a zombie, which `kill -0` still reports as alive.
is_running() {
  local stat
  [[ $1 =~ ^[0-9]+$ ]] || return 1
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ $stat != Z* ]]
}

# is_live PID COMM: a running process of that name.
is_live() {
  is_running "$1" && [[ $(cat "/proc/$1/comm" 2>/dev/null) == "$2" ]]
}

# The pid in $1 is a dockerd serving our socket (guards against a recycled pid).
is_our_dockerd() {
  is_live "$1" dockerd || return 1
  tr '\0' ' ' <"/proc/$1/cmdline" | grep -qF -- "unix://$SOCKET"
}

show_log_errors() { grep -vE 'level=(info|debug)' "$LOGFILE" | tail -n 15 >&2 || true; }

start_private_engine() {
  mkdir -p "$ENGINE_DIR/data" "$RUN_DIR/exec"
  if [[ $RUN_DIR_IS_FALLBACK == true ]]; then
    log "$ENGINE_DIR is too long for a unix socket path; sockets and state go in $RUN_DIR instead (images stay in $ENGINE_DIR/data)"
  fi

  # Serialises concurrent `up`s so that only one of them starts dockerd.
  exec 9>"$RUN_DIR/up.lock"
  flock -w $((START_TIMEOUT * 2)) 9 || die "another scripts/engine.sh up holds $RUN_DIR/up.lock"
  if [[ -S $SOCKET ]] && answers "unix://$SOCKET"; then
    flock -u 9
    return 0
  fi
  local other
  for other in $(other_dockerd_pids); do
    is_our_dockerd "$other" ||
      die "dockerd (pid $other) already runs on this machine but does not answer on $(dockerd_hosts "$other" | tr '\n' ' ')(still starting?); a second engine would conflict with it: point DOCKER_HOST at it, or stop it"
  done

  local old_pid
  if [[ -f $PIDFILE ]]; then
    old_pid=$(cat "$PIDFILE")
    if is_our_dockerd "$old_pid"; then
      die "dockerd (pid $old_pid) runs on $SOCKET but does not answer; see $LOGFILE, then stop it (kill $old_pid)"
    fi
    rm -f "$PIDFILE" # left by a dockerd that did not exit cleanly
  fi
  # After a killed dockerd, its containerd may linger as a zombie: dockerd would take
  # that pid for a live containerd and time out waiting for it.
  local containerd_pidfile=$RUN_DIR/exec/containerd/containerd.pid
  if [[ -f $containerd_pidfile ]] && ! is_live "$(cat "$containerd_pidfile")" containerd; then
    rm -f "$containerd_pidfile"
  fi
  rm -f "$MARKER"

  # Its own daemon.json keeps a host-wide /etc/docker/daemon.json (hosts, data-root…)
  # from overriding the flags below.
  [[ -f $RUN_DIR/daemon.json ]] || printf '{}\n' >"$RUN_DIR/daemon.json"
  log "starting a private dockerd on unix://$SOCKET (log: $LOGFILE)"
  printf '\n=== %s engine.sh up\n' "$(date -Is)" >>"$LOGFILE"
  # setsid: the engine outlives the shell (and process group) that ran `up`.
  setsid dockerd \
    --host "unix://$SOCKET" \
    --data-root "$ENGINE_DIR/data" \
    --exec-root "$RUN_DIR/exec" \
    --pidfile "$PIDFILE" \
    --config-file "$RUN_DIR/daemon.json" \
    </dev/null >>"$LOGFILE" 2>&1 9>&- &
  local launched=$!

  local deadline=$((SECONDS + START_TIMEOUT))
  until answers "unix://$SOCKET"; do
    if ! is_running "$launched"; then
      show_log_errors
      die "dockerd exited during start; full log: $LOGFILE"
    fi
    if ((SECONDS >= deadline)); then
      show_log_errors
      die "dockerd did not answer on $SOCKET within ${START_TIMEOUT}s (pid $launched still running); log: $LOGFILE"
    fi
    sleep 0.2
  done
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null || printf '%s' "$launched")
  printf '%s\n' "$pid" >"$MARKER"
  flock -u 9
  log "dockerd $(DOCKER_HOST="unix://$SOCKET" docker version --format '{{.Server.Version}}') answers (pid $pid)"
}

# A statically linked busybox, installing busybox-static on Debian when there is none.
static_busybox() {
  local candidate
  for candidate in /bin/busybox /usr/bin/busybox "$(command -v busybox || true)"; do
    # ldd fails on a static executable
    if [[ -x $candidate ]] && ! ldd "$candidate" >/dev/null 2>&1; then
      printf '%s\n' "$candidate"
      return 0
    fi
  done
  if is_root && is_debian; then
    apt_install busybox-static
    printf '/bin/busybox\n'
    return 0
  fi
  die "a statically linked busybox is needed to build the base images: install busybox-static (Debian/Ubuntu) or busybox-static equivalent"
}

# Builds each base image that is missing or was built from other inputs (the inputs'
# versions are recorded in the image's OCI labels; an inspect is all a warm run costs).
ensure_base_images() {
  local node_bin busybox node_version busybox_version
  node_bin=$(command -v node) || die "node is not on PATH; it is copied into the containr/node image"
  node_version=$("$node_bin" --version)
  busybox=$(static_busybox)
  busybox_version=$("$busybox" | sed -n '1s/^BusyBox \(v[^ ]*\).*/\1/p')

  local built
  built=$(image_version containr/busybox:latest)
  if [[ $built != "$busybox_version" ]]; then
    [[ -z $built ]] || log "containr/busybox:latest holds busybox $built; rebuilding with $busybox_version"
    bash "$IMAGES_DIR/build-busybox.sh" "$busybox" "$busybox_version" containr/busybox:latest
  fi
  built=$(image_version containr/node:latest)
  if [[ $built != "$node_version" ]]; then
    [[ -z $built ]] || log "containr/node:latest holds node $built; rebuilding with $node_version"
    bash "$IMAGES_DIR/build-node.sh" "$busybox" "$node_bin" containr/node:latest
  fi
}

# Prints the version an image was built from, or nothing when it is missing.
image_version() {
  docker image inspect --format '{{index .Config.Labels "org.opencontainers.image.version"}}' "$1" 2>/dev/null || true
}

cmd_up() {
  if ! command -v docker >/dev/null; then
    ensure_docker_installed "the docker CLI is not installed" || true
  fi
  local host
  if ! host=$(find_engine); then
    local none="no Docker engine answers (DOCKER_HOST=${DOCKER_HOST:-unset}, $SYSTEM_SOCKET)"
    is_root || explain_manual_setup "$none"
    if ensure_docker_installed "$none"; then
      host=$(find_engine) || true
    fi
    if [[ -z $host ]]; then
      start_private_engine
      host=unix://$SOCKET
    fi
  fi
  export DOCKER_HOST=$host
  log "using DOCKER_HOST=$host"
  ensure_base_images
  printf 'export DOCKER_HOST=%s\n' "$host"
}

cmd_down() {
  if [[ ! -f $MARKER ]]; then
    log "no engine started by containr in $RUN_DIR; nothing to stop (engines this script did not start are never stopped)"
    return 0
  fi
  local pid
  pid=$(cat "$MARKER")
  if ! is_our_dockerd "$pid"; then
    log "dockerd $pid from $MARKER is no longer running"
    rm -f "$MARKER"
    return 0
  fi
  log "stopping dockerd $pid (SIGTERM; running containers are stopped first)"
  kill -TERM "$pid"
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while is_running "$pid"; do
    ((SECONDS < deadline)) || die "dockerd $pid still running ${STOP_TIMEOUT}s after SIGTERM; see $LOGFILE"
    sleep 0.2
  done
  rm -f "$MARKER"
  release_data_root
  log "dockerd $pid stopped"
}

# dockerd bind-mounts its data-root onto itself and leaves that mount behind when it
# stops, so removing .containr would fail with EBUSY. Only a bind mount (its source is
# a directory, not a whole filesystem's root) is undone.
release_data_root() {
  local data=$ENGINE_DIR/data
  if awk -v d="$data" '$5 == d && $4 != "/" { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    umount "$data" || log "could not unmount $data, the bind mount dockerd made of its data-root"
  fi
}

cmd_clean() {
  local filter=label=containr.test
  [[ $# -gt 0 && -n $1 ]] && filter="label=containr.test=$1"
  command -v docker >/dev/null || die "docker CLI not installed; run scripts/engine.sh up first"
  local host
  host=$(find_engine) || die "no Docker engine answers; nothing to clean"
  export DOCKER_HOST=$host

  local -a ids
  local counts=()
  # Containers first: a network or volume in use cannot be removed.
  mapfile -t ids < <(docker container ls --all --quiet --filter "$filter")
  ((${#ids[@]} == 0)) || docker container rm --force --volumes "${ids[@]}" >/dev/null
  counts+=("${#ids[@]} containers")
  mapfile -t ids < <(docker network ls --quiet --filter "$filter")
  ((${#ids[@]} == 0)) || docker network rm "${ids[@]}" >/dev/null
  counts+=("${#ids[@]} networks")
  mapfile -t ids < <(docker volume ls --quiet --filter "$filter")
  ((${#ids[@]} == 0)) || docker volume rm --force "${ids[@]}" >/dev/null
  counts+=("${#ids[@]} volumes")
  # Images that tests built (buildImage with labels), so that they do not pile up.
  mapfile -t ids < <(docker image ls --quiet --filter "$filter" | sort -u)
  ((${#ids[@]} == 0)) || docker image rm --force "${ids[@]}" >/dev/null
  counts+=("${#ids[@]} images")
  local summary
  summary=$(printf '%s, ' "${counts[@]}")
  log "removed ${summary%, } with $filter"
}

case "${1:-}" in
  up) cmd_up ;;
  status) command -v docker >/dev/null && find_engine ;;
  down) cmd_down ;;
  clean)
    shift
    cmd_clean "$@"
    ;;
  *)
    printf 'usage: %s up | status | down | clean [containr.test value]\n' "$0" >&2
    exit 2
    ;;
esac
