#!/bin/sh
# Install the system packages heapcore builds and tests with (Debian; run as root).  Chromium
# renders the HTML report in a test (headless); gdb runs `python3 -m heapcore attach` off x86-64
# (and backtraces of crashed workloads); clang-format checks the style (make format-check);
# Debian's python3 with python3-pytest and python3-ipython tests the pytest plugin and the
# IPython display (tests/run_all.sh builds heapcore for it too).
set -e
pkgs="build-essential clang autoconf automake libtool pkg-config libglib2.0-dev libgtest-dev googletest chromium gdb clang-format python3-dev python3-pytest python3-ipython"
missing=""
for p in $pkgs; do dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"; done
if [ -n "$missing" ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
fi
