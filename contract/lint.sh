#!/usr/bin/env bash
# Lints openapi.yaml with the pinned Spectral and Redocly CLIs (contract/package.json).
# Exits non-zero when either tool reports any error or warning.
#
# Usage, from anywhere in the repo:  bash contract/lint.sh [spec]   (default: openapi.yaml)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
spec="${1:-openapi.yaml}"
bin=contract/node_modules/.bin

# Install the pinned tools only when they are not there yet.
if [ ! -d contract/node_modules ] || [ ! -x "$bin/spectral" ] || [ ! -x "$bin/redocly" ]; then
  echo "lint: installing pinned tools (npm ci --prefix contract)"
  # SCARF_ANALYTICS=false: an older npm would run @scarf/scarf's analytics
  # postinstall, which package.json's allowScripts denies on npm 11.
  SCARF_ANALYTICS=false npm ci --prefix contract --no-audit --no-fund
fi

# Redocly: no network calls from a lint run.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true

status=0

echo "lint: spectral $("$bin/spectral" --version) on $spec"
if ! "$bin/spectral" lint --ruleset contract/.spectral.yaml --fail-severity=warn "$spec"; then
  status=1
fi

# Redocly exits non-zero on errors only, so read its JSON report and fail on
# warnings too. Its stderr (progress lines, a Node.js deprecation notice) is
# shown only when it left no report.
echo "lint: redocly $("$bin/redocly" --version 2>/dev/null) on $spec"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
redocly_rc=0
"$bin/redocly" lint --config contract/redocly.yaml --lint-config=error \
  --max-problems=10000 --format=json "$spec" >"$tmp/report.json" 2>"$tmp/stderr" || redocly_rc=$?
if ! node - "$tmp/report.json" "$tmp/stderr" "$redocly_rc" <<'EOF'
const fs = require("fs");
const [file, stderrFile, rc] = process.argv.slice(2);
let report;
try {
  report = JSON.parse(fs.readFileSync(file, "utf8"));
} catch (err) {
  process.stderr.write(fs.readFileSync(stderrFile, "utf8"));
  console.error(`redocly: no JSON report (exit ${rc}): ${err.message}`);
  process.exit(1);
}
for (const p of report.problems || []) {
  const where = (p.location || []).map((l) => l.pointer).join(", ");
  console.log(`  ${p.severity.padEnd(5)}  ${p.ruleId}  ${p.message}  ${where}`);
}
const { errors = 0, warnings = 0 } = report.totals || {};
console.log(`redocly: ${errors} error(s), ${warnings} warning(s)`);
process.exit(errors > 0 || warnings > 0 || rc !== "0" ? 1 : 0);
EOF
then
  status=1
fi

if [ "$status" -eq 0 ]; then
  echo "lint: OK (0 errors, 0 warnings)"
else
  echo "lint: FAILED" >&2
fi
exit "$status"
