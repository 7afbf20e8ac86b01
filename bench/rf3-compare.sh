#!/usr/bin/env bash
# Replicated throughput side by side: three Runnel instances against three native Kafka brokers on this
# machine, the same topic shape on both (replication factor 3, min.insync.replicas=2, acks=all), plus
# each side's one-node figure; one table with the ratios.
#
#   bench/rf3-compare.sh            full run: 2 rounds (Runnel, Kafka, Runnel, Kafka), about 35 minutes (ROUNDS=1: 20)
#   bench/rf3-compare.sh --quick    1 round, shorter runs and warm-ups: about 9 minutes on a quiet machine
#
# What it runs, in this order (every process is bounded by `timeout` and stopped on exit):
#   1. One Runnel node (defaults: fsync before every acknowledgement), wrk + bench/post-batch.lua,
#      100 B values x 1000/request and 1 KB x 100/request, 8 connections, 3 partitions, acks=all.
#   2. One Kafka broker (KRaft, combined broker+controller), ProducerPerformance, same sizes, acks=all.
#   3. For each round: three Runnel instances (n0..n2, each -Xmx1g), topics RF=3 min.insync.replicas=2;
#      per shape (100 B x 1000 and 1 KB x 100; 3 and 12 partitions) wrk with 8 connections
#        - "via n0": POST /topics/{t}/records on n0, which forwards the other leaders' share;
#        - "to leaders": each partition's batch to its leader (POST /topics/{t}/partitions/{p}/records),
#          the partition map read from GET /topics/{t}; the 8 connections split over the 3 leaders;
#      then RunnelBench's latency probe (produce -> long-poll consumer, 1,000 records/s, 1 partition, RF=3,
#      through n0). Then three Kafka brokers (each a combined broker+controller, the three the KRaft
#      quorum, -Xmx1g each), ProducerPerformance (its defaults for batch.size and linger.ms) per shape,
#      acks=all, and EndToEndLatency (acks=all, one record in flight) on an RF=3 topic.
#   4. One table: per shape, Runnel (best route), Kafka, ratio and the targets; the one-node figures.
#
# Before each side's measured runs both get the same unmeasured warm-up (WARMUP seconds of the first shape,
# default 240, --quick 60), since a cold JIT costs three JVMs on two cores dearly: with three Runnel instances
# the C2 compilers took a third of all CPU for the first three minutes of load (CPU_BY_THREAD=1 shows it).
# Environment: SKIP_BUILD=1 reuses target/runnel.jar; KAFKA_LIBS (flat classpath dir of Kafka 4.4.0, resolved
# from Maven Central with the shared anchors' pom when missing; default /tmp/anchors/kafka-4.4.0/libs);
# ANCHORS_DIR (default ../shared/anchors); SERVER_JAVA_OPTS (Runnel instances' extra JVM options, e.g.
# -Drunnel.replication.follower-flush=async); RUNNEL_ARGS (extra --key=value settings for every instance);
# LAT_RATE (default 1000); ROUNDS; REUSE_OUT=<kept dir> only reprints the table; JFR_DIR=<dir> records the Runnel instances' measured throughput runs with JDK Flight Recorder
# (settings=profile, one file per instance and round, and one per instance for the latency probe); SHAPE="<value bytes> <records per request> <partitions>" measures that shape only; CPU_BY_THREAD=1 prints each
# instance's CPU seconds per thread group during every RF=3 line (bench/thread-cpu.py); LAT_ONLY=1 skips the
# throughput shapes of the RF=3 rounds (the latency probe alone); KEEP_OUT=1 keeps the raw outputs; SKIP_SINGLE=1 skips step 1 and 2; SKIP_KAFKA=1 / SKIP_RUNNEL=1.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)
JAR="$ROOT/target/runnel.jar"
ANCHORS_DIR=${ANCHORS_DIR:-"$(dirname "$ROOT")/shared/anchors"}
KAFKA_VERSION=4.4.0
KAFKA_LIBS=${KAFKA_LIBS:-/tmp/anchors/kafka-$KAFKA_VERSION/libs}

QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,/^set -euo pipefail/{/^set /d;p}' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "rf3-compare.sh: unknown argument $a (use --quick or --help)" >&2; exit 2 ;;
  esac
