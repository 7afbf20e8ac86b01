#!/usr/bin/env bash
# Replication cost, measured in one run: the same RunnelBench produce and latency scenarios against
# (1) one node and (2) a three-instance cluster on this machine, with topics of replication factor 3
# and min.insync.replicas=2, acks=all (every record fsynced by at least two replicas before the
# answer). All processes share this machine's cores, so the cluster pays for three JVMs' CPU.
#
#   bench/cluster.sh            produce (1 and 8 connections, batches 100/1000) and latency, ~2 minutes
#   bench/cluster.sh --quick    ~1 minute
#
# Extra arguments go to RunnelBench. Environment: SKIP_BUILD=1 reuses target/runnel.jar;
# SERVER_JAVA_OPTS adds JVM options for every instance; BENCH_TIMEOUT bounds each run (s, default 600).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAR="$(pwd)/target/runnel.jar"
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
ARGS=(--scenarios produce,latency --large-value-bytes 0 "$@")
build_jar
build_bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/runnel-bench-cluster.XXXXXX")
PIDS=()
stop_all() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'stop_all; rm -rf "$WORK"/single "$WORK"/n[0-2]; echo "# logs kept in $WORK"' EXIT
trap 'exit 130' INT TERM

echo "# ---- single node"
PORT=$(free_port)
# shellcheck disable=SC2086
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
  --runnel.data-dir="$WORK/single" >"$WORK/single.log" 2>&1 &
PIDS+=($!)
await_ready "$PORT" "$WORK"
timeout "$BENCH_TIMEOUT" bench/runnel-bench.sh --url "http://127.0.0.1:$PORT" --server-pid "${PIDS[0]}" "${ARGS[@]}"
stop_all

echo "# ---- three instances, replication factor 3, min.insync.replicas=2 (the benchmark talks to n0)"
HTTP=() RAFT=() PEERS=""
for i in 0 1 2; do
  HTTP+=("$(free_port)")
  RAFT+=("$(free_port)")
  PEERS+="${PEERS:+,}n$i@127.0.0.1:${HTTP[$i]}:${RAFT[$i]}"
done
for i in 0 1 2; do
  # shellcheck disable=SC2086
  RUNNEL_CLUSTER_SECRET=bench java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="${HTTP[$i]}" \
    --runnel.node.id="n$i" --runnel.data-dir="$WORK/n$i" --runnel.cluster.peers="$PEERS" >"$WORK/n$i.log" 2>&1 &
  PIDS+=($!)
done
for i in 0 1 2; do await_ready "${HTTP[$i]}" "$WORK"; done
timeout "$BENCH_TIMEOUT" bench/runnel-bench.sh --url "http://127.0.0.1:${HTTP[0]}" --server-pid "${PIDS[0]}" \
  --replication-factor 3 --min-insync-replicas 2 "${ARGS[@]}"
echo "# cluster logs with WARN/ERROR lines: $(cat "$WORK"/n*.log | grep -cE ' (WARN|ERROR) ' || true)"
