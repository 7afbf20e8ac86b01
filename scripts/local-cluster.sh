#!/usr/bin/env bash
# Starts (or stops) a three-instance Runnel cluster on this machine, on loopback.
#
#   scripts/local-cluster.sh start   build target/runnel.jar if needed, start n0, n1, n2
#   scripts/local-cluster.sh stop    stop them (SIGTERM: logs are closed cleanly)
#   scripts/local-cluster.sh status  show /cluster as n0 sees it
#
# Instance nI answers HTTP on 127.0.0.1:808I and speaks Raft on 127.0.0.1:909I. Data lives in
# ./local-cluster/nI (kept across restarts; delete the directory to start afresh), logs in
# ./local-cluster/nI.log. Override the ports' base with HTTP_BASE / RAFT_BASE.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=./local-cluster
HTTP_BASE=${HTTP_BASE:-8080}
RAFT_BASE=${RAFT_BASE:-9090}
SECRET=${RUNNEL_CLUSTER_SECRET:-local-cluster-secret}
PEERS="n0@127.0.0.1:$((HTTP_BASE)):$((RAFT_BASE)),n1@127.0.0.1:$((HTTP_BASE + 1)):$((RAFT_BASE + 1)),n2@127.0.0.1:$((HTTP_BASE + 2)):$((RAFT_BASE + 2))"

start() {
  [ -f target/runnel.jar ] || ./mvnw -B -q -DskipTests package
  mkdir -p "$ROOT"
  for i in 0 1 2; do
    if [ -f "$ROOT/n$i.pid" ] && kill -0 "$(cat "$ROOT/n$i.pid")" 2>/dev/null; then
      echo "n$i is already running (pid $(cat "$ROOT/n$i.pid"))"
      continue
    fi
    RUNNEL_CLUSTER_SECRET="$SECRET" nohup java -Xmx512m -jar target/runnel.jar \
      --server.address=127.0.0.1 --server.port=$((HTTP_BASE + i)) \
      --runnel.node.id=n$i --runnel.data-dir="$ROOT/n$i" --runnel.cluster.peers="$PEERS" \
      >"$ROOT/n$i.log" 2>&1 &
    echo $! >"$ROOT/n$i.pid"
    echo "n$i: http://127.0.0.1:$((HTTP_BASE + i)) (pid $!, log $ROOT/n$i.log)"
  done
  for i in 0 1 2; do
    for _ in $(seq 1 120); do
      curl -fs "http://127.0.0.1:$((HTTP_BASE + i))/actuator/health/readiness" >/dev/null 2>&1 && break
      sleep 0.5
    done
  done
  status
}

stop() {
  for i in 0 1 2; do
    if [ -f "$ROOT/n$i.pid" ]; then
      kill "$(cat "$ROOT/n$i.pid")" 2>/dev/null || true
      rm -f "$ROOT/n$i.pid"
    fi
  done
  echo "stopped (data kept in $ROOT)"
}

status() {
  curl -s "http://127.0.0.1:$HTTP_BASE/cluster"; echo
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