done
if [[ $QUICK == 1 ]]; then
  ROUNDS=${ROUNDS:-1}; SECS=5; WARMUP=${WARMUP:-60}; LAT_WARMUP=20; LAT_SECS=5
  N_SMALL=400000; N_LARGE=100000; E2E_N=2000
else
  ROUNDS=${ROUNDS:-2}; SECS=10; WARMUP=${WARMUP:-240}; LAT_WARMUP=30; LAT_SECS=10
  N_SMALL=1000000; N_LARGE=300000; E2E_N=5000
fi
LAT_RATE=${LAT_RATE:-1000}   # records/s of the produce -> consume probe (one record per request)
SHAPES=("100 1000 3" "1024 100 3" "100 1000 12" "1024 100 12")   # value bytes, records per request, partitions
if [[ -n "${SHAPE:-}" ]]; then SHAPES=("$SHAPE"); fi   # one shape only, e.g. SHAPE="100 1000 3" (for profiling)
CONNS=8
HEAP=-Xmx1g

if [[ -n "${REUSE_OUT:-}" ]]; then   # only print the table again from a kept outputs dir (KEEP_OUT=1)
  OUTDIR=$REUSE_OUT; SKIP_RUNNEL=1; SKIP_KAFKA=1; SKIP_SINGLE=1; KEEP_OUT=1
  RESULTS="$OUTDIR/results.tsv"
else
  OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/runnel-rf3-compare.XXXXXX")
  RESULTS="$OUTDIR/results.tsv"   # side <tab> line <tab> round <tab> value
  : >"$RESULTS"
