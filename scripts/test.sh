#!/usr/bin/env bash
# make test: MariaDB + Redis, then gofmt, go vet, go test -race over every package, and the
# mini-program's jest tests. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/services.sh
set -a
# shellcheck disable=SC1091
. ./.env.dev
set +a

echo "test: gofmt"
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
echo "test: lint (golangci-lint, incl. depguard import boundaries)"
# .golangci.yml: the standard linters plus depguard, which enforces design.md habits 1 and 7
# (gin only in internal/httpapi and cmd/loadtest's floor server, the WeChat SDK only in
# internal/wechat, the MySQL driver only in internal/sqldb, feature packages never import
# httpapi or config). The tool is pinned in go.mod; its first build takes a few minutes.
go tool golangci-lint run ./...
echo "test: go vet"
go vet ./...
echo "test: go test -race"
go test -race -count=1 -timeout 20m ./...

echo "test: mini program (jest)"
cd miniprogram
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
npm test
