#!/usr/bin/env bash
# Runnel against native Apache Kafka on this machine: same scenarios, one table (Runnel, Kafka, ratio).
#
#   bench/compare.sh            full run: about 9 minutes on 2 cores, mostly Kafka's RUNS=3
#   bench/compare.sh --quick    fewer records, shorter runs, one repetition: about 2.5 minutes here
#
# What it does:
#   1. Builds target/runnel.jar (SKIP_BUILD=1 reuses it) and compiles the benchmark program (bench/src).
#   2. Starts one Runnel node on 127.0.0.1 (free port, fresh temp data dir, default settings, so
#      runnel.storage.flush=always: fsync before each acknowledgement).
#   3. Runnel figures, 3 partitions, 8 connections, acks=all:
#        - RunnelBench (bench/src): produce 100 B values x 1000/request, the produce -> long-poll latency
#          probe at 1,000 records/s (raw-socket client, after 20 s of the same load unmeasured; 30 s quick);
#          then produce 1 KB values x 100/request and read them back by offset.
#        - wrk + post-batch.lua (if wrk is installed): the same two produce shapes, as a cross-check with a
#          client that costs less CPU.
#   4. Stops the node, then runs the shared Kafka anchor script (sections "produce" and "e2e") on free
#      loopback ports and reads its summary.tsv.
#   5. Prints one table: scenario, Runnel, Kafka, ratio (Runnel/Kafka), target.
#
# The Kafka anchors live beside the repository: $(dirname repo)/shared/anchors; ANCHORS_DIR overrides it.
# Environment: SKIP_BUILD=1, SERVER_JAVA_OPTS (node JVM options), ANCHORS_DIR, ANCHOR_WORK (Kafka jars and
# run dir, default /tmp/anchors), KEEP_OUT=1 (keep the raw outputs dir), REUSE_OUT=<kept dir> (only reprint
# the table from it), SKIP_KAFKA=1 / SKIP_RUNNEL=1.
# Every step is bounded by `timeout`; the node is stopped and temp dirs removed on exit.
set -euo pipefail

cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
source bench/lib.sh
ROOT=$(pwd)
JAR="$ROOT/target/runnel.jar"
ANCHORS_DIR=${ANCHORS_DIR:-"$(dirname "$ROOT")/shared/anchors"}

QUICK=0
for a in "$@"; do
  case "$a" in
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,25p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "compare.sh: unknown argument $a (use --quick or --help)" >&2; exit 2 ;;
  esac
done

if [[ ! -x "$ANCHORS_DIR/kafka-anchor.sh" && "${SKIP_KAFKA:-0}" != 1 ]]; then
  echo "compare.sh: Kafka anchor script not found at $ANCHORS_DIR/kafka-anchor.sh" >&2
  echo "            (expected the shared anchors beside the repository; set ANCHORS_DIR=/path/to/anchors)" >&2
  exit 2
fi

if [[ $QUICK == 1 ]]; then
  # 3 s initial warm-up, 1 s warm-up, 4 s / 600,000 records per produce line, 4 s latency probe
  RB_COMMON=(--quick --produce-seconds 4 --produce-max-records 600000)
  WRK_SECONDS=4
  RUNS=1; SMALL_N=1000000; LARGE_N=300000; E2E_N=1000
  LATENCY_WARMUP=30   # longer than the full run's: quick mode's initial warm-up is only 3 s
else
  RB_COMMON=()
  WRK_SECONDS=10
  RUNS=3; SMALL_N=2000000; LARGE_N=1000000; E2E_N=5000
  LATENCY_WARMUP=20
fi
LATENCY_RATE=1000

if [[ -n "${REUSE_OUT:-}" ]]; then   # only print the table again from a kept outputs dir (KEEP_OUT=1)
  OUTDIR=$REUSE_OUT; SKIP_RUNNEL=1; SKIP_KAFKA=1; KEEP_OUT=1
else
  OUTDIR=$(mktemp -d "${TMPDIR:-/tmp}/runnel-compare.XXXXXX")
fi
DATA_DIR="$OUTDIR/runnel-data"
LOG="$OUTDIR/runnel-node.log"
SERVER_PID=""
mkdir -p "$DATA_DIR"

