#!/usr/bin/env bash
# scripts/bench.sh: the load benchmark of the API server (results: docs/benchmarks.md).
#
# Builds cmd/server, cmd/wxfake and cmd/loadtest once, creates a throw-away MariaDB database,
# starts the WeChat stand-in, the server (warn-level logs, auto-migrate) and the floor (a bare Gin
# handler doing one Redis GET + one primary-key SELECT), then runs the scenarios floor, me and
# login, interleaved, BENCH_RUNS times each, and prints a Markdown table of the medians, the
# ratio /me ÷ floor, the server's peak RSS and the goals. Next to each scenario it prints the
# MariaDB statements and Redis commands per request: the server-wide counters (global Questions,
# total_commands_processed) read around each timed phase, so run it on a quiet machine. Everything
# it started is stopped, and the database and Redis keys it made are removed, however it ends.
#
# Only 127.0.0.1 is ever targeted. Bounded in time: about 4 minutes with the defaults.
#
# Environment (all optional):
#   BENCH_DURATION     timed phase of each run (default 15s)
#   BENCH_WARMUP       untimed warm-up before each run (default 3s)
#   BENCH_CONCURRENCY  concurrent clients (default 64)
#   BENCH_RUNS         runs of each scenario (default 3)
#   BENCH_SCENARIOS    which scenarios besides the floor, in order (default "me login register
#                      submit"); the floor always runs first in each round
#   BENCH_USERS        distinct openids of the login scenario (default 10000)
#   BENCH_SUBMIT_DRAFTS  loan drafts made (untimed) for the submit scenario's timed phase (default 9600)
#   BENCH_LOGIN_MAX_CODES  most login codes minted for one timed phase (default 45000; minting
#                      gets slower as the stand-in holds more codes, so this bounds the run time)
#   BENCH_PORT_BASE    the server listens on BASE, the floor on BASE+10, the stand-in on BASE+19
#                      (default 18080)
#   BENCH_RESULTS      also write the JSON result lines to this file
#   BENCH_DSN_EXTRA    appended to the MariaDB DSN of the server and the floor, to try driver
#                      settings without touching code, e.g. '&interpolateParams=true'
#   BENCH_SERVER_ENV   extra NAME=VALUE words for the server's environment, e.g.
#                      'HX_MYSQL_MAX_OPEN_CONNS=8 HX_MYSQL_MAX_IDLE_CONNS=8' (the server, the floor
#                      and the stand-in otherwise get a clean environment: no HX_* of the caller)
#   HX_MYSQL_PORT / HX_REDIS_PORT  ports of MariaDB / Redis on 127.0.0.1 (default 3306 / 6379)
#
# The MariaDB account is the one of .env.dev (HX_TEST_MYSQL_DSN, else HX_MYSQL_DSN) when that file
# exists and names 127.0.0.1; otherwise, or when that account cannot create the database, root
# without a password. The database is huixiang_test_bench_<pid> (within the grants that
# scripts/services.sh gives the project's account).
set -euo pipefail

SCRIPT_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)

HOST=127.0.0.1
DURATION=${BENCH_DURATION:-15s}
WARMUP=${BENCH_WARMUP:-3s}
CONC=${BENCH_CONCURRENCY:-64}
RUNS=${BENCH_RUNS:-3}
SCENARIOS=${BENCH_SCENARIOS:-me login register submit}
for s in $SCENARIOS; do
	case $s in me | login | register | submit) ;; *) echo "bench: unknown scenario $s" >&2; exit 2 ;; esac
done
USERS=${BENCH_USERS:-10000}
MAX_CODES=${BENCH_LOGIN_MAX_CODES:-45000}
SUBMIT_DRAFTS=${BENCH_SUBMIT_DRAFTS:-9600}
PORT_BASE=${BENCH_PORT_BASE:-18080}
MYSQL_PORT=${HX_MYSQL_PORT:-3306}
REDIS_PORT=${HX_REDIS_PORT:-6379}
SERVER_PORT=$PORT_BASE
FLOOR_PORT=$((PORT_BASE + 10))
FAKE_PORT=$((PORT_BASE + 19))
SERVER_URL=http://$HOST:$SERVER_PORT
FLOOR_URL=http://$HOST:$FLOOR_PORT
FAKE_URL=http://$HOST:$FAKE_PORT
DB_NAME=huixiang_test_bench_$$
KEY_PREFIX=hxbench:$$:

say() { printf 'bench: %s\n' "$*" >&2; }
die() {
	printf 'bench: error: %s\n' "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

case "${1:-}" in
'') ;;
-h | --help)
	sed -n '2,34s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
	exit 0
	;;
*) die "no arguments expected (see --help)" ;;
esac

for t in go mysql redis-cli curl timeout ss; do
	have "$t" || die "$t is required"
done
[[ $DURATION =~ ^[0-9]+s$ && $WARMUP =~ ^[0-9]+s$ ]] || die "BENCH_DURATION and BENCH_WARMUP are whole seconds, like 15s"
for v in CONC RUNS USERS MAX_CODES PORT_BASE MYSQL_PORT REDIS_PORT; do
	if ! [[ ${!v} =~ ^[0-9]+$ ]] || ((${!v} == 0)); then
		die "$v must be a positive whole number"
	fi
done
((PORT_BASE + 19 <= 65535)) || die "BENCH_PORT_BASE too high"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hx-bench.XXXXXX")
BIN=$TMP/bin
RESULTS=$TMP/results.jsonl
: >"$RESULTS"
declare -A PIDS=() # name -> pid of what this script started
DB_CREATED=0
MYSQL_ARGS=()
MYSQL_PWD_VALUE=

stop_pid() { # stop_pid NAME: TERM, then KILL after 10 s
	local name=$1 pid=${PIDS[$1]:-}
	[[ -n $pid ]] || return 0
	if kill -0 "$pid" 2>/dev/null; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	fi
	wait "$pid" 2>/dev/null || true
	unset "PIDS[$name]"
}

mysql_admin() { MYSQL_PWD=$MYSQL_PWD_VALUE mysql "${MYSQL_ARGS[@]}" "$@"; }

