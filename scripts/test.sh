#!/usr/bin/env bash
# make test: MariaDB + Redis, then gofmt, golangci-lint (with depguard's import rules), go vet, go test -race over every
# package, and the mini-program's jest tests (beside go test). Exits non-zero on the first failure, and prints how
# long each phase took at the end (also when a phase fails): seconds on the clock and CPU seconds
# (user + sys, of everything the phase ran; not MariaDB's or Redis's, which run on their own).
#
# Tests that own their database run in parallel (t.Parallel), each on a database lent by its
# package's pool (testenv.Main: made once, emptied between tests, dropped at the end);
# HX_TEST_PARALLEL (default 6) is how many of them run at once in one package, HX_TEST_P (default
# 3) how many packages at once. A test waits on MariaDB, Redis and Chromium as well as computing,
# so more than the core count helps.
set -euo pipefail
cd "$(dirname "$0")/.."

phases=()
secs=()
cpus=()
phase_name=""
phase_start=0
phase_cpu=0
start_all=$(date +%s)
# cpu_ticks: user+sys CPU of this shell's finished children (every command of a phase, with
# everything they started and waited for), in clock ticks, read without forking.
cpu_ticks() {
	local st
	read -r -a st </proc/$$/stat
	echo $((st[15] + st[16]))
}
ticks=$(getconf CLK_TCK)
begin() { phase_name=$1; phase_start=$(date +%s); phase_cpu=$(cpu_ticks); echo "test: $1"; }
end() {
	phases+=("$phase_name")
	secs+=($(($(date +%s) - phase_start)))
	cpus+=($((($(cpu_ticks) - phase_cpu) / ticks)))
	phase_name=""
}
jest_pid=""
jest_log=""
report() {
	local rc=$? failed=$phase_name
	if [ -n "$jest_pid" ]; then # go test failed: jest still runs beside it
		wait "$jest_pid" || true
		rm -f "$jest_log"
	fi
	[ -n "$phase_name" ] && end
	echo
	printf '%-18s %7s %7s\n' phase seconds "CPU s"
	local i
	for i in "${!phases[@]}"; do printf '%-18s %7d %7d\n' "${phases[$i]}" "${secs[$i]}" "${cpus[$i]}"; done
	printf '%-18s %7d %7d\n' total $(($(date +%s) - start_all)) $(($(cpu_ticks) / ticks))
	if [ "$rc" -ne 0 ]; then echo "test: FAILED${failed:+ in phase \"$failed\"}"; fi
}
trap report EXIT

begin services
scripts/services.sh
set -a
# shellcheck disable=SC1091
. ./.env.dev
set +a
end

# -trimpath leaves the checkout's path out of what the compiler makes, so the build cache serves
# every clone on the machine (a fresh clone compiles only what changed), and every go command
# below (lint's tool build, vet, test) asks the cache with the same flags.
case " $(go env GOFLAGS) " in
*" -trimpath "*) ;;
*) GOFLAGS="$(go env GOFLAGS) -trimpath" && export GOFLAGS ;;
esac

begin gofmt
unformatted=$(gofmt -l cmd internal)
if [ -n "$unformatted" ]; then
	echo "gofmt would change:"; echo "$unformatted"; exit 1
fi
end

begin "lint"
# .golangci.yml: the standard linters plus depguard, which enforces design.md habits 1 and 7
# (gin only in internal/httpapi and cmd/loadtest's floor server, the WeChat SDK only in
# internal/wechat, the MySQL driver only in internal/sqldb, feature packages never import
# httpapi or config). The tool is pinned in go.mod; its first build takes a minute or two.
go tool golangci-lint run ./...
end

begin "go vet"
# With -race, vet compiles the packages exactly as go test -race does below, which then finds
# them in the build cache: on a fresh clone this saves building everything twice (~2 minutes).
go vet -race ./...
end

begin browser
# Chromium and a font with Chinese glyphs for the browser tests (internal/browsertest):
# scripts/chromium.sh installs both with apt-get when missing (~30 s, 126 MB, once per machine) and
# prints the binary. With CI=true a browser test without HX_CHROMIUM fails instead of skipping.
HX_CHROMIUM=$(scripts/chromium.sh)
export HX_CHROMIUM
end

begin "go test -race"
# The mini program's jest tests run beside go test, their output kept for the "jest" phase: jest
# is about 100 CPU seconds that used to come after go test, and fits in go test's waits. The jest
# phase is the wait that is left (usually none).
jest_log=$(mktemp)
(
	cd miniprogram
	if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
		npm ci --no-audit --no-fund
	fi
	# A larger young generation: V8 collects less often while pages render (~5% less CPU).
	NODE_OPTIONS="${NODE_OPTIONS:-} --max-semi-space-size=32" npm test
) >"$jest_log" 2>&1 &
jest_pid=$!
# Every package at once, the staff console's too: it used to run alone after the others, when
# each of its tests seeded the demo data (it starved the database-timing tests next to it); now
# it seeds once and copies.
# GOGC=400: the race detector's binaries collect garbage ~4 times less often; their heaps are
# small (tens of MB), and CPU is what this phase runs out of (~13% less for internal/httpapi).
GOGC="${GOGC:-400}" go test -race -count=1 -timeout 20m -p "${HX_TEST_P:-3}" -parallel "${HX_TEST_PARALLEL:-6}" ./...
end

begin "jest"
jest_rc=0
wait "$jest_pid" || jest_rc=$?
jest_pid=""
cat "$jest_log"
rm -f "$jest_log"
[ "$jest_rc" -eq 0 ] || exit "$jest_rc"
end
