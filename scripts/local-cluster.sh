#!/usr/bin/env bash
# Runs a Runnel cluster on this machine, on loopback, and grows or shrinks it.
#
#   scripts/local-cluster.sh start          build target/runnel.jar if needed; start n0, n1, n2 and every
#                                           instance added before (their data is kept)
#   scripts/local-cluster.sh add N          start nN (N >= 3) with an empty data dir: it joins the cluster
#                                           through n0; then a rebalance gives it its share of replicas
#   scripts/local-cluster.sh remove N       drain nN (its replicas and leaderships move to the others),
#                                           remove it from the cluster, stop it and delete its data
#   scripts/local-cluster.sh rebalance      spread replicas and leaderships evenly (rebalance --dry-run: the plan)
#   scripts/local-cluster.sh stop           stop every instance (SIGTERM: leaderships handed over, logs closed)
#   scripts/local-cluster.sh status         show /cluster as the first running instance sees it
#
# Instance nI answers HTTP on 127.0.0.1:(8080+I) and speaks Raft on 127.0.0.1:(9090+I). Data lives in
# ./local-cluster/nI (kept across restarts; delete the directory to start afresh), logs in
# ./local-cluster/nI.log. Override the ports' base with HTTP_BASE / RAFT_BASE. n0..n2 bootstrap the
# cluster; an added instance's peer list is those three plus itself (the list only says whom to contact).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=./local-cluster
HTTP_BASE=${HTTP_BASE:-8080}
RAFT_BASE=${RAFT_BASE:-9090}
SECRET=${RUNNEL_CLUSTER_SECRET:-local-cluster-secret}
WAIT_SECONDS=${WAIT_SECONDS:-300}

peer() { echo "n$1@127.0.0.1:$((HTTP_BASE + $1)):$((RAFT_BASE + $1))"; }
url() { echo "http://127.0.0.1:$((HTTP_BASE + $1))"; }
BOOTSTRAP="$(peer 0),$(peer 1),$(peer 2)"

running() { [ -f "$ROOT/n$1.pid" ] && kill -0 "$(cat "$ROOT/n$1.pid")" 2>/dev/null; }

# The instances this directory knows: n0..n2 and every nI with a data dir.
known() {
  { echo 0; echo 1; echo 2; ls -d "$ROOT"/n[0-9]* 2>/dev/null | sed -n 's|.*/n\([0-9]*\)$|\1|p'; } | sort -n -u
}

launch() {
  local i=$1 peers=$BOOTSTRAP
  [ "$i" -ge 3 ] && peers="$BOOTSTRAP,$(peer "$i")"
  if running "$i"; then
    echo "n$i is already running (pid $(cat "$ROOT/n$i.pid"))"
    return
  fi
  RUNNEL_CLUSTER_SECRET="$SECRET" nohup java -Xmx512m -jar target/runnel.jar \
    --server.address=127.0.0.1 --server.port=$((HTTP_BASE + i)) \
    --runnel.node.id="n$i" --runnel.data-dir="$ROOT/n$i" --runnel.cluster.peers="$peers" \
    >"$ROOT/n$i.log" 2>&1 &
  echo $! >"$ROOT/n$i.pid"
  echo "n$i: $(url "$i") (pid $!, log $ROOT/n$i.log)"
}

# Waits (bounded) until a command succeeds.
await() {
  local what=$1; shift
  local deadline=$((SECONDS + WAIT_SECONDS))
  until "$@"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "gave up after ${WAIT_SECONDS}s waiting for $what" >&2
      exit 1
    fi
    sleep 1
  done
}

ready() { curl -fs "$(url "$1")/actuator/health/readiness" >/dev/null 2>&1; }

# The first running instance other than $1, to send cluster calls to.
other() {
  for i in $(known); do
    if [ "$i" != "${1:-}" ] && running "$i"; then echo "$i"; return; fi
  done
  echo "no instance is running" >&2
  exit 1
}

instance_status() {  # prints the status of nN as /cluster shows it
  curl -fs "$(url "$(other "$1")")/cluster" | tr '{' '\n' | grep "\"id\":\"n$1\"" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p'
}
drained() { [ "$(instance_status "$1")" = drained ]; }

start() {
  [ -f target/runnel.jar ] || ./mvnw -B -q -DskipTests package
  mkdir -p "$ROOT"
  for i in $(known); do launch "$i"; done
  for i in $(known); do await "n$i to be ready" ready "$i"; done
  status
}

add() {
  local i=${1:?usage: $0 add N}
  [ "$i" -ge 3 ] || { echo "n0..n2 are started by 'start'" >&2; exit 2; }
  [ -f target/runnel.jar ] || ./mvnw -B -q -DskipTests package
  mkdir -p "$ROOT"
  launch "$i"
  await "n$i to join and be ready" ready "$i"
  rebalance
  status
}

remove() {
  local i=${1:?usage: $0 remove N} via
  via=$(url "$(other "$i")")
  curl -fsS -X POST "$via/cluster/instances/n$i/drain" >/dev/null
  echo "draining n$i ..."
  await "n$i to be drained" drained "$i"
  curl -fsS -X DELETE "$via/cluster/instances/n$i"
  if running "$i"; then kill "$(cat "$ROOT/n$i.pid")"; fi
  rm -rf "${ROOT:?}/n$i" "$ROOT/n$i.pid"
  echo "n$i removed"
  status
}

rebalance() {
  local query=""
  [ "${1:-}" = "--dry-run" ] && query="?dryRun=true"
  curl -fsS -X POST "$(url "$(other)")/cluster/rebalance$query"; echo
}

stop() {
  for i in $(known); do
    if [ -f "$ROOT/n$i.pid" ]; then
      kill "$(cat "$ROOT/n$i.pid")" 2>/dev/null || true
      rm -f "$ROOT/n$i.pid"
    fi
  done
  echo "stopped (data kept in $ROOT)"
}

status() {
  curl -s "$(url "$(other)")/cluster"; echo
}

case "${1:-start}" in
  start) start ;;
  add) add "${2:-}" ;;
  remove) remove "${2:-}" ;;
  rebalance) rebalance "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: $0 start|add N|remove N|rebalance [--dry-run]|stop|status" >&2; exit 2 ;;
esac
