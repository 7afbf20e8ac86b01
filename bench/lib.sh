# Shared by bench/run.sh and bench/compare.sh (sourced, not run): loopback port choice and the build.

# Prints a port on 127.0.0.1 where nothing listens (a connection attempt is refused).
free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$(( 20000 + RANDOM % 40000 ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
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
