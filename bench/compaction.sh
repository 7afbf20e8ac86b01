#!/usr/bin/env bash
# Compaction benchmark (issue 15, item 7): cleaning throughput of one compacted partition of about
# 1 GB with 10 % live keys, and produce throughput while the cleaner runs vs. while it is idle.
# Builds Runnel and the benchmark program, starts one node on 127.0.0.1 (free port, temporary data
# dir, default settings except runnel.storage.cleaner-interval=200ms so that a cleaning starts soon
# after it is allowed), runs io.runnel.bench.CompactionBench against it with the given arguments,
# prints the node's "Cleaned …" log lines, then stops the node and removes the data dir.
#
#   bench/compaction.sh                 100,000 keys × 10 rounds of 1000 B values (about 1.02 GB of log), about 1–1.5 min
#   bench/compaction.sh --keys 20000    a smaller partition (about 210 MB)
#   bench/compaction.sh --help          the options
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; SERVER_JAVA_OPTS adds JVM options for the
# node; BENCH_JAVA_OPTS for the benchmark's JVM; CLEANER_INTERVAL (default 200ms); BENCH_TIMEOUT
# bounds the benchmark itself (seconds, default 900). Needs about 6 GB free under TMPDIR (the
# partition, its cleaned copy and the produce lines' topic). The node's log is kept.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
JAR="$(pwd)/target/runnel.jar"
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
CLEANER_INTERVAL=${CLEANER_INTERVAL:-200ms}

if [[ " $* " == *" --help "* ]]; then
  build_bench
  exec java -cp "$BENCH_CLASSES" io.runnel.bench.CompactionBench --help
fi

build_jar
build_bench

TMP=${TMPDIR:-/tmp}
free_kb=$(df -Pk "$TMP" | awk 'NR == 2 { print $4 }')
echo "# free under $TMP: $((free_kb / 1024 / 1024)) GB"
if (( free_kb < 6 * 1024 * 1024 )); then
  echo "compaction.sh: less than 6 GB free under $TMP; pass a smaller --keys" >&2
  [[ " $* " == *" --keys "* ]] || exit 2
fi

PORT=$(free_port)
DATA_DIR=$(mktemp -d "$TMP/runnel-bench-compaction.XXXXXX")
LOG=$(mktemp "$TMP/runnel-bench-compaction.XXXXXX.log")
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do            # up to 30 s for a graceful stop
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "compaction.sh: node did not stop within 30 s; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
trap 'stop_server; rm -rf "$DATA_DIR"' EXIT
trap 'exit 130' INT TERM

echo "# starting node on 127.0.0.1:$PORT, data dir $DATA_DIR, cleaner interval $CLEANER_INTERVAL, log $LOG" >&2
# shellcheck disable=SC2086
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
  --runnel.data-dir="$DATA_DIR" --runnel.storage.cleaner-interval="$CLEANER_INTERVAL" >"$LOG" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 120); do                 # up to 60 s to become ready
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "compaction.sh: the node exited during startup; last log lines:" >&2
    tail -n 40 "$LOG" >&2
    exit 2
  fi
  if curl -fsS --max-time 2 "http://127.0.0.1:$PORT/actuator/health/readiness" >/dev/null 2>&1; then
    ready=1
    break
  fi
  sleep 0.5
done
if [[ $ready != 1 ]]; then
  echo "compaction.sh: the node was not ready within 60 s; last log lines:" >&2
  tail -n 40 "$LOG" >&2
  exit 2
fi
echo "# node ready; server JVM: $(java -version 2>&1 | head -1)"

status=0
# shellcheck disable=SC2086
timeout "$BENCH_TIMEOUT" java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CLASSES" io.runnel.bench.CompactionBench \
  --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" --data-dir "$DATA_DIR" "$@" || status=$?

echo "# node log, cleaner lines:"
grep -E 'Cleaned |Cleaning .* failed' "$LOG" | sed 's/^/#   /' || true
echo "# node log lines with WARN/ERROR: $(grep -cE ' (WARN|ERROR) ' "$LOG" || true)"
stop_server
echo "# node log: $LOG"
exit "$status"