fi
PIDS=()
log() { printf '[%s] %s (load %s)\n' "$(date -u +%H:%M:%S)" "$*" "$(cut -d' ' -f1-3 /proc/loadavg)" >&2; }
record() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"; log "  $1 | $2 | round $3: $4"; }

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
cleanup() {
  stop_all
  if [[ -z "${REUSE_OUT:-}" ]]; then rm -rf "$OUTDIR"/data; fi
  if [[ "${KEEP_OUT:-0}" == 1 ]]; then log "raw outputs kept in $OUTDIR"; else rm -rf "$OUTDIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

START=$(date +%s)
log "rf3-compare.sh $([[ $QUICK == 1 ]] && echo --quick) start; outputs in $OUTDIR"

# ------------------------------------------------------------------------------------------- Runnel
# runnel_topic <url> <name> <partitions> <rf>: creates it and waits until every partition has a full ISR
runnel_topic() {
  local body="{\"name\":\"$2\",\"partitions\":$3"
  [[ $4 -gt 1 ]] && body+=",\"replicationFactor\":$4,\"configs\":{\"min.insync.replicas\":\"2\"}"
  curl -fsS --max-time 20 -H 'Content-Type: application/json' -d "$body}" "$1/topics" >/dev/null
  for _ in $(seq 1 120); do
    if curl -fsS --max-time 5 "$1/topics/$2" 2>/dev/null \
        | jq -e --argjson rf "$4" '.partitions | length > 0 and all(.leader != null and (.isr | length) == $rf)' >/dev/null; then
      return 0
    fi
    sleep 0.5
  done
  echo "rf3-compare.sh: topic $2 did not get full ISRs within 60 s" >&2
  return 1
}

# wrk_run <secs> <records> <value_bytes> <out> <url> [paths]: one wrk process; prints the SUMMARY line
wrk_run() {
  local vb=$(( $3 - 22 ))   # post-batch.lua values are 19 bytes + digits of n + VALUE_BYTES
  RECORDS=$2 VALUE_BYTES=$vb PATHS="${6:-}" timeout $(( $1 + 60 )) \
    wrk -t"${WRK_THREADS:-1}" -c"${WRK_CONNS:-$CONNS}" -d"$1s" --timeout 30s -s bench/post-batch.lua "$5" >"$4" 2>&1 || true
}
summary_field() { sed -nE "s|^SUMMARY .* $2=([0-9.]+).*|\1|p" "$1" | head -1; }

# wrk_via <base-url> <topic> <secs> <records> <value_bytes> <tag>: 8 connections, all through one instance
wrk_via() {
  local out="$OUTDIR/wrk-$6.txt"
  WRK_THREADS=2 wrk_run "$3" "$4" "$5" "$out" "$1/topics/$2/records?acks=all"
  RATE=$(summary_field "$out" 'records/s'); ERRS=$(summary_field "$out" errors)
}

# wrk_leaders <topic> <secs> <records> <value_bytes> <tag>: one wrk per leader, the 8 connections split over
# the leaders in proportion to the partitions each leads; each request is one partition's batch.
wrk_leaders() {
  local map leaders l n total=0 conns out pids=() i=0 rate=0 errs=0
  map=$(curl -fsS --max-time 5 "${URLS[0]}/topics/$1" | jq -r '.partitions[] | "\(.leader) \(.partition)"')
  leaders=$(awk '{print $1}' <<<"$map" | sort -u)
  n=$(wc -l <<<"$map")
  for l in $leaders; do
    local parts paths="" p cnt
    parts=$(awk -v l="$l" '$1 == l {print $2}' <<<"$map")
    cnt=$(wc -l <<<"$parts")
    for p in $parts; do paths+="${paths:+,}/topics/$1/partitions/$p/records?acks=all"; done
    conns=$(( (CONNS * cnt + n / 2) / n )); [[ $conns -lt 1 ]] && conns=1
    out="$OUTDIR/wrk-$5-$l.txt"
    WRK_CONNS=$conns wrk_run "$2" "$3" "$4" "$out" "${URLS[${l#n}]}" "$paths" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || true; done
  for l in $leaders; do
    out="$OUTDIR/wrk-$5-$l.txt"
    rate=$(awk -v a="$rate" -v b="$(summary_field "$out" 'records/s')" 'BEGIN { printf "%.0f", a + b }')
    local e; e=$(summary_field "$out" errors); errs=$(( errs + ${e:-0} ))
  done
  RATE=$rate; ERRS=$errs
}

start_runnel_single() {
  local port; port=$(free_port)
  # shellcheck disable=SC2086
  java $HEAP ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$port" \
    --runnel.data-dir="$OUTDIR/data/single" ${RUNNEL_ARGS:-} >"$OUTDIR/runnel-single.log" 2>&1 &
  PIDS+=($!)
  URLS=("http://127.0.0.1:$port")
  await_ready "$port" "$OUTDIR"
}

start_runnel_cluster() { # round
  local i http=() raft=() peers=""
  for i in 0 1 2; do
    http+=("$(free_port)"); raft+=("$(free_port)")
    peers+="${peers:+,}n$i@127.0.0.1:${http[$i]}:${raft[$i]}"
  done
  URLS=()
  for i in 0 1 2; do
    # shellcheck disable=SC2086
    RUNNEL_CLUSTER_SECRET=bench java $HEAP ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 \
      --server.port="${http[$i]}" --runnel.node.id="n$i" --runnel.data-dir="$OUTDIR/data/n$i" \
      --runnel.cluster.peers="$peers" ${RUNNEL_ARGS:-} >"$OUTDIR/runnel-r$1-n$i.log" 2>&1 &
    PIDS+=($!)
    URLS+=("http://127.0.0.1:${http[$i]}")
  done
  for i in 0 1 2; do await_ready "${http[$i]}" "$OUTDIR"; done
}

# CPU_BY_THREAD=1: CPU seconds per thread group of each instance during a measured line (bench/thread-cpu.py)
cpu_begin() { [[ "${CPU_BY_THREAD:-0}" == 1 ]] && python3 bench/thread-cpu.py snap "${PIDS[@]}" >"$OUTDIR/cpu-before.txt" || true; }
cpu_end() {
  [[ "${CPU_BY_THREAD:-0}" == 1 ]] || return 0
  python3 bench/thread-cpu.py snap "${PIDS[@]}" >"$OUTDIR/cpu-after.txt"
  { echo "# CPU by thread group, $1:"; python3 bench/thread-cpu.py diff "$OUTDIR/cpu-before.txt" "$OUTDIR/cpu-after.txt" n0,n1,n2 \
    | sed 's/^/#   /'; } | tee -a "$OUTDIR/cpu-by-thread.txt" >&2
}

runnel_single() {
  log "Runnel: one node"
  start_runnel_single
  local u=${URLS[0]} vb recs
  runnel_topic "$u" warm 3 1
  WRK_THREADS=2 wrk_run "$WARMUP" 1000 100 "$OUTDIR/wrk-single-warm.txt" "$u/topics/warm/records?acks=all"
  for shape in "100 1000" "1024 100"; do
    read -r vb recs <<<"$shape"
    runnel_topic "$u" "s$vb" 3 1
    wrk_via "$u" "s$vb" "$SECS" "$recs" "$vb" "single-$vb"
    record runnel "one node, ${vb} B x $recs, 3 partitions" 1 "$RATE"
    [[ "${ERRS:-0}" == 0 ]] || record runnel "one node, ${vb} B x $recs, 3 partitions, wrk errors" 1 "$ERRS"
  done
  stop_all
  rm -rf "$OUTDIR/data"
}

runnel_rf3() { # round
  log "Runnel: three instances, round $1"
  start_runnel_cluster "$1"
  local vb recs parts t
  runnel_topic "${URLS[0]}" warm 3 3
  WRK_THREADS=2 wrk_run "$WARMUP" 1000 100 "$OUTDIR/wrk-r$1-warm.txt" "${URLS[0]}/topics/warm/records?acks=all"
  local i
  if [[ -n "${JFR_DIR:-}" ]]; then   # profile the measured runs of every instance (JDK Flight Recorder)
    mkdir -p "$JFR_DIR"
    for i in 0 1 2; do
      jcmd "${PIDS[$i]}" JFR.start name=rf3 settings=profile filename="$JFR_DIR/r$1-n$i.jfr" >/dev/null || true
    done
  fi
  for shape in "${SHAPES[@]}"; do
    [[ "${LAT_ONLY:-0}" == 1 ]] && break
    read -r vb recs parts <<<"$shape"
    t="t$vb-p$parts"
    runnel_topic "${URLS[0]}" "$t" "$parts" 3
    local line="${vb} B x $recs, $parts partitions"
    cpu_begin
    wrk_via "${URLS[0]}" "$t" "$SECS" "$recs" "$vb" "r$1-$t-via"
    record runnel "RF=3 via n0, $line" "$1" "$RATE"
    cpu_end "RF=3 via n0, $line"
    [[ "${ERRS:-0}" == 0 ]] || record runnel "RF=3 via n0, $line, wrk errors" "$1" "$ERRS"
    cpu_begin
    wrk_leaders "$t" "$SECS" "$recs" "$vb" "r$1-$t-leaders"
    record runnel "RF=3 to leaders, $line" "$1" "$RATE"
    cpu_end "RF=3 to leaders, $line"
    [[ "${ERRS:-0}" == 0 ]] || record runnel "RF=3 to leaders, $line, wrk errors" "$1" "$ERRS"
  done
  if [[ -n "${JFR_DIR:-}" ]]; then
    for i in 0 1 2; do jcmd "${PIDS[$i]}" JFR.stop name=rf3 >/dev/null || true; done
  fi
  log "Runnel: latency probe, $LAT_RATE records/s, RF=3, after ${LAT_WARMUP}s unmeasured"
  if [[ -n "${JFR_DIR:-}" ]]; then   # the probe's own profile, warm-up included
    for i in 0 1 2; do
      jcmd "${PIDS[$i]}" JFR.start name=rf3lat settings=profile filename="$JFR_DIR/r$1-latency-n$i.jfr" >/dev/null || true
    done
  fi
  cpu_begin
  timeout 300 bench/runnel-bench.sh --url "${URLS[0]}" --scenarios latency --latency-rate "$LAT_RATE" --partitions 1 \
    --latency-warmup-seconds "$LAT_WARMUP" --latency-seconds "$LAT_SECS" --replication-factor 3 --min-insync-replicas 2 \
    --initial-warmup-seconds 0 >"$OUTDIR/runnel-r$1-latency.txt" 2>&1 || true
  local p99
  p99=$(grep -E '^latency ' "$OUTDIR/runnel-r$1-latency.txt" | head -1 \
    | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^p99=/) { sub(/^p99=/, "", $i); sub(/ms$/, "", $i); print $i; exit } }')
  if [[ -n "${JFR_DIR:-}" ]]; then
    for i in 0 1 2; do jcmd "${PIDS[$i]}" JFR.stop name=rf3lat >/dev/null || true; done
  fi
  cpu_end "latency probe, $LAT_RATE records/s (warm-up included)"
  record runnel "RF=3 produce -> consume p99 ms" "$1" "${p99:-}"
  # a probe that falls behind its schedule reports no p99: say why (acks still queued, records missing)
  grep -E '^latency ' "$OUTDIR/runnel-r$1-latency.txt" | grep -oE 'missing=[0-9]+|produce ack p50=[0-9.]+ms' | tr '\n' ' ' | sed 's/^/# /' >&2 || true
  log "Runnel: log lines with WARN/ERROR: $(cat "$OUTDIR"/runnel-r"$1"-n*.log | grep -cE ' (WARN|ERROR) ' || true)"
  stop_all
  rm -rf "$OUTDIR/data"
}