log() { printf '[%s] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }

stop_server() {
  if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
    log "stopping node (pid $SERVER_PID)"
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do            # up to 30 s for a graceful stop
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "node did not stop within 30 s; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
}
cleanup() {
  stop_server
  rm -rf "$DATA_DIR"
  if [[ "${KEEP_OUT:-0}" == 1 ]]; then
    log "raw outputs kept in $OUTDIR"
  else
    rm -rf "$OUTDIR"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM


START=$(date +%s)
log "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# ------------------------------------------------------------------------------------------- Runnel
if [[ "${SKIP_RUNNEL:-0}" != 1 ]]; then
  build_jar
  build_bench

  PORT=$(free_port)
  URL="http://127.0.0.1:$PORT"
  log "starting node on $URL, data dir $DATA_DIR"
  # shellcheck disable=SC2086
  java ${SERVER_JAVA_OPTS:-} -jar "$JAR" --server.address=127.0.0.1 --server.port="$PORT" \
    --runnel.data-dir="$DATA_DIR" >"$LOG" 2>&1 &
  SERVER_PID=$!
  ready=0
  for _ in $(seq 1 120); do                 # up to 60 s to become ready
    kill -0 "$SERVER_PID" 2>/dev/null || { tail -n 40 "$LOG" >&2; echo "compare.sh: node exited during startup" >&2; exit 2; }
    if curl -fsS --max-time 2 "$URL/actuator/health/readiness" >/dev/null 2>&1; then ready=1; break; fi
    sleep 0.5
  done
  [[ $ready == 1 ]] || { tail -n 40 "$LOG" >&2; echo "compare.sh: node not ready within 60 s" >&2; exit 2; }

  RB=(timeout 600 bench/runnel-bench.sh --url "$URL" --server-pid "$SERVER_PID" --partitions 3 --acks all
      --connections 8 --large-value-bytes 0 "${RB_COMMON[@]}")
  # The latency probe first sends LATENCY_WARMUP s of the same load unmeasured: until the JIT has
  # compiled the single-record produce and long-poll paths, the node spends more CPU per request
  # (C2 compiling) than at steady state, which is what a long-running broker serves.
  log "RunnelBench: produce 100 B x 1000, 8 conns; latency probe at $LATENCY_RATE records/s after ${LATENCY_WARMUP}s unmeasured"
  "${RB[@]}" --scenarios produce,latency --batch-sizes 1000 --value-bytes 100 --latency-rate "$LATENCY_RATE" \
    --latency-warmup-seconds "$LATENCY_WARMUP" | tee "$OUTDIR/runnel-small.txt"
  log "RunnelBench: produce 1 KB x 100, 8 conns; fetch them back by offset"
  "${RB[@]}" --scenarios produce,fetch --batch-sizes 100 --value-bytes 1024 | tee "$OUTDIR/runnel-large.txt"
  log "RunnelBench: latency probe at 200 records/s (the rate of BENCHMARKS.md's main table), for reference"
  "${RB[@]}" --scenarios latency --latency-rate 200 | tee "$OUTDIR/runnel-lat200.txt"

  if command -v wrk >/dev/null 2>&1; then
    # post-batch.lua values are {"n":i,"payload":"x…"}: 19 bytes + digits of i + VALUE_BYTES.
    # VALUE_BYTES=78 -> 98-101 B values (100 B for 900 of 1000); VALUE_BYTES=1003 -> 1023-1024 B values.
    # Records carry keys k1..kN, so they are spread over the partitions by key.
    for shape in "small 1000 78" "large 100 1003"; do
      read -r name records vbytes <<<"$shape"
      topic="runnel-compare-wrk-$name-$$"
      curl -fsS --max-time 10 -H 'Content-Type: application/json' \
        -d "{\"name\":\"$topic\",\"partitions\":3}" "$URL/topics" >/dev/null
      log "wrk: produce $records records/request, VALUE_BYTES=$vbytes, 8 conns, ${WRK_SECONDS}s (+1 s warm-up)"
      RECORDS=$records VALUE_BYTES=$vbytes timeout 60 wrk -t2 -c8 -d1s -s "$ANCHORS_DIR/post-batch.lua" \
        "$URL/topics/$topic/records?acks=all" >/dev/null 2>&1 || true
      RECORDS=$records VALUE_BYTES=$vbytes timeout $((WRK_SECONDS + 60)) wrk -t2 -c8 -d"${WRK_SECONDS}s" \
        -s "$ANCHORS_DIR/post-batch.lua" "$URL/topics/$topic/records?acks=all" | tee "$OUTDIR/wrk-$name.txt"
      curl -fsS --max-time 10 -X DELETE "$URL/topics/$topic" >/dev/null 2>&1 || true
    done
  else
    log "wrk not installed (apt-get install -y wrk): skipping the wrk cross-check"
  fi
  log "node: rss $(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo ?) kB," \
    "log lines with WARN/ERROR: $(grep -cE ' (WARN|ERROR) ' "$LOG" || true)"
  stop_server
  rm -rf "$DATA_DIR"
fi

# ------------------------------------------------------------------------------------------- Kafka
KOUT="$OUTDIR/kafka"
if [[ "${SKIP_KAFKA:-0}" != 1 ]]; then
  KP=$(free_port); CP=$(free_port)
  while [[ "$CP" == "$KP" ]]; do CP=$(free_port); done
  log "Kafka anchor: sections produce e2e, RUNS=$RUNS SMALL_N=$SMALL_N LARGE_N=$LARGE_N E2E_N=$E2E_N, ports $KP/$CP"
  if ! OUT="$KOUT" RUNS=$RUNS SMALL_N=$SMALL_N LARGE_N=$LARGE_N E2E_N=$E2E_N KAFKA_PORT=$KP CONTROLLER_PORT=$CP \
       TOOL_TIMEOUT=300 BROKER_MAX_SECONDS=1800 timeout 1800 "$ANCHORS_DIR/kafka-anchor.sh" produce e2e \
       > "$OUTDIR/kafka-anchor.out" 2>&1; then
    log "the Kafka anchor script failed; its last lines:"
    tail -n 30 "$OUTDIR/kafka-anchor.out" >&2
    [[ -f "$KOUT/broker.log" ]] && { log "broker log tail:"; tail -n 20 "$KOUT/broker.log" >&2; }
  fi
fi

# ------------------------------------------------------------------------------------------- table
# rb <file> <regex>: the first RunnelBench line matching regex
rb_line() { grep -E "$2" "$1" 2>/dev/null | head -1 || true; }
rb_recs() { rb_line "$1" "$2" | sed -nE 's/.* ([0-9,]+) rec\/s.*/\1/p' | tr -d ,; }
rb_mbs()  { rb_line "$1" "$2" | sed -nE 's/.*rec\/s +([0-9.]+) MB\/s.*/\1/p'; }
# the first p99= of a latency line is end to end (send -> consumer has it); a later one is the produce ack
rb_p99()  { rb_line "$1" "$2" | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^p99=/) { sub(/^p99=/, "", $i); sub(/ms$/, "", $i); print $i; exit } }'; }
wrk_field() { sed -nE "s|^SUMMARY .* $2=([0-9.]+).*|\1|p" "$OUTDIR/wrk-$1.txt" 2>/dev/null | head -1 || true; }
# kafka <test> <metric>: median from summary.tsv
kafka() { awk -F'\t' -v t="$1" -v m="$2" '$1 == t && $2 == m { print $3 }' "$KOUT/summary.tsv" 2>/dev/null | head -1 || true; }

S="$OUTDIR/runnel-small.txt"; L="$OUTDIR/runnel-large.txt"
r_small=$(rb_recs "$S" '^produce +batch=1000 value=100B conns=8')
r_lat=$(rb_p99 "$S" '^latency ')
r_lat200=$(rb_p99 "$OUTDIR/runnel-lat200.txt" '^latency ')
r_large_mb=$(rb_mbs "$L" '^produce +batch=100 value=1024B conns=8')
r_fetch8=$(rb_recs "$L" '^fetch .*conns=8 ')
w_small=$(wrk_field small 'records/s')
w_large_recs=$(wrk_field large 'records/s')
w_large_mb=""; [[ -n "$w_large_recs" ]] && w_large_mb=$(awk -v r="$w_large_recs" 'BEGIN { printf "%.2f", r * 1024 / 1e6 }')
w_small_err=$(wrk_field small errors); w_large_err=$(wrk_field large errors)
k_small=$(kafka produce_100B_acksall_p3 records_per_s)
k_large_recs=$(kafka produce_1024B_acksall_p3 records_per_s)
k_large_mb=""; [[ -n "$k_large_recs" ]] && k_large_mb=$(awk -v r="$k_large_recs" 'BEGIN { printf "%.2f", r * 1024 / 1e6 }')
k_fetch=$(kafka consume_1024B_p3 records_per_s)
k_lat=$(kafka e2e_100B_acksall p99_ms)

fmt() { [[ -z "$1" ]] && { echo "n/a"; return; }; awk -v v="$1" -v d="${2:-0}" 'BEGIN { if (d == 0) { s = sprintf("%.0f", v); out = ""; while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } print s out } else printf "%." d "f\n", v }'; }
ratio() { [[ -z "$1" || -z "$2" ]] && { echo "n/a"; return; }; awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f\n", a / b; else print "n/a" }'; }
verdict() { # verdict <ratio> <ge|le> <target>
  [[ "$1" == n/a ]] && { echo "n/a"; return; }
  awk -v r="$1" -v op="$2" -v t="$3" 'BEGIN { ok = (op == "ge") ? (r >= t) : (r <= t); print ok ? "met" : "not met" }'
}
row() { # row <scenario> <runnel> <kafka> <decimals> <ge|le> <target>
  local rt; rt=$(ratio "$2" "$3")
  local sym="≥"; [[ "$5" == le ]] && sym="≤"
  printf '| %s | %s | %s | %s | %s %s (%s) |\n' "$1" "$(fmt "$2" "$4")" "$(fmt "$3" "$4")" "$rt" "$sym" "$6" "$(verdict "$rt" "$5" "$6")"
}

echo
echo "# compare.sh $([[ $QUICK == 1 ]] && echo --quick) $(date -u +%Y-%m-%dT%H:%M:%SZ), took $(( $(date +%s) - START )) s," \
  "load average now $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# Runnel: 1 node, fsync before ack, 3 partitions, 8 connections, acks=all. Kafka $(sed -n 's/^kafka_version: //p' "$KOUT/machine.txt" 2>/dev/null || echo '?'):" \
  "1 broker (KRaft), no per-message fsync, RUNS=$RUNS (median)"
echo
echo "| scenario | Runnel | Kafka | ratio | target |"
echo "|---|---:|---:|---:|---|"
row "produce 100 B values, batch 1000, records/s (RunnelBench)" "$r_small" "$k_small" 0 ge 0.5
row "produce 100 B values, batch 1000, records/s (wrk)" "$w_small" "$k_small" 0 ge 0.5
row "produce 1 KB values, batch 100, MB/s (RunnelBench)" "$r_large_mb" "$k_large_mb" 2 ge 0.5
row "produce 1 KB values, batch 100, MB/s (wrk)" "$w_large_mb" "$k_large_mb" 2 ge 0.5
row "fetch 1 KB values by offset, records/s (8 conns)" "$r_fetch8" "$k_fetch" 0 ge 0.5
row "produce → consumer p99 ms (Runnel: long-poll at $LATENCY_RATE rec/s; Kafka: EndToEndLatency)" "$r_lat" "$k_lat" 2 le 1
row "same, Runnel at 200 rec/s (for reference)" "$r_lat200" "$k_lat" 2 le 1
echo
[[ -n "$w_small_err$w_large_err" ]] && echo "# wrk errors (socket + non-2xx): small=${w_small_err:-?} large=${w_large_err:-?}"
grep -h '^\(produce\|fetch\|latency\)' "$S" "$L" "$OUTDIR/runnel-lat200.txt" 2>/dev/null | sed 's/^/# runnel: /' || true
[[ -f "$KOUT/summary.tsv" ]] && grep -E '^(produce_(100|1024)B_acksall_p3|consume_1024B_p3|e2e_)' "$KOUT/summary.tsv" \
  | sed 's/^/# kafka: /' || true
[[ -f "$KOUT/summary.tsv" ]] || echo "# kafka: no results (see the messages above)"
