#!/usr/bin/env bash
# make screenshots: a PNG of every page of the staff console's menu, with the demo data, as the
# district administrator and as a township clerk, in var/screenshots/. It runs the console's
# TestScreenshots (which the test suite also runs, into a temporary folder) against real MariaDB,
# Redis and Chromium (scripts/chromium.sh finds or installs it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/services.sh
set -a
# shellcheck disable=SC1091
. ./.env.dev
set +a
HX_CHROMIUM=$(scripts/chromium.sh)
export HX_CHROMIUM
mkdir -p var/screenshots
HX_SCREENSHOTS="$PWD/var/screenshots" go test -count=1 -run '^TestScreenshots$' ./internal/console/
ls -1 var/screenshots
