#!/usr/bin/env bash
# `make bench` drives its load with wrk, a small C load generator from Debian's packages:
# being native, it leaves the two cores to the servers being measured. Installs it if missing.
set -euo pipefail
if command -v wrk >/dev/null 2>&1; then
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "ensure-loadgen: wrk is missing; install it as root: apt-get install wrk" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "ensure-loadgen: installing wrk from Debian's packages" >&2
$SUDO apt-get install -y -qq wrk >/dev/null 2>&1 \
    || { $SUDO apt-get update -qq && $SUDO apt-get install -y -qq wrk >/dev/null; }
command -v wrk >/dev/null
