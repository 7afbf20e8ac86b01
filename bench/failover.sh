#!/usr/bin/env bash
# Failover benchmark (issue 16, item 5): three instances on 127.0.0.1, a topic of replication factor 3
# with min.insync.replicas=2 under a steady acks=all producer; each round kills (SIGKILL) the leader of
# a partition, alternately one that is not the controller and the controller itself, and prints the
# time from the kill to the first acknowledged write to that partition, then restarts it. Ends with
# the median and maximum of each kind. io.runnel.bench.FailoverBench starts and kills the instances.
#
#   bench/failover.sh                    6 rounds (3 of each kind), about 3–4 min with the start-ups
#   bench/failover.sh --rounds 10        more rounds
#   bench/failover.sh --server-args "--runnel.cluster.session-timeout=10s"   other settings
#   bench/failover.sh --help             the options
#
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; RUNNEL_JAR runs another jar (e.g. an older
# build, for a before/after comparison); SERVER_JAVA_OPTS replaces the instances' JVM options
# (default -Xmx512m); BENCH_TIMEOUT bounds the whole run (seconds, default 900). The instances' logs
# are kept in a temporary dir (printed); their data is removed.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}

if [[ " $* " == *" --help "* ]]; then
  build_bench
  exec java -cp "$BENCH_CLASSES" io.runnel.bench.FailoverBench --help
fi

if [[ -z "${RUNNEL_JAR:-}" ]]; then
  build_jar
  RUNNEL_JAR="$(pwd)/target/runnel.jar"
fi
build_bench

WORK=$(mktemp -d "${TMPDIR:-/tmp}/runnel-bench-failover.XXXXXX")
trap 'rm -rf "$WORK"/n[0-2]; echo "# instance logs kept in $WORK"' EXIT
echo "# jar $RUNNEL_JAR ($(git log -1 --format=%h 2>/dev/null || echo '?') checked out)"
timeout "$BENCH_TIMEOUT" java -cp "$BENCH_CLASSES" io.runnel.bench.FailoverBench --jar "$RUNNEL_JAR" --work-dir "$WORK" \
  --java-opts "${SERVER_JAVA_OPTS:--Xmx512m}" "$@"