# ------------------------------------------------------------------------------------------- Kafka
ensure_kafka() {
  if [[ ! -f "$KAFKA_LIBS/kafka_2.13-$KAFKA_VERSION.jar" ]]; then
    log "resolving Kafka $KAFKA_VERSION from Maven Central into $KAFKA_LIBS"
    timeout 900 mvn -q -B -f "$ANCHORS_DIR/kafka/pom.xml" -Dkafka.version="$KAFKA_VERSION" \
      dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -Dmdep.includeScope=runtime
  fi
  mkdir -p "$OUTDIR/kafka"
  cat >"$OUTDIR/kafka/log4j2.properties" <<'EOF'
status = warn
appender.out.type = Console
appender.out.name = STDOUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = STDOUT
EOF
  KJAVA=(java -cp "$KAFKA_LIBS/*" -Dlog4j2.configurationFile="file:$OUTDIR/kafka/log4j2.properties")
}

# start_kafka <brokers> <tag>: KRaft, every broker a combined broker+controller and a voter
start_kafka() {
  local n=$1 i voters="" cid
  KPORTS=(); local cports=()
  for i in $(seq 1 "$n"); do KPORTS+=("$(free_port)"); cports+=("$(free_port)"); done
  for i in $(seq 1 "$n"); do voters+="${voters:+,}$i@127.0.0.1:${cports[$((i - 1))]}"; done
  cid=$("${KJAVA[@]}" kafka.tools.StorageTool random-uuid)
  local rf=1; [[ $n -ge 3 ]] && rf=3
  local misr=1; [[ $n -ge 3 ]] && misr=2
  for i in $(seq 1 "$n"); do
    local dir="$OUTDIR/data/kafka-$i" props="$OUTDIR/kafka/$2-$i.properties"
    mkdir -p "$dir"
    cat >"$props" <<EOF
process.roles=broker,controller
node.id=$i
controller.quorum.voters=$voters
listeners=PLAINTEXT://127.0.0.1:${KPORTS[$((i - 1))]},CONTROLLER://127.0.0.1:${cports[$((i - 1))]}
advertised.listeners=PLAINTEXT://127.0.0.1:${KPORTS[$((i - 1))]}
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$dir
num.network.threads=3
num.io.threads=8
socket.send.buffer.bytes=102400
socket.receive.buffer.bytes=102400
socket.request.max.bytes=104857600
num.partitions=1
offsets.topic.replication.factor=$rf
share.coordinator.state.topic.replication.factor=$rf
share.coordinator.state.topic.min.isr=$misr
transaction.state.log.replication.factor=$rf
transaction.state.log.min.isr=$misr
log.segment.bytes=1073741824
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
EOF
    "${KJAVA[@]}" kafka.tools.StorageTool format -t "$cid" -c "$props" >"$OUTDIR/kafka/$2-$i-format.log" 2>&1
  done
  for i in $(seq 1 "$n"); do
    # heap and GC flags of bin/kafka-server-start.sh, with the heap at 1 GB as the Runnel instances
    timeout 3600 "${KJAVA[@]}" $HEAP -Xms1g -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
      -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -Djava.awt.headless=true \
      kafka.Kafka "$OUTDIR/kafka/$2-$i.properties" >"$OUTDIR/kafka/$2-$i.log" 2>&1 &
    PIDS+=($!)
  done
  BOOT=""
  for i in $(seq 1 "$n"); do BOOT+="${BOOT:+,}127.0.0.1:${KPORTS[$((i - 1))]}"; done
  for _ in $(seq 1 120); do
    if timeout 30 "${KJAVA[@]}" org.apache.kafka.tools.BrokerApiVersionsCommand --bootstrap-server "$BOOT" 2>/dev/null \
        | grep -c '^127.0.0.1:' | grep -qx "$n"; then
      return 0
    fi
    sleep 1
  done
  echo "rf3-compare.sh: $n Kafka brokers not up within 2 minutes (logs in $OUTDIR/kafka)" >&2
  exit 2
}

