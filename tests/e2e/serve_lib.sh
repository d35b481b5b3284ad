# Shared by the serve end-to-end tests (sourced): start `iamforge serve` on a free loopback port.
# Needs BIN, TMP and a `fail` function; sets SERVER_PID, PORT and ENDPOINT. The server keeps its
# data in $TMP/data and its bootstrap key in $TMP/admin.json, so a second call restarts it on both.
start_server() {
  "$BIN" serve --listen 127.0.0.1:0 --data "$TMP/data" --admin-key-file "$TMP/admin.json" >"$TMP/server.log" 2>&1 &
  SERVER_PID=$!
  PORT=""
  for _ in $(seq 1 100); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$TMP/server.log" 2>/dev/null | grep -o '[0-9]*$' || true)
    [ -n "$PORT" ] && break
    kill -0 "$SERVER_PID" 2>/dev/null || fail "the server exited at start"
    sleep 0.1
  done
  [ -n "$PORT" ] || fail "the server did not print its address"
  ENDPOINT="http://127.0.0.1:$PORT"
}
