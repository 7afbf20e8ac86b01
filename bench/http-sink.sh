#!/usr/bin/env bash
# The http-sink benchmark: deliveries per second with batch.max.records 1 and 500 (1 and 4
# partitions) to a local receiver that answers 204 at once, and produce -> receipt latency p50/p99
# at 200 records/s. It drives the real http-sink task in-process against a node started inside
# the test JVM (as the scenario tests do), not through a separately started node or the
# /connectors API: see src/test/java/io/runnel/connect/http/HttpSinkBenchmark.java.
# Prints the lines that start with "http-sink" (about 2-3 minutes plus the build). Arguments go to
# Maven, e.g. -Drunnel.bench.http-sink.many-only=true runs only the 100-connector step.
set -euo pipefail
cd "$(dirname "$0")/.."
LOG=$(mktemp "${TMPDIR:-/tmp}/runnel-http-sink-bench.XXXXXX.log")
if ./mvnw -B -q ${MAVEN_OFFLINE:+-o} test -Dtest=HttpSinkBenchmark -Drunnel.bench.http-sink=true "$@" \
    -Dsurefire.failIfNoSpecifiedTests=false >"$LOG" 2>&1; then
  grep '^http-sink' "$LOG"
else
  grep '^http-sink' "$LOG" || true
  echo "http-sink.sh: the benchmark failed; see $LOG" >&2
  exit 1
fi
echo "# full output: $LOG" >&2
