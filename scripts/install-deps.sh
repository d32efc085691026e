#!/bin/sh
# Installs the Debian 12 packages Judge Vision builds, tests and demos with.
# Safe to rerun: packages already present are left alone.
set -eu
PKGS="build-essential meson ninja-build pkg-config clang clang-format
libglib2.0-dev libvips-dev libcurl4-openssl-dev libjansson-dev libmicrohttpd-dev
libxxhash-dev libhdf5-dev libcmocka-dev libvips-tools time
python3 python3-pil python3-opencv python3-numpy python3-h5py python3-torch
libvips-tools
mate-backgrounds curl ca-certificates"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
if [ -z "$missing" ]; then
    echo "install-deps: all packages present"
    exit 0
fi
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
