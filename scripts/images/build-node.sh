#!/usr/bin/env bash
# containr/node: this machine's node binary with the shared libraries it links
# against, plus busybox for /bin/sh.  Usage: build-node.sh STATIC_BUSYBOX NODE TAG
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

busybox=$1 node=$(readlink -f "$2") tag=$3
version=$("$node" --version)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

add_busybox "$root" "$busybox"
cp "$node" "$root/usr/local/bin/node"
ln "$root/usr/local/bin/node" "$root/usr/bin/node" # a hard link: stored once in the layer

# Every absolute path ldd prints: the libraries and the dynamic loader
# (/lib64/ld-linux-x86-64.so.2 on x86-64), copied as files at the path node asks for.
# None for a static node; the run below checks the result either way.
libs=$(ldd "$node" 2>/dev/null | grep -o '/[^ ]*' | sort -u || true)
for lib in $libs; do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

import_rootfs "$root" "$tag" \
  --change "ENV PATH=$BASE_PATH" \
  --change 'CMD ["node"]' \
  --change 'LABEL org.opencontainers.image.title=containr/node' \
  --change "LABEL org.opencontainers.image.version=$version"

# A runtime image that cannot start node is worse than none.
if ! out=$(docker run --rm --network none "$tag" node -e 'process.stdout.write(process.version)' 2>&1) ||
  [[ $out != "$version" ]]; then
  docker image rm "$tag" >/dev/null 2>&1 || true
  log "$tag does not run node (got: $out)"
  exit 1
fi
