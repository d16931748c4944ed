#!/usr/bin/env bash
# scripts/redis-cluster.sh: a local three-master Redis Cluster on 127.0.0.1, to run the server
# (or its tests) against a cluster the way production may.
#
#   scripts/redis-cluster.sh start   start three redis-server processes with cluster-enabled on
#                                    ports BASE, BASE+1, BASE+2 (data under var/redis-cluster/),
#                                    join them with redis-cli --cluster create (first start only),
#                                    wait for cluster_state:ok and print the HX_REDIS_ADDR to use
#   scripts/redis-cluster.sh stop    shut them down (nothing is persisted but the node files)
#
# Then, for example (make run reads HX_REDIS_ADDR from .env.dev, so start the server yourself):
#   addr=$(scripts/redis-cluster.sh start | tail -n 1 | cut -d= -f2)
#   set -a; . ./.env.dev; set +a; HX_REDIS_ADDR=$addr go run ./cmd/server
# Environment: HX_REDIS_CLUSTER_PORT  first port (default 7101).
# The Go test TestRedisCluster_* (internal/httpapi) starts its own cluster on free ports.
set -euo pipefail
cd "$(dirname "$0")/.."

BASE=${HX_REDIS_CLUSTER_PORT:-7101}
[[ $BASE =~ ^[0-9]+$ ]] && ((BASE >= 1 && BASE <= 65533)) || {
	echo "redis-cluster: HX_REDIS_CLUSTER_PORT='$BASE' is not a port" >&2
	exit 2
}
PORTS=("$BASE" "$((BASE + 1))" "$((BASE + 2))")
DIR=$PWD/var/redis-cluster

die() {
	echo "redis-cluster: $*" >&2
	exit 1
}
command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
	die "redis-server and redis-cli are needed (scripts/services.sh installs them)"

addrs() {
	local p out=()
	for p in "${PORTS[@]}"; do out+=("127.0.0.1:$p"); done
	local IFS=,
	echo "${out[*]}"
}

case "${1:-}" in
start)
	for p in "${PORTS[@]}"; do
		if redis-cli -p "$p" ping >/dev/null 2>&1; then
			redis-cli -p "$p" info cluster | grep -q 'cluster_enabled:1' ||
				die "127.0.0.1:$p answers but is not a cluster node; set HX_REDIS_CLUSTER_PORT"
			continue
		fi
		mkdir -p "$DIR/$p"
		redis-server --port "$p" --bind 127.0.0.1 --cluster-enabled yes \
			--cluster-config-file "$DIR/$p/nodes.conf" --cluster-node-timeout 5000 \
			--save '' --appendonly no --dir "$DIR/$p" --daemonize yes \
			--logfile "$DIR/$p/redis.log" --pidfile "$DIR/$p/redis.pid"
	done
	for p in "${PORTS[@]}"; do
		for _ in $(seq 50); do redis-cli -p "$p" ping >/dev/null 2>&1 && break; sleep 0.1; done
		redis-cli -p "$p" ping >/dev/null 2>&1 || die "127.0.0.1:$p did not start (see $DIR/$p/redis.log)"
	done
	# A node that already knows its peers (node file kept from an earlier start) needs no create.
	if [[ $(redis-cli -p "$BASE" cluster info | tr -d '\r' | sed -n 's/^cluster_known_nodes://p') != 3 ]]; then
		# shellcheck disable=SC2046 # one word per address
		redis-cli --cluster create $(addrs | tr , ' ') --cluster-replicas 0 --cluster-yes >"$DIR/create.log" 2>&1 ||
			die "redis-cli --cluster create failed (see $DIR/create.log)"
	fi
	for _ in $(seq 100); do
		ok=1
		for p in "${PORTS[@]}"; do
			redis-cli -p "$p" cluster info | grep -q 'cluster_state:ok' || ok=0
		done
		((ok)) && break
		sleep 0.1
	done
	((ok)) || die "the cluster did not reach cluster_state:ok"
	echo "redis-cluster: three masters up; use"
	echo "HX_REDIS_ADDR=$(addrs)"
	;;
stop)
	for p in "${PORTS[@]}"; do
		redis-cli -p "$p" shutdown nosave >/dev/null 2>&1 || true
	done
	echo "redis-cluster: stopped 127.0.0.1:${PORTS[0]}-${PORTS[2]}"
	;;
*)
	sed -n '2,16s/^# \{0,1\}//p' "$0" >&2
	exit 2
	;;
esac
