#!/bin/sh
# Debian's chromium for the browser tests (tests/browser/, Playwright).
#
# Present: nothing to do. Missing: installed with apt-get when this runs as
# root and apt-get exists (CI containers, a fresh Debian/Ubuntu box run as
# root); otherwise this says why not and the browser tests skip, naming what
# is missing. Never fails the build: a failed install is reported the same way.
# Playwright's own browser download (`playwright install`) is never used.
set -u

BROWSER=/usr/bin/chromium

if [ -x "$BROWSER" ]; then
    echo "chromium: $BROWSER is installed"
    exit 0
fi
if [ "$(id -u)" != "0" ]; then
    echo "chromium: $BROWSER is missing and this is not root, so it is not installed;"
    echo "          the browser tests will be skipped (install it with: sudo apt-get install chromium)"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium: $BROWSER is missing and apt-get is not available;"
    echo "          the browser tests will be skipped"
    exit 0
fi

echo "chromium: installing Debian's chromium with apt-get (once)..."
log=$(mktemp)
if DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$log" 2>&1 &&
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >>"$log" 2>&1 &&
    [ -x "$BROWSER" ]; then
    echo "chromium: installed ($("$BROWSER" --version 2>/dev/null | tail -n 1))"
else
    echo "chromium: apt-get could not install it; the browser tests will be skipped. Last lines:"
    tail -n 5 "$log"
fi
rm -f "$log"
exit 0
