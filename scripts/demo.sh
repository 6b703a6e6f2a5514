#!/usr/bin/env bash
# The main job, from nothing: set up, build, start a local server on a temporary data
# directory, create the first account, deploy the example function, invoke it, and show its
# logs and status. Everything it creates is removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

bash scripts/setup.sh
bun run build >&2
bin="$root/dist/dart_cloud"

# A real Dart SDK when there is one; otherwise the test suite's stand-in, said plainly.
if [ -n "${DART_CLOUD_DART:-}" ] || command -v dart >/dev/null 2>&1; then
  export DART_CLOUD_DART="${DART_CLOUD_DART:-$(command -v dart)}"
  echo "==> Using the Dart SDK at $DART_CLOUD_DART"
else
  export DART_CLOUD_DART="$root/test/fixtures/dart-standin/bin/dart"
  standin=1
  cat <<'NOTE'
==> No Dart SDK found on this machine.
    Install one from https://dart.dev/get-dart (or point DART_CLOUD_DART at a `dart`
    executable) to build real functions. This demo continues with the test suite's
    stand-in toolchain: the platform (server, archive, build steps, sandbox, logs) is real,
    but the function's Dart code is NOT being compiled; the stand-in's program answers
    in its place.
NOTE
fi

work="$(mktemp -d)"
export XDG_CONFIG_HOME="$work/config"
server_log="$work/server.log"
cleanup() {
  [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> Starting dart_cloud serve on a temporary data directory"
"$bin" serve --port 0 --data-dir "$work/data" >"$server_log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  url="$(grep -Eo 'http://[0-9.:]+' "$server_log" | head -n 1 || true)"
  [ -n "$url" ] && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$server_log"; exit 1; }
  sleep 0.1
done
[ -n "$url" ] || { echo "The server did not start:"; cat "$server_log"; exit 1; }
export DART_CLOUD_SERVER="$url"
echo "    listening on $url"

# An argument as it would be typed: as is when it is plain, else in single quotes.
shell_quote() {
  if [[ $1 =~ ^[A-Za-z0-9_@%+=:,./-]+$ ]]; then printf '%s' "$1"
  else printf "'%s'" "${1//\'/\'\\\'\'}"; fi
}
# Prints the command shell-quoted, then runs it.
run() {
  local shown="\$ dart_cloud" arg
  for arg in "$@"; do shown+=" $(shell_quote "$arg")"; done
  echo; echo "$shown"; "$bin" "$@"
}

run register --email demo@example.com --password demo-password
run deploy ./examples/hello --name hello --env GREETING=Hello
run invoke hello --data '{"name": "Dart"}'
if [ "${standin:-0}" = 1 ]; then
  echo; echo "(stand-in) asking the stand-in's program to write log lines, as a real function would:"
  run invoke hello --data '{"action": "log", "lines": 2, "level": "info"}'
fi
run logs hello --lines 20
run status hello
run list
echo
echo "==> Done. The server is stopped and its temporary data directory removed."
