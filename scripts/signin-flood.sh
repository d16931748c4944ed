#!/usr/bin/env bash
# scripts/signin-flood.sh: the staff sign-in memory benchmark (issue #8, item 1).
#
# Builds cmd/server, creates a throw-away MariaDB database, and for each phase starts a fresh
# server, fires SIGNIN_FLOOD_N (default 200) parallel POST /admin/api/v1/auth/login with wrong
# passwords (half for the existing "admin", half for unknown usernames) and prints the answers by
# status and the server's peak RSS (VmHWM from /proc/<pid>/status). Goal: peak < 200 MB.
#
#   phase "defaults":   the shipped limits (all requests come from 127.0.0.1, so the per-address
#                       limit answers most of them 429 before any hash)
#   phase "hash-bound": the per-address and per-username limits raised out of the way, so every
#                       request reaches the password check and only the hash slots bound memory
#
# Only 127.0.0.1 is targeted. Everything it started is stopped, and its database and Redis keys
# removed, however it ends. Environment: SIGNIN_FLOOD_N, SIGNIN_FLOOD_PORT (default 18180),
# HX_MYSQL_PORT / HX_REDIS_PORT (default 3306 / 6379). The MariaDB account is .env.dev's
# (HX_TEST_MYSQL_DSN, else HX_MYSQL_DSN), else root without a password.
set -euo pipefail

ROOT=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
HOST=127.0.0.1
N=${SIGNIN_FLOOD_N:-200}
PORT=${SIGNIN_FLOOD_PORT:-18180}
MYSQL_PORT=${HX_MYSQL_PORT:-3306}
REDIS_PORT=${HX_REDIS_PORT:-6379}
DB_NAME=huixiang_test_flood_$$
KEY_PREFIX=hxflood:$$:
URL=http://$HOST:$PORT

say() { printf 'signin-flood: %s\n' "$*" >&2; }
die() {
	say "error: $*"
	exit 1
}
for t in go mysql redis-cli curl xargs; do command -v "$t" >/dev/null || die "$t is required"; done
[[ $N =~ ^[0-9]+$ ]] && ((N > 0)) || die "SIGNIN_FLOOD_N must be a positive whole number"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/hx-flood.XXXXXX")
SERVER_PID=
DB_CREATED=0
MYSQL_ARGS=()
MYSQL_PWD_VALUE=
mysql_admin() { MYSQL_PWD=$MYSQL_PWD_VALUE mysql "${MYSQL_ARGS[@]}" "$@"; }

stop_server() {
	[[ -n $SERVER_PID ]] || return 0
	kill -TERM "$SERVER_PID" 2>/dev/null || true
	wait "$SERVER_PID" 2>/dev/null || true
	SERVER_PID=
}
cleanup() {
	local rc=$?
	set +e
	stop_server
	((DB_CREATED)) && mysql_admin -e "DROP DATABASE IF EXISTS \`$DB_NAME\`"
	redis-cli -h "$HOST" -p "$REDIS_PORT" --scan --pattern "${KEY_PREFIX}*" 2>/dev/null |
		xargs -r -n 500 redis-cli -h "$HOST" -p "$REDIS_PORT" unlink >/dev/null 2>&1
	rm -rf -- "$TMP"
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "building the server"
(cd "$ROOT" && go build -o "$TMP/server" ./cmd/server)

try_account() { # try_account USER PASS: can it create the database?
	MYSQL_ARGS=(--protocol=TCP -h "$HOST" -P "$MYSQL_PORT" -u "$1" --connect-timeout=5)
	MYSQL_PWD_VALUE=$2
	mysql_admin -e "CREATE DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" 2>/dev/null
}
DB_USER=root DB_PASS=
if [[ -f $ROOT/.env.dev ]]; then
	dsn=$(
		set +eu -a
		# shellcheck disable=SC1091
		. "$ROOT/.env.dev" >/dev/null 2>&1
		printf '%s' "${HX_TEST_MYSQL_DSN:-${HX_MYSQL_DSN:-}}"
	) || dsn=
	re='^([^:@]*)(:(.*))?@tcp\(([^)]*)\)/'
	if [[ $dsn =~ $re ]] && try_account "${BASH_REMATCH[1]}" "${BASH_REMATCH[3]}"; then
		DB_USER=${BASH_REMATCH[1]} DB_PASS=${BASH_REMATCH[3]} DB_CREATED=1
	fi
fi
if ((!DB_CREATED)); then
	try_account root "" || die "cannot create database $DB_NAME (is MariaDB up? scripts/services.sh)"
	DB_CREATED=1
fi
DSN="$DB_USER${DB_PASS:+:$DB_PASS}@tcp($HOST:$MYSQL_PORT)/$DB_NAME?parseTime=true&charset=utf8mb4&loc=UTC"
ADMIN_PW=Flood$(head -c 12 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')7

start_server() { # start_server [NAME=VALUE...]
	env -i "PATH=$PATH" "HOME=${HOME:-/root}" HX_HTTP_ADDR="$HOST:$PORT" HX_MYSQL_DSN="$DSN" HX_MYSQL_AUTO_MIGRATE=true \
		HX_REDIS_ADDR="$HOST:$REDIS_PORT" HX_REDIS_KEY_PREFIX="$KEY_PREFIX$RANDOM:" HX_WECHAT_APPID=wxflood \
		HX_WECHAT_SECRET=flood-secret-0123456789 HX_WECHAT_API_BASE=http://127.0.0.1:9 \
		HX_PII_KEY="$(head -c 32 /dev/urandom | base64)" HX_ADMIN_BOOTSTRAP_PASSWORD="$ADMIN_PW" HX_LOG_LEVEL=warn \
		HX_UPLOAD_DIR="$TMP/uploads" "$@" "$TMP/server" >"$TMP/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 1 300); do
		curl -fsS "$URL/healthz" >/dev/null 2>&1 && return 0
		kill -0 "$SERVER_PID" 2>/dev/null || die "server exited: $(tail -n 5 "$TMP/server.log")"
		sleep 0.1
	done
	die "server not healthy after 30 s"
}

kib() { awk -v k="$1" '/^'"$1"':/ {print $2}' "/proc/$SERVER_PID/status"; }

phase() { # phase NAME [NAME=VALUE...]
	local name=$1
	shift
	start_server "$@"
	local before
	before=$(kib VmRSS)
	seq 1 "$N" | xargs -P "$N" -I{} sh -c '
		i={}; u=admin; [ $((i % 2)) -eq 0 ] && u=nobody$i
		curl -s -o /dev/null -w "%{http_code}\n" -H "Content-Type: application/json" \
			-d "{\"username\":\"$u\",\"password\":\"Wrong-password-$i\"}" '"$URL"'/admin/api/v1/auth/login' >"$TMP/codes"
	local peak
	peak=$(kib VmHWM)
	printf '%-10s  %4d sign-ins  answers: %-36s  RSS before %5d MB, peak (VmHWM) %5d MB\n' "$name" "$N" \
		"$(sort "$TMP/codes" | uniq -c | awk '{printf "%s×%s ", $1, $2}')" $((before / 1024)) $((peak / 1024))
	stop_server
	((peak < 200 * 1024)) || {
		say "$name: peak RSS $((peak / 1024)) MB is over the 200 MB goal"
		return 1
	}
}

phase defaults
phase hash-bound HX_STAFF_LOGIN_PER_IP=100000 HX_STAFF_LOGIN_PER_USERNAME=100000
