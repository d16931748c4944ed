#!/usr/bin/env bash
# Refreshes the console's vendored browser libraries from their npm packages: htmx (partial page
# updates) and Apache ECharts (charts). Each file is copied as published, and its package,
# version and SHA-256 are written to internal/console/static/vendor/MANIFEST, which a Go test
# checks against the files. There is no Node build step for the console: this script is run by
# hand when a version changes (edit the list below), and its result is committed.
#
#   scripts/vendor-console.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# package version file-in-package name-in-vendor
libs=(
	"htmx.org 2.0.11 dist/htmx.min.js htmx.min.js"
	"echarts 6.1.0 dist/echarts.min.js echarts.min.js"
)

dest=internal/console/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
manifest="$tmp/MANIFEST"
echo "# package version file sha256 (written by scripts/vendor-console.sh; checked by TestVendorManifest)" >"$manifest"
for lib in "${libs[@]}"; do
	read -r pkg version path name <<<"$lib"
	(cd "$tmp" && npm pack --silent "$pkg@$version" >/dev/null)
	tarball=$(ls "$tmp"/*.tgz)
	mkdir -p "$tmp/x"
	tar -xzf "$tarball" -C "$tmp/x"
	cp "$tmp/x/package/$path" "$dest/$name"
	sum=$(sha256sum "$dest/$name" | cut -d' ' -f1)
	echo "$pkg $version $name $sum" >>"$manifest"
	rm -rf "$tmp/x" "$tarball"
	echo "vendored $pkg@$version → $dest/$name ($sum)" >&2
done
cp "$manifest" "$dest/MANIFEST"
