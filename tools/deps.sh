#!/bin/sh
# make deps: check the libraries with pkg-config and the tools by name; install what is
# missing with apt-get (as root or through sudo), or print the exact apt-get line.
missing=""
for p in "$@"; do
  # tools that may come from outside Debian's packages (a Node.js install) count by command
  case "$p" in nodejs) command -v node >/dev/null && continue ;; npm) command -v npm >/dev/null && continue ;; esac
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
for pc in libzstd libxxhash yaml-0.1 icu-uc icu-i18n zlib openblas libcurl; do
  pkg-config --exists "$pc" 2>/dev/null || echo "deps: pkg-config does not find $pc"
done
if [ -z "$missing" ]; then echo "deps: all present"; exit 0; fi
echo "deps: missing:$missing"
if [ "$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
  echo "deps: run as root: apt-get install -y$missing"; exit 1; fi
$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq$missing
