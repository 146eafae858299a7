#!/usr/bin/env bash
# The Prism checks of `make contract`, with the pinned Prism (contract/package.json):
#   1. the wrapper against `prism mock openapi.yaml` (share, list, and every
#      documented error status through `Prefer: code=NNN`);
#   2. the conformance scenario through `prism proxy --errors openapi.yaml`
#      in front of `polyshare serve --config internal/conformance/seed.yaml`,
#      failing on any request or response violation Prism reports.
# The Go side is internal/conformance (prism_test.go, build tag contract).
# Starts the fake and both Prism servers on free loopback ports, and stops
# them on every exit path.
#
# Usage, from anywhere in the repo:  bash contract/prism.sh
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
prism=contract/node_modules/@stoplight/prism-cli/dist/index.js

if [ ! -f "$prism" ]; then
  echo "prism: installing pinned tools (npm ci --prefix contract)"
  SCARF_ANALYTICS=false npm ci --prefix contract --no-audit --no-fund
fi

tmp="$(mktemp -d)"
pids=()
cleanup() {
  for pid in ${pids[@]+"${pids[@]}"}; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in ${pids[@]+"${pids[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# free_port prints a TCP port that is free on 127.0.0.1 right now.
free_port() {
  node -e 'const s = require("net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# wait_for LOG PATTERN PID WHAT: waits (up to 60s) until LOG has a line
# matching PATTERN, failing early if PID exits.
wait_for() {
  local log="$1" pattern="$2" pid="$3" what="$4"
  for _ in $(seq 1 600); do
    if grep -qE "$pattern" "$log" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "prism: $what exited before it was ready:" >&2
      cat "$log" >&2
      return 1
    fi
    sleep 0.1
  done
  echo "prism: $what not ready after 60s:" >&2
  cat "$log" >&2
  return 1
}

start=$SECONDS

# The fake, strict, seeded like the Go conformance test. A built binary, so
# that the pid is the server's own.
go build -o "$tmp/polyshare" ./cmd/polyshare
"$tmp/polyshare" serve --addr 127.0.0.1:0 --config internal/conformance/seed.yaml >"$tmp/fake.log" 2>&1 &
pids+=($!)
wait_for "$tmp/fake.log" '^listening on http://' "$!" "polyshare serve"
fake_url="$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$tmp/fake.log" | head -n 1)"

# Prism, started with node directly so that the pid is Prism's own;
# --multiprocess=false keeps it one process.
export NODE_ENV=test
mock_port="$(free_port)"
node "$prism" mock --multiprocess=false -h 127.0.0.1 -p "$mock_port" openapi.yaml >"$tmp/mock.log" 2>&1 &
pids+=($!)
mock_pid=$!
proxy_port="$(free_port)"
node "$prism" proxy --errors --multiprocess=false -h 127.0.0.1 -p "$proxy_port" openapi.yaml "$fake_url" >"$tmp/proxy.log" 2>&1 &
pids+=($!)
proxy_pid=$!
wait_for "$tmp/mock.log" 'Prism is listening on' "$mock_pid" "prism mock"
wait_for "$tmp/proxy.log" 'Prism is listening on' "$proxy_pid" "prism proxy"
echo "prism: fake on $fake_url, mock on :$mock_port, proxy on :$proxy_port (ready in $((SECONDS - start))s)"

status=0
POLYSHARE_PRISM_MOCK_URL="http://127.0.0.1:$mock_port" \
POLYSHARE_PRISM_PROXY_URL="http://127.0.0.1:$proxy_port" \
  go test -tags contract -count=1 -v -run '^TestPrism(Mock|Proxy)$' ./internal/conformance >"$tmp/test.log" 2>&1 || status=1
grep -E '^(=== RUN|--- |\s+--- |ok |FAIL|PASS)|prism_test.go|conformance.go' "$tmp/test.log" | grep -v '^=== RUN' || true

# Both tests must have run (a filter typo must not pass silently).
for name in TestPrismMock TestPrismProxy; do
  if ! grep -q "^--- PASS: $name " "$tmp/test.log"; then
    echo "prism: $name did not pass" >&2
    status=1
  fi
done

# Prism's own log is the second witness: any violation it logged, or any
# answer it made up instead of passing one on (--errors), fails the run.
for log in mock proxy; do
  if grep -qE 'Violation:|Request terminated with error' "$tmp/$log.log"; then
    echo "prism: the $log logged violations or errors:" >&2
    grep -E 'Violation:|Request terminated with error' "$tmp/$log.log" | cut -c1-400 >&2
    status=1
  fi
done

if [ "$status" -eq 0 ]; then
  echo "prism: OK (mock and proxy checks, 0 violations) in $((SECONDS - start))s"
else
  echo "prism: FAILED; the fake's log:" >&2
  cat "$tmp/fake.log" >&2
  echo "prism: FAILED" >&2
fi
exit "$status"
