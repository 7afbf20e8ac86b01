#!/usr/bin/env bash
# Runs the benchmark program, io.runnel.bench.RunnelBench (bench/src, JDK only), against a node that
# is already running, after compiling it into bench/target/classes if a source changed:
#
#   bench/runnel-bench.sh --url http://127.0.0.1:8080 [options]    (--help lists the options)
#
# bench/run.sh, compare.sh, cluster.sh and restart.sh start their nodes and call this script.
# Environment: BENCH_JAVA_OPTS adds JVM options for the benchmark's own JVM.
set -euo pipefail

# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
build_bench
# shellcheck disable=SC2086
exec java ${BENCH_JAVA_OPTS:-} -cp "$BENCH_CLASSES" io.runnel.bench.RunnelBench "$@"
