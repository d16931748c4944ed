#!/usr/bin/env bash
# scripts/services.sh: bring up what huixiang needs for development and tests.
#
#   scripts/services.sh           Redis >= 7 and MariaDB >= 10.6 up on 127.0.0.1 (installed and
#                                 started if needed), the project's database and user in place,
#                                 and secrets in .env.dev (created once, never overwritten).
#   scripts/services.sh --check   Only report what is up and ready; exit 1 if anything is not.
#
# Environment (all optional):
#   HX_REDIS_PORT  Redis port (default 6379)
#   HX_MYSQL_PORT  MariaDB port (default 3306). A port other than 3306 gets its own private
#                  instance: /var/lib/huixiang-mysql-<port>/{my.cnf,data,mysqld.sock,error.log}.
#   HX_DB_NAME     application database (default huixiang_<checkout id>)
#   HX_DB_USER     MariaDB account (default huixiang_<checkout id>)
#   HX_ENV_FILE    env file to create/complete (default <repo>/.env.dev)
#
# Each checkout has its own database, account and Redis key prefix, named by a checkout id (8 hex
# of the SHA-256 of the checkout's path), so two clones on one machine do not touch each other's
# data or passwords. An env file written before that keeps the account and database its DSN names.
# Idempotent: with everything already up it changes nothing but re-asserting this checkout's own
# account (password, grants); it never changes the password of an account it did not name itself
# (such as the shared 'huixiang' of older env files). It never stops or reconfigures a running server.
set -euo pipefail

SCRIPT_PATH=$(readlink -f -- "${BASH_SOURCE[0]}" 2>/dev/null) || SCRIPT_PATH=${BASH_SOURCE[0]}
SCRIPT_DIR=$(cd -- "$(dirname -- "$SCRIPT_PATH")" && pwd -P)
ROOT=$(cd -- "$SCRIPT_DIR/.." && pwd -P)

REDIS_PORT=${HX_REDIS_PORT:-6379}
MYSQL_PORT=${HX_MYSQL_PORT:-3306}
ENV_FILE=${HX_ENV_FILE:-$ROOT/.env.dev}
# The checkout id names this checkout's own database, account and Redis key prefix.
CHECKOUT_ID=$(printf '%s' "$ROOT" | sha256sum | cut -c1-8)
OWN_NAME=huixiang_$CHECKOUT_ID
DB_NAME='' DB_USER='' # resolve_identity
HOST=127.0.0.1
SYSTEM_MYSQL_PORT=3306 # the distribution's own MariaDB instance; other ports get a private one
MIN_REDIS=7
MIN_MARIADB=10.6
REDIS_WAIT=30
MYSQL_WAIT=60

say() { printf 'services: %s\n' "$*"; }
warn() { printf 'services: warning: %s\n' "$*" >&2; }
die() {
	printf 'services: error: %s\n' "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

usage() {
	sed -n '2,23s/^# \{0,1\}//p' "$SCRIPT_PATH"
}

CHECK_ONLY=0
case "${1:-}" in
'') ;;
--check) CHECK_ONLY=1 ;;
-h | --help)
	usage
	exit 0
	;;
*)
	usage >&2
	exit 2
	;;
esac

valid_port() { [[ $1 =~ ^[0-9]{1,5}$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535)); }
valid_port "$REDIS_PORT" || die "HX_REDIS_PORT='$REDIS_PORT' is not a port number"
valid_port "$MYSQL_PORT" || die "HX_MYSQL_PORT='$MYSQL_PORT' is not a port number"
[[ -z ${HX_DB_NAME:-} || $HX_DB_NAME =~ ^[A-Za-z0-9_]{1,64}$ ]] ||
	die "HX_DB_NAME='$HX_DB_NAME' must be 1-64 characters of [A-Za-z0-9_]"
[[ -z ${HX_DB_USER:-} || $HX_DB_USER =~ ^[A-Za-z0-9_]{1,32}$ ]] ||
	die "HX_DB_USER='$HX_DB_USER' must be 1-32 characters of [A-Za-z0-9_]"

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/hx-services.XXXXXX")
trap 'rm -rf -- "$TMP_DIR"' EXIT

# Privileged steps (apt-get, starting servers, /run and /var/lib) need root; use sudo if we aren't.
# fd 9 (the run lock) is closed for them so that servers they start don't keep holding it.
as_root() {
	if ((EUID == 0)); then
		"$@" 9>&-
	elif have sudo; then
		sudo -- "$@" 9>&-
	else
		die "need root for: $* (run as root or install sudo)"
	fi
}

# run_timeout SECONDS CMD...: timeout(1) where it exists.
run_timeout() {
	local secs=$1
	shift
	if have timeout; then timeout "$secs" "$@"; else "$@"; fi
}

