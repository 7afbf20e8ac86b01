#!/usr/bin/env bash
# Restart time with a large log: fills one node with about SIZE_GB of records (3 partitions, 1 KiB
# values, batches of 1000, acks=all), then measures how long the node takes from process start to
# /actuator/health/readiness = UP (a) after a clean stop (SIGTERM) and (b) after SIGKILL (recovery
# validates every batch after each partition's recovery point).
#
#   bench/restart.sh            SIZE_GB=5 (needs about 6 GB free under TMPDIR)
#   SIZE_GB=1 bench/restart.sh  a smaller log
#
# Each restart is timed twice: started as `java -jar target/runnel.jar`, and started the way the
# container image starts it (the jar extracted, with a class data sharing archive from a training
# run; see the Dockerfile).
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; SERVER_JAVA_OPTS adds JVM options.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAR="$(pwd)/target/runnel.jar"
SIZE_GB=${SIZE_GB:-5}
build_jar
build_bench

DATA=$(mktemp -d "${TMPDIR:-/tmp}/runnel-bench-restart.XXXXXX")
LOG="$DATA.log"
PORT=$(free_port)
PID=""
CDS=$(mktemp -d "${TMPDIR:-/tmp}/runnel-bench-cds.XXXXXX")
trap '[[ -n "$PID" ]] && kill -KILL "$PID" 2>/dev/null; rm -rf "$DATA" "$CDS"; echo "# node log: $LOG"' EXIT

# The image's start-up: extracted jar + CDS archive recorded by a training run (as in the Dockerfile).
java -Djarmode=tools -jar "$JAR" extract --destination "$CDS/app" >/dev/null
# shellcheck disable=SC2086
timeout 120 java ${SERVER_JAVA_OPTS:-} -XX:ArchiveClassesAtExit="$CDS/app/runnel.jsa" -Dspring.context.exit=onRefresh \
  -jar "$CDS/app/runnel.jar" --runnel.data-dir="$CDS/training" >>"$LOG" 2>&1

T0=0
start() { # start jar|cds: starts the node in this shell (sets PID and T0)
  T0=$(date +%s.%N)
  local launch=(-jar "$JAR")
  [[ $1 == cds ]] && launch=(-XX:SharedArchiveFile="$CDS/app/runnel.jsa" -jar "$CDS/app/runnel.jar")
  # shellcheck disable=SC2086
  java ${SERVER_JAVA_OPTS:-} "${launch[@]}" --server.address=127.0.0.1 --server.port="$PORT" --runnel.data-dir="$DATA" >>"$LOG" 2>&1 &
  PID=$!
}

ready_after() { # prints the seconds from T0 to readiness
  for _ in $(seq 1 1200); do
    if curl -fs --max-time 1 "http://127.0.0.1:$PORT/actuator/health/readiness" 2>/dev/null | grep -q UP; then
      echo "$(date +%s.%N) - $T0" | bc
      return 0
    fi
    sleep 0.05
  done
  echo "restart.sh: not ready within 60 s" >&2
  exit 2
}

for launch in jar cds; do
  start $launch
  echo "# empty start ($launch): ready in $(ready_after) s"
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
done
start jar
ready_after >/dev/null
records=$(( SIZE_GB * 1024 * 1024 ))   # 1 KiB values
timeout 1800 bench/runnel-bench.sh --url "http://127.0.0.1:$PORT" --scenarios produce --initial-warmup-seconds 0 \
  --warmup-seconds 0 --connections 8 --batch-sizes 1000 --value-bytes 1024 --large-value-bytes 0 \
  --produce-seconds 1500 --produce-max-records "$records" --keep-topics | grep -E '^produce'
echo "# data dir: $(du -sh "$DATA" | cut -f1), segments: $(find "$DATA" -name '*.log' | wc -l)"

kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
sync
for launch in jar cds; do
  start $launch
  echo "# after a clean stop ($launch): ready in $(ready_after) s"
  kill -KILL "$PID"; wait "$PID" 2>/dev/null || true
  start $launch
  echo "# after SIGKILL ($launch): ready in $(ready_after) s"
  grep -E 'Recovered|recover' "$LOG" | tail -2 || true
  kill -TERM "$PID"; wait "$PID" 2>/dev/null || true
done
PID=""
