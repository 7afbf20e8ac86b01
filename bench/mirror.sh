#!/usr/bin/env bash
# The mirror-source throughput: starts two nodes on 127.0.0.1 (free ports, temporary data dirs, default
# settings: fsync before every acknowledgement), fills a topic of the source with N records of 100-byte
# values (1000 per request, the partitions in turn), creates a mirror-source connector on the target, and
# measures the records per second from the connector's creation until the copy holds every record. Then
# stops both nodes and removes their data.
#
#   bench/mirror.sh                       500,000 records, 4 partitions, 1 task
#   RECORDS=200000 PARTITIONS=1 TASKS=1 bench/mirror.sh
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; SERVER_JAVA_OPTS adds JVM options for both nodes.
# Both nodes' logs are kept (their paths are printed at the end).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)
JAR="$ROOT/target/runnel.jar"
RECORDS=${RECORDS:-500000}
PARTITIONS=${PARTITIONS:-4}
TASKS=${TASKS:-1}
BATCH=1000

build_jar

declare -A PIDS DIRS LOGS PORTS
start_node() {
  local name=$1
  PORTS[$name]=$(free_port)
  DIRS[$name]=$(mktemp -d "${TMPDIR:-/tmp}/runnel-mirror-$name.XXXXXX")
  LOGS[$name]=$(mktemp "${TMPDIR:-/tmp}/runnel-mirror-$name.XXXXXX.log")
  # shellcheck disable=SC2086
  java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="${PORTS[$name]}" \
    --runnel.data-dir="${DIRS[$name]}" >"${LOGS[$name]}" 2>&1 &
  PIDS[$name]=$!
}

await_ready() {
  local name=$1
  for _ in $(seq 1 240); do
    if curl -fsS --max-time 2 "http://127.0.0.1:${PORTS[$name]}/actuator/health/readiness" >/dev/null 2>&1; then
      return 0
    fi
    kill -0 "${PIDS[$name]}" 2>/dev/null || { echo "mirror.sh: $name exited; log:" >&2; tail -n 40 "${LOGS[$name]}" >&2; exit 2; }
    sleep 0.5
  done
  echo "mirror.sh: $name not ready within 120 s" >&2
  exit 2
}

cleanup() {
  for name in "${!PIDS[@]}"; do
    kill -TERM "${PIDS[$name]}" 2>/dev/null || true
  done
  for name in "${!PIDS[@]}"; do
    wait "${PIDS[$name]}" 2>/dev/null || true
    rm -rf "${DIRS[$name]}"
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_node source
start_node target
await_ready source
await_ready target
SRC="http://127.0.0.1:${PORTS[source]}"
DST="http://127.0.0.1:${PORTS[target]}"
echo "# source $SRC, target $DST; $RECORDS records of 100-byte values in $PARTITIONS partitions, $TASKS task(s)"

curl -fsS -o /dev/null -X POST "$SRC/topics" -H 'Content-Type: application/json' \
  -d "{\"name\":\"bench\",\"partitions\":$PARTITIONS}"
BODY=$(mktemp)
VALUE=$(printf '"%098d"' 0)                      # a JSON string of 100 bytes with its quotes
{
  printf '{"records":['
  for i in $(seq 1 $BATCH); do
    [[ $i == 1 ]] || printf ','
    printf '{"key":"k%d","value":%s}' "$i" "$VALUE"
  done
  printf ']}'
} >"$BODY"
fill_topic "$SRC" bench "$BODY" $(( RECORDS / BATCH )) "$PARTITIONS"
rm -f "$BODY"

total_hw() {
  curl -fsS "$1/topics/$2" 2>/dev/null | grep -o '"highWatermark":[0-9]*' | cut -d: -f2 | paste -sd+ - | bc 2>/dev/null || echo 0
}

cpu() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
cpu_source=$(cpu "${PIDS[source]}")
cpu_target=$(cpu "${PIDS[target]}")
load_before=$(cut -d' ' -f1 /proc/loadavg)
started=$(date +%s.%N)
curl -fsS -o /dev/null -X PUT "$DST/connectors/bench-mirror/config" -H 'Content-Type: application/json' \
  -d "{\"connector.class\":\"mirror-source\",\"source.url\":\"$SRC\",\"source.alias\":\"src\",\"topics\":\"bench\",\"tasks.max\":\"$TASKS\"}"
copied=0
while (( copied < RECORDS )); do
  sleep 0.2
  copied=$(total_hw "$DST" src.bench)
  copied=${copied:-0}
done
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
echo "mirror-source: $RECORDS records of 100 B in $PARTITIONS partitions, $TASKS task(s): $(echo "scale=3; $elapsed" | bc) s," \
  "$(echo "$RECORDS / $elapsed" | bc) rec/s (from the connector's creation, topic creation included)"
echo "# cpu seconds during the copy: source $(echo "$(cpu "${PIDS[source]}") - $cpu_source" | bc)," \
  "target $(echo "$(cpu "${PIDS[target]}") - $cpu_target" | bc); load average before / after: $load_before / $(cut -d' ' -f1 /proc/loadavg)"
echo "# logs: ${LOGS[source]} ${LOGS[target]}"
