#!/usr/bin/env bash
# The throughput of a filter stream: starts one node on 127.0.0.1 (a free port, a temporary data dir, default
# settings: fsync before every acknowledgement), fills a topic with N records of 100-byte JSON values (1000 per
# request, the partitions in turn), creates a stream from its earliest offset that keeps the ~11% whose amount is
# over 900 (`value.amount > 900`, CEL), and measures the input records per second from the stream's creation until
# its committed positions reach the end of every partition. Then stops the node and removes its data.
#
#   bench/stream.sh                       500,000 records, 4 partitions
#   RECORDS=200000 PARTITIONS=1 bench/stream.sh
#   FILTER='true' bench/stream.sh         every record passes (a copy)
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; SERVER_JAVA_OPTS adds JVM options for the node.
# The node's log is kept (its path is printed at the end).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)
JAR="$ROOT/target/runnel.jar"
RECORDS=${RECORDS:-500000}
PARTITIONS=${PARTITIONS:-4}
FILTER=${FILTER:-value.amount > 900}
BATCH=1000

build_jar

PORT=$(free_port)
DIR=$(mktemp -d "${TMPDIR:-/tmp}/runnel-stream.XXXXXX")
LOG=$(mktemp "${TMPDIR:-/tmp}/runnel-stream.XXXXXX.log")
# shellcheck disable=SC2086
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" --runnel.data-dir="$DIR" >"$LOG" 2>&1 &
PID=$!
cleanup() {
  kill -TERM "$PID" 2>/dev/null || true
  wait "$PID" 2>/dev/null || true
  rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 240); do
  curl -fsS --max-time 2 "$URL/actuator/health/readiness" >/dev/null 2>&1 && break
  kill -0 "$PID" 2>/dev/null || { echo "stream.sh: the node exited; log:" >&2; tail -n 40 "$LOG" >&2; exit 2; }
  sleep 0.5
done
echo "# node $URL; $RECORDS records of 100-byte values in $PARTITIONS partitions; filter: $FILTER"

curl -fsS -o /dev/null -X POST "$URL/topics" -H 'Content-Type: application/json' -d "{\"name\":\"bench\",\"partitions\":$PARTITIONS}"
curl -fsS -o /dev/null -X POST "$URL/topics" -H 'Content-Type: application/json' -d '{"name":"bench-out","partitions":1}'
BODY=$(mktemp)
{
  printf '{"records":['
  for i in $(seq 1 $BATCH); do
    [[ $i == 1 ]] || printf ','
    # {"id":NNNNNNNNN,"amount":NNN,"customer":"cNNN","pad":"…"}: 100 bytes; amounts 100..999, 11% over 900
    printf '{"key":"k%d","value":{"id":%d,"amount":%d,"customer":"c%03d","pad":"%044d"}}' "$i" $(( 100000000 + i )) $(( 100 + i % 900 )) $(( i % 997 )) 0
  done
  printf ']}'
} >"$BODY"
fill_topic "$URL" bench "$BODY" $(( RECORDS / BATCH )) "$PARTITIONS"
rm -f "$BODY"

positions() {
  curl -fsS "$URL/streams/bench" 2>/dev/null | grep -o '"position":[0-9]*' | cut -d: -f2 | paste -sd+ - | bc 2>/dev/null || echo 0
}

cpu() { awk '{print ($14+$15)/100}' "/proc/$1/stat"; }
cpu_before=$(cpu "$PID")
load_before=$(cut -d' ' -f1 /proc/loadavg)
started=$(date +%s.%N)
curl -fsS -o /dev/null -X PUT "$URL/streams/bench" -H 'Content-Type: application/json' \
  -d "{\"from\":\"bench\",\"to\":\"bench-out\",\"filter\":\"$FILTER\",\"startFrom\":\"earliest\"}"
done_=0
while (( done_ < RECORDS )); do
  sleep 0.2
  done_=$(positions)
  done_=${done_:-0}
done
elapsed=$(echo "$(date +%s.%N) - $started" | bc)
written=$(curl -fsS "$URL/topics/bench-out" | grep -o '"highWatermark":[0-9]*' | cut -d: -f2 | paste -sd+ - | bc)
echo "stream ($FILTER): $RECORDS records of 100 B in $PARTITIONS partitions, $written written: $(echo "scale=3; $elapsed" | bc) s," \
  "$(echo "$RECORDS / $elapsed" | bc) rec/s (from the stream's creation)"
echo "# cpu seconds of the node during the run: $(echo "$(cpu "$PID") - $cpu_before" | bc) over $(echo "scale=1; $elapsed / 1" | bc) s" \
  "($(nproc) cores); load average before / after: $load_before / $(cut -d' ' -f1 /proc/loadavg)"
echo "# log: $LOG"
