#!/usr/bin/env bash
# eng/public-api.sh — regenerate Fanout.Core's public-API baseline (src/Fanout.Core/PublicAPI.*.txt).
# Builds Fanout.Core with warnings allowed, collects every RS0016 "Symbol '…' is not part of the
# declared public API" line of the Microsoft.CodeAnalysis.PublicApiAnalyzers, and writes the whole
# surface to PublicAPI.Shipped.txt (PublicAPI.Unshipped.txt is reset). Review the diff before committing:
# it is the public change. Usage: eng/public-api.sh
set -euo pipefail
cd "$(dirname "$0")/.."
core=src/Fanout.Core
printf '#nullable enable\n' > "$core/PublicAPI.Shipped.txt"
printf '#nullable enable\n' > "$core/PublicAPI.Unshipped.txt"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet build "$core" -c Release -nologo -v quiet -p:FanoutPublicApi=true -p:TreatWarningsAsErrors=false --no-incremental > "$log" 2>&1 || true
{
  printf '#nullable enable\n'
  grep -o "RS0016: Symbol '.*' is not part of the declared public API" "$log" \
    | sed -e "s/^RS0016: Symbol '//" -e "s/' is not part of the declared public API\$//" \
    | LC_ALL=C sort -u
} > "$core/PublicAPI.Shipped.txt"
echo "$(($(wc -l < "$core/PublicAPI.Shipped.txt") - 1)) public symbols in $core/PublicAPI.Shipped.txt"
dotnet build "$core" -c Release -nologo -v quiet -p:FanoutPublicApi=true || { echo "public-api.sh: Fanout.Core does not build cleanly with the new baseline" >&2; exit 1; }