kafka_topic() { # kafka_topic <name> <partitions> <rf>
  local extra=(); [[ $3 -gt 1 ]] && extra=(--config min.insync.replicas=2)
  timeout 60 "${KJAVA[@]}" org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOT" --create --topic "$1" \
    --partitions "$2" --replication-factor "$3" "${extra[@]}" >/dev/null
}

kafka_produce() { # kafka_produce <topic> <records> <value bytes> <out>
  timeout 300 "${KJAVA[@]}" org.apache.kafka.tools.ProducerPerformance --bootstrap-server "$BOOT" --topic "$1" \
    --num-records "$2" --record-size "$3" --throughput -1 --command-property acks=all >"$4" 2>&1 || true
  RATE=$(grep 'records sent' "$4" | tail -1 | sed -E 's/.* sent, ([0-9.]+) records\/sec.*/\1/')
}

# kafka_warm <out>: ProducerPerformance on topic warm, again and again until WARMUP seconds have passed
kafka_warm() {
  local end=$(( SECONDS + WARMUP ))
  kafka_produce warm "$N_SMALL" 100 "$1"
  while (( SECONDS < end )); do kafka_produce warm "$N_SMALL" 100 "$1"; done
}

kafka_single() {
  log "Kafka: one broker"
  ensure_kafka
  start_kafka 1 single
  kafka_topic warm 3 1
  kafka_warm "$OUTDIR/kafka/single-warm.txt"
  local vb n
  for shape in "100 $N_SMALL" "1024 $N_LARGE"; do
    read -r vb n <<<"$shape"
    kafka_topic "s$vb" 3 1
    kafka_produce "s$vb" "$n" "$vb" "$OUTDIR/kafka/single-$vb.txt"
    record kafka "one node, ${vb} B, 3 partitions" 1 "$RATE"
  done
  stop_all
  rm -rf "$OUTDIR/data"
}