cleanup() {
	local rc=$?
	set +e
	for name in "${!PIDS[@]}"; do
		stop_pid "$name"
	done
	if ((DB_CREATED)); then
		mysql_admin -e "DROP DATABASE IF EXISTS \`$DB_NAME\`" || say "warning: could not drop database $DB_NAME"
	fi
	# Sessions live 7 days: remove every key this run made.
	redis-cli -h "$HOST" -p "$REDIS_PORT" --scan --pattern "${KEY_PREFIX}*" 2>/dev/null |
		xargs -r -n 500 redis-cli -h "$HOST" -p "$REDIS_PORT" unlink >/dev/null 2>&1
	rm -rf -- "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port_free() { [[ -z $(ss -Hltn "sport = :$1") ]]; }
for p in "$SERVER_PORT" "$FLOOR_PORT" "$FAKE_PORT"; do
	port_free "$p" || die "port $p is in use (set BENCH_PORT_BASE)"
done

# --- build -------------------------------------------------------------------------------------
say "building into $BIN"
mkdir -p "$BIN"
(cd "$ROOT" && go build -o "$BIN/server" ./cmd/server && go build -o "$BIN/wxfake" ./cmd/wxfake &&
	go build -o "$BIN/loadtest" ./cmd/loadtest)
ln -s loadtest "$BIN/floor" # its own process name in ps, top and perf

# --- MariaDB -----------------------------------------------------------------------------------
# parse_dsn DSN: user[:password]@tcp(host:port)/[db][?params] into DSN_USER, DSN_PASS, DSN_ADDR.
parse_dsn() {
	local re='^([^:@]*)(:(.*))?@tcp\(([^)]*)\)/([^?]*)(\?(.*))?$'
	[[ $1 =~ $re ]] || return 1
	DSN_USER=${BASH_REMATCH[1]} DSN_PASS=${BASH_REMATCH[3]} DSN_ADDR=${BASH_REMATCH[4]}
}

try_account() { # try_account USER PASS: can it create the bench database?
	MYSQL_ARGS=(--protocol=TCP -h "$HOST" -P "$MYSQL_PORT" -u "$1" --connect-timeout=5)
	MYSQL_PWD_VALUE=$2
	mysql_admin -e "CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" 2>/dev/null
}

DB_USER='' DB_PASS=''
if [[ -f $ROOT/.env.dev ]]; then
	env_dsn=$(
		set +eu
		set -a
		# shellcheck disable=SC1091
		. "$ROOT/.env.dev" >/dev/null 2>&1
		printf '%s' "${HX_TEST_MYSQL_DSN:-${HX_MYSQL_DSN:-}}"
	) || env_dsn=
	if [[ -n $env_dsn ]] && parse_dsn "$env_dsn" && [[ $DSN_ADDR == "$HOST:$MYSQL_PORT" || $DSN_ADDR == "localhost:$MYSQL_PORT" ]]; then
		if try_account "$DSN_USER" "$DSN_PASS"; then
			DB_USER=$DSN_USER DB_PASS=$DSN_PASS DB_CREATED=1
		else
			say ".env.dev's MariaDB account cannot create $DB_NAME; trying root"
		fi
	fi
fi
if ((!DB_CREATED)); then
	try_account root "" || die "cannot create database $DB_NAME on $HOST:$MYSQL_PORT as root (is MariaDB up? scripts/services.sh)"
	DB_USER=root DB_PASS='' DB_CREATED=1
fi
say "database $DB_NAME on $HOST:$MYSQL_PORT (account $DB_USER)"
BENCH_DSN="$DB_USER${DB_PASS:+:$DB_PASS}@tcp($HOST:$MYSQL_PORT)/$DB_NAME?parseTime=true&charset=utf8mb4&loc=UTC${BENCH_DSN_EXTRA:-}"

redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG || die "Redis is not answering on $HOST:$REDIS_PORT"

# --- processes ---------------------------------------------------------------------------------
APPID=wxbench$$
SECRET=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
PII_KEY=$(head -c 32 /dev/urandom | base64)
ADMIN_PW=Bench$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')9

wait_healthy() { # wait_healthy NAME URL
	local name=$1 url=$2
	for _ in $(seq 1 150); do
		curl -fsS -o /dev/null --max-time 1 "$url" 2>/dev/null && return 0
		kill -0 "${PIDS[$name]}" 2>/dev/null || die "$name exited; its log: $(tail -n 20 "$TMP/$name.log")"
		sleep 0.2
	done
	die "$name not healthy at $url after 30 s; its log: $(tail -n 20 "$TMP/$name.log")"
}

# A clean environment, so that no HX_* setting of the caller (or HX_CONFIG_FILE) changes the runs.
CLEAN_ENV=(env -i "PATH=$PATH" "HOME=${HOME:-/root}" "TMPDIR=${TMPDIR:-/tmp}")
read -ra SERVER_EXTRA <<<"${BENCH_SERVER_ENV:-}"

start_fake() {
	"${CLEAN_ENV[@]}" HX_WECHAT_APPID="$APPID" HX_WECHAT_SECRET="$SECRET" "$BIN/wxfake" -addr "$HOST:$FAKE_PORT" >"$TMP/wxfake.log" 2>&1 &
	PIDS[wxfake]=$!
	wait_healthy wxfake "$FAKE_URL/__fake/healthz"
}

start_fake
# Every client is 127.0.0.1: the rate limits still run (their cost is measured) but never refuse.
"${CLEAN_ENV[@]}" HX_HTTP_ADDR="$HOST:$SERVER_PORT" HX_MYSQL_DSN="$BENCH_DSN" HX_MYSQL_AUTO_MIGRATE=true \
	HX_REDIS_ADDR="$HOST:$REDIS_PORT" HX_REDIS_KEY_PREFIX="$KEY_PREFIX" \
	HX_WECHAT_APPID="$APPID" HX_WECHAT_SECRET="$SECRET" HX_WECHAT_API_BASE="$FAKE_URL" \
	HX_PII_KEY="$PII_KEY" HX_ADMIN_BOOTSTRAP_PASSWORD="$ADMIN_PW" HX_LOG_LEVEL=warn HX_UPLOAD_DIR="$TMP/uploads" HX_UPLOAD_DAILY_FILES=1000000 \
	HX_LIMITS_WECHAT_LOGIN_PER_IP=10000000 HX_LIMITS_WECHAT_PER_IP=10000000 HX_LIMITS_WECHAT_PER_USER=10000000 \
	HX_STAFF_LOGIN_PER_IP=100000 HX_STAFF_LOGIN_PER_USERNAME=100000 "${SERVER_EXTRA[@]}" \
	"$BIN/server" >"$TMP/server.log" 2>&1 &
PIDS[server]=$!
wait_healthy server "$SERVER_URL/healthz"
# The demo regions (and staff) that the register and submit scenarios use.
"${CLEAN_ENV[@]}" HX_MYSQL_DSN="$BENCH_DSN" HX_REDIS_ADDR="$HOST:$REDIS_PORT" HX_REDIS_KEY_PREFIX="$KEY_PREFIX" \
	HX_WECHAT_APPID="$APPID" HX_WECHAT_SECRET="$SECRET" HX_WECHAT_API_BASE="$FAKE_URL" \
	HX_PII_KEY="$PII_KEY" HX_ADMIN_BOOTSTRAP_PASSWORD="$ADMIN_PW" HX_LOG_LEVEL=warn \
	"$BIN/server" seed >"$TMP/seed.log" 2>&1 || die "seed failed: $(tail -n 5 "$TMP/seed.log")"
"${CLEAN_ENV[@]}" HX_MYSQL_DSN="$BENCH_DSN" HX_REDIS_ADDR="$HOST:$REDIS_PORT" HX_REDIS_KEY_PREFIX="${KEY_PREFIX}floor:" \
	"$BIN/floor" floor -addr "$HOST:$FLOOR_PORT" >"$TMP/floor.log" 2>&1 &
PIDS[floor]=$!
wait_healthy floor "$FLOOR_URL/healthz"
say "server pid ${PIDS[server]} on $SERVER_URL, floor pid ${PIDS[floor]} on $FLOOR_URL, stand-in on $FAKE_URL"

# --- runs --------------------------------------------------------------------------------------
LIMIT=$((${DURATION%s} + ${WARMUP%s} + 150)) # one run, minting included, never takes longer

run_one() { # run_one SCENARIO URL
	local out=$TMP/run.out codes=$MAX_CODES
	[[ $1 == submit ]] && codes=$SUBMIT_DRAFTS
	timeout --kill-after=10 "$LIMIT" "$BIN/loadtest" run -url "$2" -scenario "$1" -c "$CONC" -d "$DURATION" \
		-warmup "$WARMUP" -fake "$FAKE_URL" -users "$USERS" -rate-guess 1500 -max-codes "$codes" \
		-mysql "$BENCH_DSN" -redis "$HOST:$REDIS_PORT" >"$out" ||
		die "loadtest $1 failed: $(tail -n 5 "$out")"
	grep '^{' "$out" >>"$RESULTS"
	grep -v '^[#{]' "$out" | sed 's/^/  /' >&2
}

start=$(date +%s)
say "$RUNS × (floor $SCENARIOS), c=$CONC, ${WARMUP} warm-up + ${DURATION} timed each"
for run in $(seq 1 "$RUNS"); do
	say "run $run/$RUNS"
	run_one floor "$FLOOR_URL"
	for s in $SCENARIOS; do
		if [[ $s == login ]]; then
			# The stand-in keeps every code it issued for 5 minutes and scans them all on each new
			# one, so minting slows down as codes pile up: a fresh stand-in per login run keeps
			# minting bounded.
			stop_pid wxfake
			start_fake
		fi
		run_one "$s" "$SERVER_URL"
	done
done
say "runs took $(($(date +%s) - start)) s"

# VmHWM: the peak resident set since the process started, read after all the load.
hwm() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
SERVER_HWM=$(hwm "${PIDS[server]}")
FLOOR_HWM=$(hwm "${PIDS[floor]}")

[[ -n ${BENCH_RESULTS:-} ]] && cp "$RESULTS" "$BENCH_RESULTS"

echo
echo "c=$CONC, warm-up $WARMUP, timed $DURATION, $RUNS runs each, medians; $(nproc) cores shared by everything.${BENCH_DSN_EXTRA:+ DSN extra: $BENCH_DSN_EXTRA.}${BENCH_SERVER_ENV:+ Server env: $BENCH_SERVER_ENV.}"
echo
"$BIN/loadtest" report -rss-kb "$SERVER_HWM" "$RESULTS"
echo
echo "Floor peak RSS (VmHWM): $((FLOOR_HWM / 1024)) MiB"
warns=$(grep -c '"level":"\(WARN\|ERROR\)"' "$TMP/server.log" || true)
echo "Server log lines at warn or error during the benchmark: $warns"
if ((warns > 0)); then
	grep '"level":"\(WARN\|ERROR\)"' "$TMP/server.log" | sed 's/"time":"[^"]*",//' | cut -c1-300 |
		sort | uniq -c | sort -rn | head -n 5
fi
