#!/usr/bin/env bash
# scripts/txn-floor.sh: what MariaDB alone spends on the transaction shapes of the write paths,
# measured on a private, empty mariadbd (results: docs/benchmarks.md "How low can the write paths
# go").
#
# Starts its own mariadbd (the machine's binary, default settings as on the shared server:
# innodb_flush_log_at_trx_commit=1, 128 MiB buffer pool, no binlog) on a temporary data directory
# and port, loads three small tables (a 100,000-row record table with two secondary indexes, a
# history table and an audit table shaped like ours), then runs each shape with mariadb-slap at 64
# clients and prints the transactions per second and mariadbd's CPU time per transaction (from
# /proc, so nothing else shares it). The shapes:
#   select    one primary-key SELECT (the floor's MariaDB part)
#   update    one autocommitted UPDATE by primary key (the cheapest durable write)
#   register  START TRANSACTION; SELECT … FOR UPDATE; UPDATE the record; INSERT history; INSERT
#             audit; COMMIT (PUT /me/returnee without anything else)
#   submit    the same plus two reads inside the transaction (attachments, the person's count)
#   me-joined GET /me's read before migration 00044: the user's row and, by EXISTS over persons
#             and mentors (two unique keys), whether the user is an active mentor
#   me-row    GET /me's read since: the user's row alone, the flag a column of it
# Every shape also runs one `SET @id = …` per transaction to pick a random row (~30 µs).
# Everything is removed when it exits. Only 127.0.0.1 is used. About 1 minute.
#
# Environment: TXN_FLOOR_PORT (default 3317), TXN_FLOOR_RUNS (default 3).
set -euo pipefail

PORT=${TXN_FLOOR_PORT:-3317}
RUNS=${TXN_FLOOR_RUNS:-3}
for t in mariadbd mariadb-install-db mariadb-slap mariadb; do
	command -v "$t" >/dev/null 2>&1 || { echo "txn-floor: $t is required (apt-get install mariadb-server mariadb-client)" >&2; exit 1; }
done
DIR=$(mktemp -d /tmp/txn-floor.XXXXXX)
PID=''
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$DIR"
}
trap cleanup EXIT

mariadb-install-db --no-defaults --datadir="$DIR/data" --auth-root-authentication-method=normal \
	--user="$(id -un)" >"$DIR/install.log" 2>&1
mariadbd --no-defaults --datadir="$DIR/data" --port="$PORT" --bind-address=127.0.0.1 \
	--socket="$DIR/sock" --innodb-buffer-pool-size=128M --skip-log-bin --max-connections=200 \
	--user="$(id -un)" >"$DIR/err.log" 2>&1 &
PID=$!
M=(mariadb -uroot -h127.0.0.1 -P"$PORT" -N -B)
for _ in $(seq 50); do "${M[@]}" -e 'SELECT 1' >/dev/null 2>&1 && break; sleep 0.2; done

"${M[@]}" -e "
CREATE DATABASE x; USE x;
CREATE TABLE t (id BIGINT UNSIGNED PRIMARY KEY, n INT NOT NULL DEFAULT 0,
  township CHAR(6) NOT NULL DEFAULT '421202', payload VARCHAR(500) NOT NULL DEFAULT '',
  updated_at DATETIME(3) NOT NULL DEFAULT NOW(3), version INT NOT NULL DEFAULT 1,
  KEY k_updated (updated_at), KEY k_township (township, updated_at)) DEFAULT CHARSET=utf8mb4;
CREATE TABLE h (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, t_id BIGINT UNSIGNED NOT NULL,
  at DATETIME(3) NOT NULL, detail JSON, KEY k_t (t_id, at)) DEFAULT CHARSET=utf8mb4;
CREATE TABLE a (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, actor BIGINT, action VARCHAR(32),
  target_type VARCHAR(32), target_id BIGINT, at DATETIME(3), detail JSON,
  KEY k_target (target_type, target_id), KEY k_actor (actor), KEY k_action (action, at), KEY k_at (at))
  DEFAULT CHARSET=utf8mb4;
