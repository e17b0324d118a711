#!/usr/bin/env bash
# The report test renders the HTML report in headless Chromium. Install Debian's chromium when it
# is absent (a fresh CI machine); do nothing when it is already there.
set -euo pipefail

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ -x "$CHROMIUM" ]; then
    exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
    echo "error: $CHROMIUM is missing and apt-get is not available;" \
        "install Chromium yourself and set CHROMIUM=/path/to/chromium" >&2
    exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi

echo "installing chromium (for the report test) with apt-get" >&2
# Wait for another apt run to release its lock rather than failing at once.
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq chromium
"$CHROMIUM" --version >&2
