# A Kafka-protocol broker: librdkafka's mock cluster behind the launcher in kafka-mock.c;
# sourced after lib.sh. Its port is picked by librdkafka, so the address is read from the
# launcher's first line of output.

KAFKA_PIDFILE="$RUN_DIR/kafka.pid"
KAFKA_OUT="$RUN_DIR/kafka.out"

# Compiled once per version of the source, into the cache.
kafka_binary() {
  local sum bin
  sum="$(sha256sum "$SERVICES_DIR/kafka-mock.c" | cut -c1-16)"
  bin="$CACHE_DIR/bin/kafka-mock-$sum"
  if [[ ! -x "$bin" ]]; then
    mkdir -p "$CACHE_DIR/bin"
    gcc -O2 -Wall -o "$bin.tmp.$$" "$SERVICES_DIR/kafka-mock.c" -lrdkafka -lpthread >&2
    mv "$bin.tmp.$$" "$bin"
  fi
  printf '%s\n' "$bin"
}

kafka_brokers() { [[ -s "$KAFKA_OUT" ]] && head -n1 "$KAFKA_OUT"; }

kafka_up() { local b; b="$(kafka_brokers)" && port_open "${b##*:}"; }

kafka_start() {
  if pid_alive "$(pid_from "$KAFKA_PIDFILE")" && kafka_up; then
    say "kafka mock already running on $(kafka_brokers)"
    return 0
  fi
  local bin
  bin="$(kafka_binary)"
  rm -f "$KAFKA_OUT"
  # shellcheck disable=SC2086 # topic names are split on spaces on purpose
  setsid "$bin" $KAFKA_TOPICS </dev/null >"$KAFKA_OUT" 2>"$RUN_DIR/kafka.log" &
  echo $! >"$KAFKA_PIDFILE"
  wait_for kafka_up || die "kafka mock did not start (see $RUN_DIR/kafka.log)"
  say "kafka mock started on $(kafka_brokers)"
}

kafka_stop() {
  local pid
  pid="$(pid_from "$KAFKA_PIDFILE")"
  if pid_alive "$pid"; then
    kill "$pid"
    wait_for bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    say "kafka mock stopped"
  fi
  rm -f "$KAFKA_PIDFILE" "$KAFKA_OUT"
}
