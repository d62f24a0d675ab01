#!/usr/bin/env bash
# Tests jgrad's backprop page (dev.jgrad.autograd.inspect.HtmlExport) in a real headless Chromium.
#
#   tools/html-test/run.sh [--screenshot PATH]
#
# Installs Debian's chromium when it is missing and this shell may (root with apt-get), then
# runs the JUnit test HtmlPageBrowserTest with the browser required: it writes the page and a
# JSON of the expected values into autograd/target/html-test/, installs playwright-core there
# with npm, and drive.mjs clicks Next through the whole pass (and back), checking the
# highlighted node and every gradient shown. With --screenshot, a PNG of the page mid-pass is
# saved (docs/backprop-stepper.png was made so).
#
# Exits 0 with a "skipped" message when Chromium cannot be had or Node.js/npm are missing.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"

shot=""
while [ $# -gt 0 ]; do
  case "$1" in
    --screenshot) shot=$(realpath -m "$2"); shift 2 ;;
    *) echo "usage: tools/html-test/run.sh [--screenshot PATH]" >&2; exit 2 ;;
  esac
done

skip() { echo "html-test: skipped: $*"; exit 0; }

chromium=${JGRAD_CHROMIUM:-}
if [ -z "$chromium" ]; then
  for c in /usr/bin/chromium /usr/bin/chromium-browser; do [ -x "$c" ] && { chromium=$c; break; }; done
fi
if [ -z "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "html-test: installing chromium and chromium-driver with apt-get ..."
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; } >/tmp/jgrad-html-test-apt.log 2>&1; then
      skip "chromium is not installed and apt-get could not install it (see /tmp/jgrad-html-test-apt.log)"
    fi
    chromium=/usr/bin/chromium
  else
    skip "chromium is not installed (as root: apt-get install -y chromium chromium-driver)"
  fi
fi
command -v node >/dev/null 2>&1 || skip "Node.js is not installed"
command -v npm >/dev/null 2>&1 || skip "npm is not installed"
command -v mvn >/dev/null 2>&1 || skip "Maven is not installed"

props=(-Djgrad.browserTest=required)
[ -n "$shot" ] && props+=("-Djgrad.screenshot=$shot")
echo "html-test: $("$chromium" --version 2>/dev/null | head -1), node $(node --version)"
# ./jgrad finds a JDK 25 and runs Maven's verify phase with these arguments
JGRAD_CHROMIUM="$chromium" ./jgrad test -q -pl autograd -am -Dtest=HtmlPageBrowserTest -Dsurefire.failIfNoSpecifiedTests=false "${props[@]}"
cat autograd/target/surefire-reports/dev.jgrad.autograd.inspect.HtmlPageBrowserTest-output.txt 2>/dev/null || true
echo "html-test: passed"
