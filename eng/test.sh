#!/usr/bin/env bash
# eng/test.sh — the one test command (CI runs it through .ci/run).
#   1. installs the Debian packages the tests need (eng/test-packages.txt) when dpkg says one is
#      missing: one `apt-get update`, then `apt-get install -y` of just the missing ones;
#   2. builds the solution (warnings are errors);
#   3. runs every test project of Fanout.slnx with `dotnet test`;
#   4. sums the VSTest "Passed!/Failed!" lines and ends with `N passed, N failed, N skipped`.
# Exits non-zero when the build fails, any test failed, or no test ran.
# Test fixtures start the servers they need (sshd, PostgreSQL) themselves, on 127.0.0.1.
set -uo pipefail
cd "$(dirname "$0")/.."

missing=()
while read -r pkg; do
  pkg=${pkg%%#*}; pkg=$(echo "$pkg" | xargs)
  [ -z "$pkg" ] && continue
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done < eng/test-packages.txt
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing missing packages: ${missing[*]}"
  if [ "$(id -u)" -eq 0 ]; then sudo=""; else sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq && $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
    || { echo "apt-get install failed for: ${missing[*]}" >&2; exit 1; }
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet build Fanout.slnx -c Release -nologo -v quiet || { echo "build failed" >&2; echo "0 passed, 1 failed, 0 skipped"; exit 1; }

log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Fanout.slnx -c Release --no-build --nologo --blame-hang-timeout 10m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

passed=0; failed=0; skipped=0
while read -r line; do
  p=$(sed -n 's/.*Passed: *\([0-9]*\).*/\1/p' <<<"$line"); f=$(sed -n 's/.*Failed: *\([0-9]*\).*/\1/p' <<<"$line")
  s=$(sed -n 's/.*Skipped: *\([0-9]*\).*/\1/p' <<<"$line")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
done < <(grep -E '^\s*(Passed|Failed)!' "$log")

if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; echo "dotnet test exited with $status" >&2; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
