#!/usr/bin/env bash
# Builds Runnel and the benchmark program (bench/src), starts one node on 127.0.0.1 (free port,
# temporary data dir, default settings: fsync before every acknowledgement), runs the benchmark
# (bench/runnel-bench.sh) against it with the given arguments, then stops the node (SIGTERM,
# bounded wait) and removes the data dir.
#
#   bench/run.sh            full run (about 2-3 minutes)
#   bench/run.sh --quick    about 30 seconds
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; SERVER_JAVA_OPTS adds JVM options for the
# node; BENCH_TIMEOUT bounds the benchmark itself (seconds, default 900). The node's log is kept
# (its path is printed at the end).
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)
JAR="$ROOT/target/runnel.jar"
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}

build_jar
build_bench


PORT=$(free_port)
DATA_DIR=$(mktemp -d "${TMPDIR:-/tmp}/runnel-bench-data.XXXXXX")
LOG=$(mktemp "${TMPDIR:-/tmp}/runnel-bench-server.XXXXXX.log")
SERVER_PID=""

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "# stopping node (pid $SERVER_PID)" >&2
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do            # up to 30 s for a graceful stop
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      echo "run.sh: node did not stop within 30 s; killing it" >&2
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}

cleanup() {
  stop_server
  rm -rf "$DATA_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "# starting node on 127.0.0.1:$PORT, data dir $DATA_DIR, log $LOG" >&2
# shellcheck disable=SC2086
java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
  --runnel.data-dir="$DATA_DIR" >"$LOG" 2>&1 &
SERVER_PID=$!

ready=0
for _ in $(seq 1 120); do                 # up to 60 s to become ready
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "run.sh: the node exited during startup; last log lines:" >&2
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
  echo "run.sh: the node was not ready within 60 s; last log lines:" >&2
  tail -n 40 "$LOG" >&2
  exit 2
fi

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo "?"; }
echo "# node ready; rss $(rss_kb) kB; server JVM: $(java -version 2>&1 | head -1)"

status=0
timeout "$BENCH_TIMEOUT" bench/runnel-bench.sh --url "http://127.0.0.1:$PORT" --server-pid "$SERVER_PID" "$@" \
  || status=$?

echo "# node after the run: rss $(rss_kb) kB, threads $(ls "/proc/$SERVER_PID/task" 2>/dev/null | wc -l)," \
  "data dir $(du -sh "$DATA_DIR" 2>/dev/null | cut -f1)," \
  "log lines with WARN/ERROR: $(grep -cE ' (WARN|ERROR) ' "$LOG" || true)"
stop_server
echo "# node log: $LOG"
exit "$status"
