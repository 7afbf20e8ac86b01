# Shared by the bench/*.sh scripts (sourced, not run): loopback port choice, the build of the node and of the benchmark.

# Prints a port on 127.0.0.1 where nothing listens (a connection attempt is refused), below the kernel's
# ephemeral range (a port there can be the local end of some connection, and a later bind fails), and not
# one this script was given before (an instance's Raft port is not bound until it starts).
FREE_PORTS_GIVEN=$(mktemp "${TMPDIR:-/tmp}/runnel-bench-ports.XXXXXX")   # a file: free_port runs in $(…) subshells
free_port() {
  local port low
  low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
  for _ in $(seq 1 100); do
    port=$(( 20000 + RANDOM % (low - 20000) ))
    grep -qx "$port" "$FREE_PORTS_GIVEN" && continue
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port" >>"$FREE_PORTS_GIVEN"
      echo "$port"
      return 0
    fi
  done
  echo "$(basename "$0"): no free port found" >&2
  return 1
}

# Builds target/runnel.jar unless SKIP_BUILD=1, then checks it is there. Run from the repo root.
build_jar() {
  if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "# building target/runnel.jar" >&2
    timeout 600 ./mvnw -B -q package -DskipTests
  fi
  [[ -f target/runnel.jar ]] || { echo "$(basename "$0"): target/runnel.jar not found" >&2; exit 2; }
}

# Compiles the benchmark program (bench/src, JDK only) with `javac --release 17` into
# bench/target/classes, unless it is there and no source is newer; sets BENCH_CLASSES to that dir.
# Compiles into a temporary dir first, so that a failed compilation leaves no half-built classes.
build_bench() {
  local bench out tmp
  bench=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  out="$bench/target/classes"
  if [[ ! -f "$out/.compiled" ]] || [[ -n "$(find "$bench/src" -name '*.java' -newer "$out/.compiled" -print -quit)" ]]; then
    echo "# compiling bench/src into bench/target/classes" >&2
    mkdir -p "$bench/target"
    tmp=$(mktemp -d "$bench/target/classes.XXXXXX")
    if ! find "$bench/src" -name '*.java' -print0 | xargs -0 javac --release 17 -d "$tmp"; then
      rm -rf "$tmp"
      echo "$(basename "$0"): the benchmark program does not compile" >&2
      exit 2
    fi
    touch "$tmp/.compiled"
    rm -rf "$out"
    mv "$tmp" "$out"
  fi
  BENCH_CLASSES=$out
}

# fill_topic URL TOPIC BODY_FILE REQUESTS PARTITIONS: posts the produce body in BODY_FILE REQUESTS times with
# acks=all, to the partitions in turn, then prints how long it took (the caller's topic must exist).
fill_topic() {
  local url=$1 topic=$2 body=$3 requests=$4 partitions=$5 started r
  started=$(date +%s.%N)
  for r in $(seq 0 $(( requests - 1 ))); do
    curl -fsS -o /dev/null -X POST "$url/topics/$topic/partitions/$(( r % partitions ))/records?acks=all" \
      -H 'Content-Type: application/json' --data-binary "@$body"
  done
  echo "# $topic filled in $(echo "$(date +%s.%N) - $started" | bc) s"
}

# await_ready <port> <logs dir>: waits up to 120 s for the node on 127.0.0.1:<port> to answer its readiness
# probe; exits the script (status 2) when it does not, naming where its logs are.
await_ready() {
  for _ in $(seq 1 240); do
    curl -fsS --max-time 2 "http://127.0.0.1:$1/actuator/health/readiness" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  echo "$(basename "$0"): 127.0.0.1:$1 was not ready within 120 s (logs in $2)" >&2
  exit 2
}