kafka_rf3() { # round
  log "Kafka: three brokers, round $1"
  ensure_kafka
  start_kafka 3 "r$1"
  kafka_topic warm 3 3
  kafka_warm "$OUTDIR/kafka/r$1-warm.txt"
  local vb recs parts t n
  for shape in "${SHAPES[@]}"; do
    read -r vb recs parts <<<"$shape"
    n=$N_SMALL; [[ $vb -gt 100 ]] && n=$N_LARGE
    t="t$vb-p$parts"
    kafka_topic "$t" "$parts" 3
    kafka_produce "$t" "$n" "$vb" "$OUTDIR/kafka/r$1-$t.txt"
    record kafka "RF=3, ${vb} B, $parts partitions" "$1" "$RATE"
  done
  kafka_topic e2e 1 3
  timeout 300 "${KJAVA[@]}" org.apache.kafka.tools.EndToEndLatency --bootstrap-server "$BOOT" --topic e2e \
    --num-records "$E2E_N" --producer-acks all --record-size 100 >"$OUTDIR/kafka/r$1-e2e.txt" 2>&1 || true
  record kafka "RF=3 produce -> consume p99 ms (EndToEndLatency)" "$1" \
    "$(grep 'Percentiles' "$OUTDIR/kafka/r$1-e2e.txt" | sed -E 's/.*99th = ([0-9.]+).*/\1/')"
  stop_all
  rm -rf "$OUTDIR/data"
}

# ------------------------------------------------------------------------------------------- runs
if [[ "${SKIP_RUNNEL:-0}" != 1 ]]; then build_jar; build_bench; fi
if [[ "${SKIP_SINGLE:-0}" != 1 ]]; then
  [[ "${SKIP_RUNNEL:-0}" == 1 ]] || runnel_single
  [[ "${SKIP_KAFKA:-0}" == 1 ]] || kafka_single
