# shellcheck shell=bash
# Shared steps for building base images from files on this machine: no registry is
# reachable, so images are `docker import`ed from a root folder. Sourced, not run.

log() { printf 'images: %s\n' "$*" >&2; }

# A minimal root: busybox with a link per applet (sh, httpd, nc, wget…), users, /tmp.
# Links are made from `busybox --list-full` rather than `busybox --install -s`: the latter
# points them at the host's path of busybox (/usr/bin/busybox on merged-/usr Debian).
add_busybox() {
  local root=$1 busybox=$2 applet
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,usr/local/bin,etc,root,tmp,proc,sys,dev}
  chmod 1777 "$root/tmp"
  chmod 700 "$root/root"
  cp "$busybox" "$root/bin/busybox"
  while read -r applet; do
    [[ -e $root/$applet || -L $root/$applet ]] || ln -s /bin/busybox "$root/$applet"
  done < <("$busybox" --list-full)
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
}

# import_rootfs ROOT TAG [--change …]…: files owned by root whoever builds. Labels use
# the OCI names: containers inherit image labels, and containr.* belongs to the agent.
import_rootfs() {
  local root=$1 tag=$2 previous
  shift 2
  previous=$(docker image inspect --format '{{.Id}}' "$tag" 2>/dev/null || true)
  tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
    docker import "$@" - "$tag" >/dev/null
  # The image this one replaces, unless a container or another tag still uses it.
  [[ -z $previous ]] || docker image rm "$previous" >/dev/null 2>&1 || true
  log "built $tag ($(docker image inspect --format '{{.Size}}' "$tag" | awk '{printf "%.1f MB", $1/1e6}'))"
}

# shellcheck disable=SC2034 # used by the scripts that source this file
BASE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
