#!/usr/bin/env bash
# containr/busybox: a static busybox and its applets (sh, httpd, nc, wget…), for tests
# and simple services.  Usage: build-busybox.sh STATIC_BUSYBOX VERSION TAG
set -euo pipefail
# shellcheck source=scripts/images/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

busybox=$1 version=$2 tag=$3
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT

add_busybox "$root" "$busybox"
import_rootfs "$root" "$tag" \
  --change "ENV PATH=$BASE_PATH" \
  --change 'CMD ["sh"]' \
  --change 'LABEL org.opencontainers.image.title=containr/busybox' \
  --change "LABEL org.opencontainers.image.version=$version"