fi
for r in $(seq 1 "$ROUNDS"); do
  [[ "${SKIP_RUNNEL:-0}" == 1 ]] || runnel_rf3 "$r"
  [[ "${SKIP_KAFKA:-0}" == 1 ]] || kafka_rf3 "$r"
done

# ------------------------------------------------------------------------------------------- table
# median over the rounds of one line
med() { awk -F'\t' -v s="$1" -v l="$2" '$1 == s && $2 == l && $4 ~ /^[0-9.]+$/ { v[++n] = $4 + 0 }
  END { if (!n) exit; for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (v[b] < v[a]) { t = v[a]; v[a] = v[b]; v[b] = t }
        print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }' "$RESULTS"; }
fmt() { [[ -z "$1" ]] && { echo "n/a"; return; }; awk -v v="$1" 'BEGIN { s = sprintf("%.0f", v); o = ""
  while (length(s) > 3) { o = "," substr(s, length(s) - 2) o; s = substr(s, 1, length(s) - 3) } print s o }'; }
ratio() { [[ -z "$1" || -z "$2" ]] && { echo "n/a"; return; }; awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'; }

echo
echo "# rf3-compare.sh $([[ $QUICK == 1 ]] && echo --quick) $(date -u +%Y-%m-%dT%H:%M:%SZ), $ROUNDS round(s) (median shown)," \
  "took $(( $(date +%s) - START )) s, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# Runnel $(git rev-parse --short HEAD 2>/dev/null || echo ?): fsync before ack (leader and followers), RF=3 min.insync.replicas=2 acks=all," \
  "wrk 8 connections${SERVER_JAVA_OPTS:+, SERVER_JAVA_OPTS=$SERVER_JAVA_OPTS}${RUNNEL_ARGS:+, $RUNNEL_ARGS}." \
  "Kafka $KAFKA_VERSION: 3 combined broker+controllers (KRaft), no per-message fsync, ProducerPerformance acks=all"
echo
echo "| shape | Runnel via n0 | Runnel to leaders | Kafka | ratio (best Runnel / Kafka), target ≥ 1.5 | Runnel best / one node, target ≥ 0.40 |"
echo "|---|---:|---:|---:|---:|---:|"
one_small=$(med runnel "one node, 100 B x 1000, 3 partitions"); one_large=$(med runnel "one node, 1024 B x 100, 3 partitions")
for shape in "${SHAPES[@]}"; do
  read -r vb recs parts <<<"$shape"
  line="${vb} B x $recs, $parts partitions"
  via=$(med runnel "RF=3 via n0, $line"); lead=$(med runnel "RF=3 to leaders, $line")
  best=$(awk -v a="${via:-0}" -v b="${lead:-0}" 'BEGIN { print (a > b) ? a : b }')
  k=$(med kafka "RF=3, ${vb} B, $parts partitions")
  one=$one_small; [[ $vb -gt 100 ]] && one=$one_large
  echo "| ${vb} B values × $recs/request, $parts partitions, records/s | $(fmt "$via") | $(fmt "$lead") | $(fmt "$k") | $(ratio "$best" "$k") | $(ratio "$best" "$one") |"
done
rl=$(med runnel "RF=3 produce -> consume p99 ms"); kl=$(med kafka "RF=3 produce -> consume p99 ms (EndToEndLatency)")
echo "| produce → consume p99 ms (Runnel: long-poll, $LAT_RATE rec/s, one record per request; Kafka: EndToEndLatency), target ratio ≤ 1 | ${rl:-n/a} | – | ${kl:-n/a} | $(ratio "$rl" "$kl") | – |"
echo
echo "| one node, 3 partitions, records/s | Runnel | Kafka | ratio |"
echo "|---|---:|---:|---:|"
k1=$(med kafka "one node, 100 B, 3 partitions"); k2=$(med kafka "one node, 1024 B, 3 partitions")
echo "| 100 B values (Runnel × 1000/request) | $(fmt "$one_small") | $(fmt "$k1") | $(ratio "$one_small" "$k1") |"
echo "| 1 KB values (Runnel × 100/request) | $(fmt "$one_large") | $(fmt "$k2") | $(ratio "$one_large" "$k2") |"
echo
echo "# every run (side, line, round, value):"
sed 's/^/#   /' "$RESULTS"
