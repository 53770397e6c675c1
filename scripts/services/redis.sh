# Redis from Debian on loopback, without persistence; sourced after lib.sh.

REDIS_PIDFILE="$RUN_DIR/redis.pid"
REDIS_URL_VALUE="redis://127.0.0.1:$REDIS_PORT"

redis_ping() { [[ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }

redis_start() {
  if pid_alive "$(pid_from "$REDIS_PIDFILE")" && redis_ping; then
    say "redis already running on 127.0.0.1:$REDIS_PORT"
    return 0
  fi
  port_open "$REDIS_PORT" && die "port $REDIS_PORT is taken by another process; set CONFAB_REDIS_PORT"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --pidfile "$REDIS_PIDFILE" --logfile "$RUN_DIR/redis.log" --dir "$RUN_DIR" </dev/null >/dev/null
  wait_for redis_ping || die "redis did not answer (see $RUN_DIR/redis.log)"
  say "redis started on 127.0.0.1:$REDIS_PORT"
}

redis_stop() {
  local pid
  pid="$(pid_from "$REDIS_PIDFILE")"
  if pid_alive "$pid"; then
    kill "$pid"
    wait_for bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    say "redis stopped"
  fi
  rm -f "$REDIS_PIDFILE"
}
