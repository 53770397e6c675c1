# @modelcontextprotocol/server-everything (an npm dev dependency) on loopback, serving Streamable
# HTTP at /mcp, for the MCP client tests; sourced after lib.sh. Needs `bun install` to have run.

MCP_EVERYTHING_PIDFILE="$RUN_DIR/mcp-everything.pid"
MCP_EVERYTHING_URL_VALUE="http://127.0.0.1:$MCP_EVERYTHING_PORT/mcp"
MCP_EVERYTHING_ENTRY="$SERVICES_DIR/../../node_modules/@modelcontextprotocol/server-everything/dist/index.js"

mcp_everything_start() {
  if pid_alive "$(pid_from "$MCP_EVERYTHING_PIDFILE")" && port_open "$MCP_EVERYTHING_PORT"; then
    say "mcp server-everything already running on 127.0.0.1:$MCP_EVERYTHING_PORT"
    return 0
  fi
  [[ -f "$MCP_EVERYTHING_ENTRY" ]] || die "server-everything is not installed; run bun install first"
  port_open "$MCP_EVERYTHING_PORT" && die "port $MCP_EVERYTHING_PORT is taken by another process; set CONFAB_MCP_EVERYTHING_PORT"
  # It listens on every interface by default; the preload keeps it on loopback.
  PORT="$MCP_EVERYTHING_PORT" setsid node --import "$SERVICES_DIR/loopback-only.mjs" "$MCP_EVERYTHING_ENTRY" streamableHttp \
    </dev/null >"$RUN_DIR/mcp-everything.log" 2>&1 &
  echo $! >"$MCP_EVERYTHING_PIDFILE"
  wait_for port_open "$MCP_EVERYTHING_PORT" || die "server-everything did not listen (see $RUN_DIR/mcp-everything.log)"
  say "mcp server-everything started on 127.0.0.1:$MCP_EVERYTHING_PORT"
}

mcp_everything_stop() {
  local pid
  pid="$(pid_from "$MCP_EVERYTHING_PIDFILE")"
  if pid_alive "$pid"; then
    kill "$pid"
    wait_for bash -c "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
    say "mcp server-everything stopped"
  fi
  rm -f "$MCP_EVERYTHING_PIDFILE"
}