# version_ge HAVE WANT: dotted numeric comparison; HAVE may carry a suffix (10.11.19-MariaDB...).
version_ge() {
	local IFS=. i x y
	local -a a b
	read -r -a a <<<"${1%%[!0-9.]*}"
	read -r -a b <<<"$2"
	for ((i = 0; i < ${#b[@]}; i++)); do
		x=${a[i]:-0} y=${b[i]:-0}
		((10#$x > 10#$y)) && return 0
		((10#$x < 10#$y)) && return 1
	done
	return 0
}

# Installing packages: Debian/Ubuntu only; 'apt-get update' once per run, before the first install
# (a fresh machine or container may have empty package lists).
APT_UPDATED=0
pkg_install() {
	if ! have apt-get; then
		die "'$*' is needed but apt-get is not available (not Debian/Ubuntu). Install Redis >= $MIN_REDIS" \
			"(server and redis-cli) and MariaDB >= $MIN_MARIADB (server and the mariadb client) with this" \
			"system's package manager (e.g. 'dnf install redis mariadb-server mariadb', 'brew install redis mariadb')," \
			"start them on 127.0.0.1 (ports $REDIS_PORT and $MYSQL_PORT), make root able to log in to MariaDB" \
			"without a password over TCP or the unix socket, and run this script again."
	fi
	local log=$TMP_DIR/apt.log
	if ((!APT_UPDATED)); then
		say "apt-get update"
		as_root apt-get update >>"$log" 2>&1 || {
			tail -n 30 "$log" >&2
			die "apt-get update failed (log above)"
		}
		APT_UPDATED=1
	fi
	say "apt-get install $*"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
		-o DPkg::Lock::Timeout=300 "$@" >>"$log" 2>&1 || {
		tail -n 40 "$log" >&2
		die "apt-get install $* failed (log above)"
	}
}

# First installed command of the given names, also looking in sbin dirs missing from a user's PATH.
find_cmd() {
	local name dir
	for name in "$@"; do
		if have "$name"; then
			command -v "$name"
			return 0
		fi
		for dir in /usr/sbin /usr/local/sbin /usr/bin /usr/local/bin; do
			if [[ -x $dir/$name ]]; then
				printf '%s\n' "$dir/$name"
				return 0
			fi
		done
	done
	return 1
}

# is_systemd_host: systemd runs as PID 1 (a normal Debian/Ubuntu host, not a container).
is_systemd_host() { [[ -d /run/systemd/system ]] && have systemctl; }

# pid_alive PIDFILE: the process named in PIDFILE exists. (/proc, not kill -0: works without root.)
pid_alive() {
	local p
	[[ -r $1 ]] || return 1
	p=$(<"$1")
	[[ $p =~ ^[0-9]+$ && -d /proc/$p ]]
}

# ---------------------------------------------------------------------------------------- Redis

# redis_probe PORT: 0 + prints the version when a Redis answers PING on 127.0.0.1:PORT;
# 1 when nothing listens; 2 + prints the reply when something else answers.
redis_probe() {
	local out st=0
	# shellcheck disable=SC2016 # $1 belongs to the inner shell
	out=$(run_timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 7
		printf "PING\r\nINFO server\r\nQUIT\r\n" >&3
		cat <&3' _ "$1" 2>/dev/null | LC_ALL=C tr -c '[:print:]\r\n' '?') || st=$?
	if [[ -z $out ]]; then
		((st == 7)) && return 1 # connection refused: nothing listens
		printf 'no reply\n'
		return 2
	fi
	if [[ $out != +PONG* ]]; then
		out=${out%%$'\r'*}
		out=${out//$'\n'/ }
		printf '%s\n' "${out:0:60}"
		return 2
	fi
	if [[ $out =~ redis_version:([0-9][0-9.]*) ]]; then
		printf '%s\n' "${BASH_REMATCH[1]}"
	else
		printf 'unknown\n'
	fi
}

require_redis_version() { # VERSION WHAT
	[[ $1 == unknown ]] && {
		warn "could not read the Redis version on 127.0.0.1:$REDIS_PORT"
		return 0
	}
	version_ge "$1" "$MIN_REDIS" ||
		die "$2 is Redis $1; huixiang needs Redis >= $MIN_REDIS (Debian 12+ / Ubuntu 24.04+ ship it," \
			"older releases need Redis's own packages)"
}

redis_start() { # BIN
	local bin=$1 dir=/var/lib/huixiang-redis-$REDIS_PORT
	if ((REDIS_PORT == 6379)) && is_systemd_host &&
		as_root systemctl start redis-server >/dev/null 2>&1; then
		say "redis: started the redis-server systemd unit"
		return 0
	fi
	as_root mkdir -p "$dir"
	# Dev/test only: bound to loopback, nothing persisted.
	as_root "$bin" --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
		--dir "$dir" --logfile "$dir/redis.log" --pidfile "$dir/redis.pid" >/dev/null ||
		die "could not start $bin (see $dir/redis.log)"
	say "redis: started $bin on 127.0.0.1:$REDIS_PORT (logs and pid in $dir)"
}

ensure_redis() {
	local v rc bin
	if v=$(redis_probe "$REDIS_PORT"); then
		require_redis_version "$v" "the server on 127.0.0.1:$REDIS_PORT"
		say "redis $v: already up on 127.0.0.1:$REDIS_PORT"
		return 0
	else
		rc=$?
	fi
	((rc == 2)) && die "127.0.0.1:$REDIS_PORT is taken by something that does not answer Redis PING" \
		"(it said: $v); free the port or set HX_REDIS_PORT"

	if ! bin=$(find_cmd redis-server); then
		pkg_install redis-server
		bin=$(find_cmd redis-server) || die "redis-server is still missing after apt-get install"
		# The package's maintainer script may have started its own server already.
		if v=$(redis_probe "$REDIS_PORT"); then
			require_redis_version "$v" "the server on 127.0.0.1:$REDIS_PORT"
			say "redis $v: up on 127.0.0.1:$REDIS_PORT (started by the package)"
			return 0
		fi
	fi
	v=$("$bin" --version 2>/dev/null || true)
	[[ $v =~ v=([0-9][0-9.]*) ]] && require_redis_version "${BASH_REMATCH[1]}" "$bin"

	redis_start "$bin"
	local i
	for ((i = 0; i < REDIS_WAIT * 2; i++)); do
		if v=$(redis_probe "$REDIS_PORT"); then
			require_redis_version "$v" "the server on 127.0.0.1:$REDIS_PORT"
			say "redis $v: up on 127.0.0.1:$REDIS_PORT"
			return 0
		fi
		sleep 0.5
	done
	local log=/var/lib/huixiang-redis-$REDIS_PORT/redis.log
	[[ -r $log ]] && tail -n 20 "$log" >&2
	die "Redis did not answer PING on 127.0.0.1:$REDIS_PORT within ${REDIS_WAIT}s"
}

# -------------------------------------------------------------------------------------- MariaDB

# mysql_probe PORT: reads the server's first packet (no login; the server may log an "Aborted
# connection" note for it). 0 + prints the version when a MySQL-protocol server greets us; 3 + prints
# its message when it answers with an error instead (e.g. "Host ... is not allowed to connect"
# before any user exists for 127.0.0.1): up, version unknown; 1 when nothing listens; 2 otherwise.
mysql_probe() {
	local hex i b text='' st=0
	# shellcheck disable=SC2016 # $1 belongs to the inner shell
	hex=$(run_timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 7
		dd bs=1024 count=1 <&3 2>/dev/null' _ "$1" 2>/dev/null | od -An -tx1 -v | tr -d ' \n') || st=$?
	if [[ -z $hex ]]; then
		((st == 7)) && return 1 # connection refused: nothing listens
		printf 'no greeting\n'  # connected, but no greeting within 3 s
		return 2
	fi
	# 4 bytes of packet header, then 0x0a (greeting, protocol 10) + NUL-terminated version, or
	# 0xff (error) + 2-byte code + message.
	case ${hex:8:2} in
	0a) i=10 ;;
	ff) i=14 ;;
	*)
		printf 'not a MySQL-protocol reply\n'
		return 2
		;;
	esac
	while ((i < ${#hex})); do
		b=${hex:i:2}
		[[ $b == 00 ]] && break
		text+="\\x$b"
		i=$((i + 2))
	done
	printf -v text '%b' "$text"
	text=${text//[![:print:]]/?}
	if [[ ${hex:8:2} == ff ]]; then
		printf '%s\n' "$text"
		return 3
	fi
	# MariaDB prefixes its version with "5.5.5-" for old replication clients.
	printf '%s\n' "${text#5.5.5-}"
}

require_mariadb_version() { # VERSION WHAT
	[[ $1 == *MariaDB* ]] ||
		die "$2 is not MariaDB (it reports '$1'); huixiang needs MariaDB >= $MIN_MARIADB." \
			"Free the port or set HX_MYSQL_PORT to use a private MariaDB instance."
	version_ge "$1" "$MIN_MARIADB" ||
		die "$2 is MariaDB ${1%%-*}; huixiang needs MariaDB >= $MIN_MARIADB" \
			"(Debian 12+ / Ubuntu 22.04+ ship it, older releases need MariaDB's own packages)"
}

# Where the server that we would start keeps things. Filled by mysql_layout.
MY_BIN='' MY_DATADIR='' MY_PIDFILE='' MY_LOG='' MY_SOCKET='' MY_PRIVATE=0 MY_BASE=''
MY_ARGS=()

# print_default NAME: value of --NAME=... that the system server takes from its option files.
MY_DEFAULTS=''
print_default() {
	local word key v=''
	if [[ -z $MY_DEFAULTS ]]; then
		MY_DEFAULTS=$("$MY_BIN" --print-defaults 2>/dev/null) || true
		MY_DEFAULTS=" ${MY_DEFAULTS#*arguments:}"
	fi
	for word in $MY_DEFAULTS; do
		key=${word%%=*}
		[[ ${key//_/-} == "--$1" && $word == *=* ]] && v=${word#*=} # log_error = log-error
	done
	printf '%s\n' "$v"
}

mysql_layout() { # BIN
	MY_BIN=$1
	if ((MYSQL_PORT == SYSTEM_MYSQL_PORT)); then
		MY_PRIVATE=0
		MY_ARGS=()
		MY_DATADIR=$(print_default datadir)
		MY_DATADIR=${MY_DATADIR:-/var/lib/mysql}
		MY_SOCKET=$(print_default socket)
		MY_SOCKET=${MY_SOCKET:-/run/mysqld/mysqld.sock}
		MY_PIDFILE=$(print_default pid-file)
		if [[ -z $MY_PIDFILE ]]; then
			MY_PIDFILE=/run/mysqld/mysqld.pid
			MY_ARGS+=("--pid-file=$MY_PIDFILE")
		fi
		[[ -n $(print_default user) ]] || MY_ARGS+=(--user=mysql)
		MY_LOG=$(print_default log-error)
		if [[ -z $MY_LOG ]]; then # otherwise a failed start leaves no trace at all
			MY_LOG=/var/log/mysql/error.log
			MY_ARGS+=("--log-error=$MY_LOG")
		fi
	else
		# A private instance per port, fully described by its own option file.
		MY_PRIVATE=1
		MY_BASE=/var/lib/huixiang-mysql-$MYSQL_PORT
		MY_DATADIR=$MY_BASE/data
		MY_SOCKET=$MY_BASE/mysqld.sock
		MY_PIDFILE=$MY_BASE/mysqld.pid
		MY_LOG=$MY_BASE/error.log
		MY_ARGS=("--defaults-file=$MY_BASE/my.cnf")
	fi
}

write_private_cnf() {
	local cnf=$MY_BASE/my.cnf new=$TMP_DIR/my.cnf
	cat >"$new" <<EOF
# Written by huixiang scripts/services.sh: private MariaDB instance on 127.0.0.1:$MYSQL_PORT.
[client-server]
port = $MYSQL_PORT
socket = $MY_SOCKET

[mysqld]
user = mysql
bind-address = 127.0.0.1
datadir = $MY_DATADIR
pid-file = $MY_PIDFILE
log-error = $MY_LOG
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
EOF
	as_root install -d -o mysql -g mysql -m 0755 "$MY_BASE"
	if ! cmp -s "$new" "$cnf" 2>/dev/null; then
		as_root install -o root -g root -m 0644 "$new" "$cnf"
	fi
}

mysql_init_datadir() {
	[[ -d $MY_DATADIR/mysql ]] && return 0
	local installdb log=$TMP_DIR/install-db.log
	installdb=$(find_cmd mariadb-install-db mysql_install_db) ||
		die "mariadb-install-db not found (package mariadb-server)"
	say "mariadb: initialising an empty data directory $MY_DATADIR"
	local -a args=()
	((MY_PRIVATE)) && args+=("${MY_ARGS[0]}" --skip-test-db)
	args+=(--user=mysql "--datadir=$MY_DATADIR")
	as_root "$installdb" "${args[@]}" >"$log" 2>&1 || {
		tail -n 30 "$log" >&2
		die "$installdb failed (log above)"
	}
}

mysql_start() {
	id mysql >/dev/null 2>&1 || die "there is no 'mysql' system user (is mariadb-server installed properly?)"
	if ((MY_PRIVATE)); then
		write_private_cnf
	else
		if is_systemd_host && as_root systemctl start mariadb >/dev/null 2>&1; then
			say "mariadb: started the mariadb systemd unit"
			return 0
		fi
		local d
		for d in /run/mysqld "$(dirname -- "$MY_SOCKET")" "$(dirname -- "$MY_PIDFILE")"; do
			[[ -d $d ]] || as_root install -d -o mysql -g mysql -m 0755 "$d"
		done
		as_root chown mysql:mysql /run/mysqld
		[[ -z $MY_LOG || -d $(dirname -- "$MY_LOG") ]] ||
			as_root install -d -o mysql -g adm -m 2750 "$(dirname -- "$MY_LOG")"
	fi
	mysql_init_datadir
	# A stale pid file would make the start look like a crash (or make start-stop-daemon skip it).
	if [[ -e $MY_PIDFILE ]] && ! pid_alive "$MY_PIDFILE"; then as_root rm -f -- "$MY_PIDFILE"; fi
	MY_LOG_OFFSET=0
	if [[ -n $MY_LOG && -e $MY_LOG ]]; then MY_LOG_OFFSET=$(as_root stat -c %s -- "$MY_LOG"); fi
	local ssd
	if ssd=$(find_cmd start-stop-daemon); then
		as_root "$ssd" --start --oknodo --background --pidfile "$MY_PIDFILE" \
			--exec "$MY_BIN" -- "${MY_ARGS[@]}" >/dev/null
	else
		# shellcheck disable=SC2024 # the redirections are ours on purpose
		as_root setsid "$MY_BIN" "${MY_ARGS[@]}" </dev/null >/dev/null 2>&1 &
		disown || true
	fi
	say "mariadb: started $MY_BIN on 127.0.0.1:$MYSQL_PORT (data $MY_DATADIR${MY_LOG:+, log $MY_LOG})"
}

# mysql_start_failed: the server we started has logged "[ERROR] Aborting" or left a dead pid file.
MY_LOG_OFFSET=0
mysql_start_failed() {
	if [[ -n $MY_PIDFILE && -e $MY_PIDFILE ]] && ! pid_alive "$MY_PIDFILE"; then return 0; fi
	[[ -n $MY_LOG && -e $MY_LOG ]] || return 1
	as_root tail -c "+$((MY_LOG_OFFSET + 1))" -- "$MY_LOG" 2>/dev/null | grep 'ERROR\] Aborting' >/dev/null
}

# mysql_up WHEN: probe once; 0 when MariaDB answers (version checked now when the greeting shows
# it, else after logging in), 1 when nothing listens; dies when something else holds the port.
MYSQL_VERSION=''
mysql_up() {
	local v rc=0
	v=$(mysql_probe "$MYSQL_PORT") || rc=$?
	case $rc in
	0)
		require_mariadb_version "$v" "the server on 127.0.0.1:$MYSQL_PORT"
		MYSQL_VERSION=${v%%-*}
		say "mariadb $MYSQL_VERSION: $1 on 127.0.0.1:$MYSQL_PORT"
		;;
	3)
		MYSQL_VERSION='' # no user for 127.0.0.1 yet: a fresh data directory
		say "mariadb: $1 on 127.0.0.1:$MYSQL_PORT (version checked after logging in)"
		;;
	1) return 1 ;;
	*)
		die "127.0.0.1:$MYSQL_PORT is taken by something that is not a MySQL-protocol server;" \
			"free the port or set HX_MYSQL_PORT"
		;;
	esac
}

ensure_mariadb() {
	local v bin
	mysql_up "already up" && return 0

	if ! bin=$(find_cmd mariadbd mysqld); then
		pkg_install mariadb-server mariadb-client
		bin=$(find_cmd mariadbd mysqld) || die "mariadbd is still missing after apt-get install"
		# The package's maintainer script may have started the system instance.
		mysql_up "up (started by the package)" && return 0
	fi
	v=$("$bin" --version 2>/dev/null || true)
	[[ $v =~ Ver\ ([0-9][^ ]*) ]] && require_mariadb_version "${BASH_REMATCH[1]}" "$bin"

	mysql_layout "$bin"
	mysql_start
	local i
	for ((i = 0; i < MYSQL_WAIT * 2; i++)); do
		mysql_up "up" && return 0
		# Gave up already (bad option, port taken...)? Don't wait the full minute for it.
		mysql_start_failed && break
		sleep 0.5
	done
	if [[ -n $MY_LOG && -e $MY_LOG ]]; then as_root tail -n 25 -- "$MY_LOG" >&2 || true; fi
	die "MariaDB did not come up on 127.0.0.1:$MYSQL_PORT${MY_LOG:+ (log: $MY_LOG)}"
}

# ------------------------------------------------------------------------ database and project user

CLIENT=''
find_client() {
	CLIENT=$(find_cmd mariadb mysql) && return 0
	pkg_install mariadb-client
	CLIENT=$(find_cmd mariadb mysql) || die "no mariadb/mysql client even after apt-get install mariadb-client"
}

# The socket of the server on MYSQL_PORT, if we know it (for the root-over-socket fallback).
# (The system instance's socket is known when this run started it; else the client's default.)
server_socket() {
	if ((MYSQL_PORT != SYSTEM_MYSQL_PORT)); then
		printf '%s\n' "/var/lib/huixiang-mysql-$MYSQL_PORT/mysqld.sock"
	elif [[ -n $MY_SOCKET ]]; then
		printf '%s\n' "$MY_SOCKET"
	fi
}

ADMIN=()
find_admin() {
	local -a tcp=("$CLIENT" --protocol=TCP "-h$HOST" "-P$MYSQL_PORT" -uroot --connect-timeout=5)
	if "${tcp[@]}" -NBe 'SELECT 1' </dev/null >/dev/null 2>&1; then
		ADMIN=("${tcp[@]}")
		return 0
	fi
	# A fresh Debian MariaDB: root logs in only through the unix socket, as the OS root user.
	local sock port
	sock=$(server_socket)
	local -a unix=(as_root "$CLIENT" --protocol=SOCKET -uroot ${sock:+"--socket=$sock"})
	if port=$("${unix[@]}" -NBe 'SELECT @@port' </dev/null 2>/dev/null) && [[ $port == "$MYSQL_PORT" ]]; then
		ADMIN=("${unix[@]}")
		return 0
	fi
	die "cannot log in to MariaDB on 127.0.0.1:$MYSQL_PORT as an administrator: tried root without a" \
		"password over TCP and root through the unix socket${sock:+ $sock}. Create the user yourself:" \
		"CREATE USER '$DB_USER'@'127.0.0.1' and '$DB_USER'@'localhost' IDENTIFIED BY HX_DB_PASSWORD from" \
		"$ENV_FILE, GRANT ALL ON \`$DB_NAME\`.* and ON \`huixiang\\_test\\_%\`.* to both."
}

sql_str() { # quote a value as an SQL string literal
	local s=${1//\\/\\\\}
	s=${s//\'/\\\'}
	printf "'%s'" "$s"
}

# grant patterns: `_` is a wildcard in GRANT ... ON `db`.*, so escape it.
# shellcheck disable=SC2016 # the backquotes are SQL
grant_db() { printf '`%s`' "${1//_/\\_}"; }

# client_cnf USER PASSWORD: an option file for a non-root login (keeps the password off argv/env).
client_cnf() {
	local f=$TMP_DIR/client-$1.cnf
	(
		umask 077
		printf '[client]\nuser=%s\npassword=%s\n' "$1" "$2" >"$f"
	)
	printf '%s\n' "$f"
}

project_login() { # PASSWORD [SQL]: log in as the project user over TCP
	local cnf
	cnf=$(client_cnf "$DB_USER" "$1")
	"$CLIENT" "--defaults-file=$cnf" --protocol=TCP "-h$HOST" "-P$MYSQL_PORT" --connect-timeout=5 \
		-NBe "${2:-SELECT 1}" "$DB_NAME" </dev/null
}

ensure_db_and_user() { # PASSWORD
	local pw=$1 host hosts=("$HOST" localhost) sql
	local -a patterns=("$(grant_db "$DB_NAME")" "$(grant_db huixiang_test_%)")
	[[ $DB_NAME == huixiang ]] || patterns+=("$(grant_db "${DB_NAME}_test_%")")
	find_client
	find_admin
	if [[ -z $MYSQL_VERSION ]]; then
		local v
		v=$("${ADMIN[@]}" -NBe 'SELECT VERSION()' </dev/null) || die "SELECT VERSION() failed"
		require_mariadb_version "$v" "the server on 127.0.0.1:$MYSQL_PORT"
		MYSQL_VERSION=${v%%-*}
	fi
	sql="CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
	sql+=$'\n'"ALTER DATABASE \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;"
	for host in "${hosts[@]}"; do
		local who
		who="$(sql_str "$DB_USER")@$(sql_str "$host")"
		sql+=$'\n'"CREATE USER IF NOT EXISTS $who IDENTIFIED BY $(sql_str "$pw");"
		# Only this checkout's own account gets its password re-asserted: an account another
		# checkout (or an older env file shared by several) uses keeps its password.
		if [[ $DB_USER == "$OWN_NAME" ]]; then
			sql+=$'\n'"ALTER USER $who IDENTIFIED BY $(sql_str "$pw");"
		fi
		local p
		for p in "${patterns[@]}"; do
			sql+=$'\n'"GRANT ALL PRIVILEGES ON $p.* TO $who;"
		done
	done
	local err=$TMP_DIR/sql.err
	"${ADMIN[@]}" -NB <<<"$sql" >/dev/null 2>"$err" || {
		cat "$err" >&2
		die "creating the database/user as MariaDB root failed (error above)"
	}
	# Verify as the project user, never as root: TCP login, and the test-database grant.
	local probe_db="huixiang_test_svc_check_$$"
	project_login "$pw" "CREATE DATABASE \`$probe_db\`; DROP DATABASE \`$probe_db\`;" >/dev/null 2>"$err" || {
		cat "$err" >&2
		[[ $DB_USER == "$OWN_NAME" ]] ||
			die "the password in $ENV_FILE does not open the MariaDB account '$DB_USER', which is not this" \
				"checkout's own ($OWN_NAME), so it is left alone (other checkouts may use it). Put that account's" \
				"password in HX_DB_PASSWORD and the DSNs of $ENV_FILE, or delete the HX_DB_USER, HX_DB_NAME," \
				"HX_DB_PASSWORD, HX_MYSQL_DSN and HX_TEST_MYSQL_DSN lines to get an account of this checkout's own."
		die "logging in as $DB_USER over TCP 127.0.0.1:$MYSQL_PORT (or creating a huixiang_test_ database) failed"
	}
	say "mariadb $MYSQL_VERSION: database $DB_NAME and user $DB_USER@{127.0.0.1,localhost} ready (login over TCP verified)"
}

# ------------------------------------------------------------------------------------ env file
# Format: KEY=value lines that both `set -a; . ./.env.dev` (sh) and `include .env.dev` (GNU make)
# read. Plain values keep to [A-Za-z0-9+/=:@._-]. A value with ( ) ? & (the DSNs) is written twice:
#   # comment ending in a backslash   <- make continues this comment onto the next line...
#   KEY='value'                       <- ...so only sh reads this quoted line
#   # another such comment  \
#   : <<'#end-make-only'              <- sh: a here-document it skips; make: comment continuation
#   KEY=value                         <- only make reads this plain line
#   #end-make-only                    <- sh: end of the here-document; make: a comment

PLAIN_RE='^[A-Za-z0-9+/=:@._-]*$'

env_get() { # KEY: prints the last value of KEY (quotes stripped); 1 when absent
	local line val='' found=1
	[[ -r $ENV_FILE ]] || return 1
	while IFS= read -r line || [[ -n $line ]]; do
		if [[ $line == "$1="* ]]; then
			val=${line#*=}
			found=0
		fi
	done <"$ENV_FILE"
	((found == 0)) || return 1
	if [[ $val == \'*\' && ${#val} -ge 2 ]]; then val=${val:1:${#val}-2}; fi
	printf '%s\n' "$val"
}

env_put() { # KEY VALUE: append one setting
	local k=$1 v=$2
	if [[ $v =~ $PLAIN_RE ]]; then
		printf '%s=%s\n' "$k" "$v"
	else
		[[ $v != *"'"* && $v != *'$'* && $v != *'#'* ]] || die "internal: $k value not representable"
		printf '# %s contains characters sh needs quoted: the next line is for sh only (make: comment) \\\n' "$k"
		printf "%s='%s'\n" "$k" "$v"
		printf '# and the plain line below is for make only (sh: skipped here-document) \\\n'
		printf ": <<'#end-make-only'\n"
		printf '%s=%s\n' "$k" "$v"
		printf '#end-make-only\n'
	fi >>"$ENV_FILE"
}

rand_alnum() { # N
	local s=''
	while ((${#s} < $1)); do
		s+=$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
	done
	printf '%s\n' "${s:0:$1}"
}
rand_b64_32() {
	if have openssl; then
		openssl rand -base64 32
	else
		head -c 32 /dev/urandom | base64 | tr -d '\n'
		echo
	fi
}
rand_hex32() {
	if have openssl; then
		openssl rand -hex 16
	else
		od -An -tx1 -N16 /dev/urandom | tr -d ' \n'
		echo
	fi
}
rand_admin_password() { # 16 letters and digits, at least one lower, one upper and one digit
	local p
	while :; do
		p=$(rand_alnum 16)
		[[ $p =~ [a-z] && $p =~ [A-Z] && $p =~ [0-9] ]] && break
	done
	printf '%s\n' "$p"
}

# resolve_identity: DB_USER and DB_NAME of this checkout. An env file's DSN wins (older files
# name the shared 'huixiang' account and database, and keep working); then HX_DB_USER/HX_DB_NAME
# from the file or the environment; then this checkout's own huixiang_<checkout id>.
DSN_RE='^([A-Za-z0-9_]+):[^@]*@tcp\([^)]*\)/([A-Za-z0-9_]+)'
resolve_identity() {
	local v
	if v=$(env_get HX_MYSQL_DSN) && [[ $v =~ $DSN_RE ]]; then
		DB_USER=${BASH_REMATCH[1]} DB_NAME=${BASH_REMATCH[2]}
		[[ -z ${HX_DB_NAME:-} || $HX_DB_NAME == "$DB_NAME" ]] ||
			warn "HX_DB_NAME=$HX_DB_NAME ignored: HX_MYSQL_DSN in $ENV_FILE names database $DB_NAME"
		return 0
	fi
	DB_USER=$(env_get HX_DB_USER) || DB_USER=${HX_DB_USER:-$OWN_NAME}
	DB_NAME=$(env_get HX_DB_NAME) || DB_NAME=${HX_DB_NAME:-$OWN_NAME}
	[[ $DB_USER =~ ^[A-Za-z0-9_]{1,32}$ && $DB_NAME =~ ^[A-Za-z0-9_]{1,64}$ ]] ||
		die "HX_DB_USER/HX_DB_NAME in $ENV_FILE must be [A-Za-z0-9_] (up to 32/64 characters)"
}

ENV_STATE=''
DB_PASSWORD=''
ensure_env_file() {
	local created=0 added=() k v
	if [[ ! -e $ENV_FILE ]]; then
		mkdir -p -- "$(dirname -- "$ENV_FILE")"
		(
			umask 077
			cat >"$ENV_FILE" <<'EOF'
# huixiang development settings: generated by scripts/services.sh, kept out of git (.gitignore).
# The secrets are random for this machine. The script never overwrites this file; it only appends
# keys that are missing, so edit freely (and keep the DB password in step with the DSNs).
# Load it in sh with `set -a; . ./.env.dev; set +a`, in a Makefile with `include .env.dev` + `export`.
# Values with ( ) & are written twice, once quoted for sh and once plain for make; see the comments.
EOF
		)
		created=1
	fi
	[[ -w $ENV_FILE ]] || die "$ENV_FILE is not writable"
	if [[ -s $ENV_FILE && -n $(tail -c 1 -- "$ENV_FILE") ]]; then echo >>"$ENV_FILE"; fi
	resolve_identity

	if ! DB_PASSWORD=$(env_get HX_DB_PASSWORD); then
		# Keep the password the DSNs already carry, if they are there.
		if v=$(env_get HX_MYSQL_DSN) && [[ $v =~ ^$DB_USER:([^@]+)@ ]]; then # DB_USER: [A-Za-z0-9_]
			DB_PASSWORD=${BASH_REMATCH[1]}
		else
			DB_PASSWORD=$(rand_alnum 24)
		fi
		env_put HX_DB_PASSWORD "$DB_PASSWORD"
		added+=(HX_DB_PASSWORD)
	fi
	[[ $DB_PASSWORD =~ ^[A-Za-z0-9._~+=-]+$ ]] ||
		die "HX_DB_PASSWORD in $ENV_FILE must be non-empty and use only [A-Za-z0-9._~+=-]"

	local params='parseTime=true&charset=utf8mb4&loc=UTC'
	local addr="$DB_USER:$DB_PASSWORD@tcp($HOST:$MYSQL_PORT)"
	local -a keys=(HX_DB_USER HX_DB_NAME HX_MYSQL_DSN HX_TEST_MYSQL_DSN HX_REDIS_ADDR HX_REDIS_KEY_PREFIX
		HX_PII_KEY HX_ADMIN_BOOTSTRAP_PASSWORD HX_WECHAT_APPID HX_WECHAT_SECRET HX_WECHAT_API_BASE)
	for k in "${keys[@]}"; do
		env_get "$k" >/dev/null && continue
		case $k in
		HX_DB_USER) v=$DB_USER ;;
		HX_DB_NAME) v=$DB_NAME ;;
		HX_MYSQL_DSN) v="$addr/$DB_NAME?$params" ;;
		HX_TEST_MYSQL_DSN) v="$addr/?$params" ;;
		HX_REDIS_ADDR) v="$HOST:$REDIS_PORT" ;;
		# Its own key prefix keeps this checkout's sessions and caches apart from other checkouts'
		# on a shared Redis (no braces: keys put hash tags after the prefix).
		HX_REDIS_KEY_PREFIX) v="hx:$CHECKOUT_ID:" ;;
		HX_PII_KEY) v=$(rand_b64_32) ;;
		HX_ADMIN_BOOTSTRAP_PASSWORD) v=$(rand_admin_password) ;;
		HX_WECHAT_APPID) v=wxdev000000000000 ;;
		HX_WECHAT_SECRET) v=$(rand_hex32) ;;
		HX_WECHAT_API_BASE) v=http://127.0.0.1:9099 ;;
		esac
		env_put "$k" "$v"
		added+=("$k")
	done

	# Settings written on an earlier run (or edited) that disagree with this run.
	v=$(env_get HX_MYSQL_DSN)
	[[ $v == "$addr/"* ]] || warn "HX_MYSQL_DSN in $ENV_FILE is not $DB_USER:<HX_DB_PASSWORD>@tcp($HOST:$MYSQL_PORT)/...; fix it, or delete its lines to have it written again"
	v=$(env_get HX_TEST_MYSQL_DSN)
	[[ $v == "$addr/"* ]] || warn "HX_TEST_MYSQL_DSN in $ENV_FILE is not $DB_USER:<HX_DB_PASSWORD>@tcp($HOST:$MYSQL_PORT)/...; fix it, or delete its lines to have it written again"
	v=$(env_get HX_REDIS_ADDR)
	[[ $v == "$HOST:$REDIS_PORT" ]] || warn "HX_REDIS_ADDR in $ENV_FILE is $v, not $HOST:$REDIS_PORT"

	if ((created)); then
		ENV_STATE="created"
	elif ((${#added[@]})); then
		ENV_STATE="added ${added[*]}"
	else
		ENV_STATE="unchanged"
	fi
}

# ---------------------------------------------------------------------------------------- --check

check() {
	local ok=1 v rc=0
	v=$(redis_probe "$REDIS_PORT") || rc=$?
	if ((rc == 0)); then
		if [[ $v == unknown ]] || version_ge "$v" "$MIN_REDIS"; then
			say "redis $v: up on 127.0.0.1:$REDIS_PORT"
		else
			say "redis $v: up on 127.0.0.1:$REDIS_PORT but older than $MIN_REDIS"
			ok=0
		fi
	elif ((rc == 1)); then
		say "redis: NOT answering on 127.0.0.1:$REDIS_PORT"
		ok=0
	else
		say "redis: 127.0.0.1:$REDIS_PORT is taken by something that does not answer PING ($v)"
		ok=0
	fi
	local db_up=0
	rc=0
	v=$(mysql_probe "$MYSQL_PORT") || rc=$?
	case $rc in
	0)
		if [[ $v == *MariaDB* ]] && version_ge "$v" "$MIN_MARIADB"; then
			say "mariadb ${v%%-*}: up on 127.0.0.1:$MYSQL_PORT"
			db_up=1
		else
			say "mariadb: 127.0.0.1:$MYSQL_PORT answers as '$v', not MariaDB >= $MIN_MARIADB"
			ok=0
		fi
		;;
	3)
		say "mariadb: up on 127.0.0.1:$MYSQL_PORT (its greeting: $v)"
		db_up=1
		;;
	1)
		say "mariadb: NOT answering on 127.0.0.1:$MYSQL_PORT"
		ok=0
		;;
	*)
		say "mariadb: 127.0.0.1:$MYSQL_PORT is taken by something that is not MariaDB"
		ok=0
		;;
	esac
	resolve_identity
	if ! v=$(env_get HX_DB_PASSWORD); then
		say "env file: $ENV_FILE missing or without HX_DB_PASSWORD"
		ok=0
	elif ((db_up)); then
		if CLIENT=$(find_cmd mariadb mysql) && project_login "$v" >/dev/null 2>&1; then
			say "mariadb: $DB_USER can log in to $DB_NAME over TCP (env file $ENV_FILE)"
		else
			say "mariadb: $DB_USER can NOT log in to $DB_NAME over TCP with the password in $ENV_FILE"
			ok=0
		fi
	fi
	((ok)) || {
		say "not ready: run scripts/services.sh"
		exit 1
	}
}

# ------------------------------------------------------------------------------------------ main

if ((CHECK_ONLY)); then
	check
	exit 0
fi

# One run at a time (parallel make targets, several shells).
if have flock; then
	exec 9>"${TMPDIR:-/tmp}/huixiang-services.lock"
	flock -w 600 9 || die "another scripts/services.sh has held the lock for 10 minutes"
fi

ensure_redis
ensure_mariadb
ensure_env_file
ensure_db_and_user "$DB_PASSWORD"
say "env file: $ENV_FILE ($ENV_STATE)"