INSERT INTO t (id) SELECT seq FROM seq_1_to_100000;
CREATE TABLE u (id BIGINT UNSIGNED PRIMARY KEY, openid VARCHAR(64) NOT NULL, phone_enc VARBINARY(255),
  created_at DATETIME(3) NOT NULL, privacy_version VARCHAR(16), privacy_accepted_at DATETIME(3),
  is_mentor TINYINT(1) NOT NULL DEFAULT 0, UNIQUE KEY uk_openid (openid)) DEFAULT CHARSET=utf8mb4;
CREATE TABLE p (id BIGINT UNSIGNED PRIMARY KEY, user_id BIGINT UNSIGNED, UNIQUE KEY uk_user (user_id));
CREATE TABLE m (id BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY, person_id BIGINT UNSIGNED NOT NULL,
  status VARCHAR(16) NOT NULL DEFAULT 'active', UNIQUE KEY uk_person (person_id), KEY k_status (status));
INSERT INTO u (id, openid, phone_enc, created_at, privacy_version, privacy_accepted_at)
  SELECT seq, CONCAT('o_', seq), RANDOM_BYTES(60), NOW(3), '2025-01', NOW(3) FROM seq_1_to_100000;
INSERT INTO p (id, user_id) SELECT seq, seq * 2 FROM seq_1_to_50000;
INSERT INTO m (person_id) SELECT seq * 50 FROM seq_1_to_1000;"

cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
questions() { "${M[@]}" -e "SHOW GLOBAL STATUS LIKE 'Questions'" | awk '{print $2}'; }
HZ=$(getconf CLK_TCK)
# run NAME STATEMENTS-PER-TRANSACTION QUERY
run() {
	local c0 q0 s e c1 q1
	c0=$(cpu) q0=$(questions) s=$(date +%s.%N)
	mariadb-slap -uroot -h127.0.0.1 -P"$PORT" --create-schema=x --concurrency=64 \
		--number-of-queries=$((4000 * $2)) --iterations=1 --delimiter=';' --query="$3" >/dev/null
	e=$(date +%s.%N) c1=$(cpu) q1=$(questions)
	awk -v n="$1" -v t=$((c1 - c0)) -v hz="$HZ" -v q=$((q1 - q0 - 1)) -v spt="$2" -v s="$s" -v e="$e" \
		'BEGIN { tx = q / spt; printf "| %s | %d | %.0f | %.0f |\n", n, tx, tx / (e - s), t * 1e6 / hz / tx }'
}
PICK="SET @id = FLOOR(1 + RAND() * 100000);"
LOCK="SELECT n, version FROM t WHERE id = @id FOR UPDATE;"
UPD="UPDATE t SET n = n + 1, updated_at = NOW(3), version = version + 1, payload = '官埠桥镇 茶叶 种植' WHERE id = @id;"
HIST="INSERT INTO h (t_id, at, detail) VALUES (@id, NOW(3), '{\"changed\":[\"payload\"]}');"
AUD="INSERT INTO a (actor, action, target_type, target_id, at, detail) VALUES (@id, 'returnee.update', 'returnee', @id, NOW(3), '{\"fields\":[\"payload\"]}');"
READS="SELECT id, at FROM h WHERE t_id = @id; SELECT COUNT(*) FROM t WHERE township = '421202' AND id = @id;"

echo "| shape | transactions | transactions/s | mariadbd CPU µs per transaction |"
echo "|---|---:|---:|---:|"
for _ in $(seq "$RUNS"); do
	run select 2 "$PICK SELECT n FROM t WHERE id = @id"
	run update 2 "$PICK UPDATE t SET n = n + 1 WHERE id = @id"
	run register 7 "$PICK START TRANSACTION; $LOCK $UPD $HIST $AUD COMMIT"
	run submit 9 "$PICK START TRANSACTION; $LOCK $READS $UPD $HIST $AUD COMMIT"
	run me-joined 2 "$PICK SELECT u.id, u.openid, u.phone_enc, u.created_at, u.privacy_version, u.privacy_accepted_at,
		EXISTS (SELECT 1 FROM p JOIN m ON m.person_id = p.id WHERE p.user_id = u.id AND m.status = 'active') FROM u WHERE u.id = @id"
	run me-row 2 "$PICK SELECT id, openid, phone_enc, created_at, privacy_version, privacy_accepted_at, is_mentor FROM u WHERE id = @id"
done
