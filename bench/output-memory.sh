#!/usr/bin/env bash
# bench/output-memory.sh — SPEC X12 / issue 11: peak RSS of one fanout process whose targets print a lot.
# Two scenarios, each in three output modes, all with DEFAULT options (output budget, window, store) except -p:
#   10,000 local targets x 100,000 bytes   and   1,000 local targets x 1 MiB   (`cat` of a random binary file)
#   modes: table (stdout to a file), --output json, --output-dir DIR (table too)
# Measures peak RSS with /usr/bin/time -v, checks that the run succeeded, that --output-dir files are byte-identical
# to the source and that the JSON counts every byte (stdoutBytes). Goal: peak RSS <= 512 MiB in every mode.
# Publishes Fanout (Release, ReadyToRun) once into bench/results/publish unless FANOUT=path is given.
# Env: PARALLEL (32), SCENARIOS ("10000x100000 1000x1048576"), MODES ("table json dir"), KEEP=1 keeps the work dir.
set -euo pipefail
cd "$(dirname "$0")/.."
PARALLEL=${PARALLEL:-32}
SCENARIOS=${SCENARIOS:-"10000x100000 1000x1048576"}
MODES=${MODES:-"table json dir"}
out=bench/results; mkdir -p "$out"
if [ -z "${FANOUT:-}" ]; then
  dotnet publish src/Fanout.Cli -c Release -o "$out/publish" -p:PublishReadyToRun=true -nologo -v quiet >/dev/null
  FANOUT=$out/publish/fanout
fi
work=$(mktemp -d /tmp/fanout-output-memory.XXXXXX)
cleanup() { [ "${KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT
export TMPDIR=$work/tmp; mkdir -p "$TMPDIR"   # spill files land here and must be gone after each run

printf '%-14s %-6s %8s %9s %12s %s\n' scenario mode wall peakRSS retained/trg check
results=$out/output-memory.txt; : > "$results"
for scenario in $SCENARIOS; do
  n=${scenario%x*}; size=${scenario#*x}
  src=$work/data-$size.bin; head -c "$size" /dev/urandom > "$src"
  inv=$work/inv-$n.yaml
  { echo "defaults: { transport: local }"; echo "targets:"; for i in $(seq -w 1 "$n"); do echo "  t$i: {}"; done; } > "$inv"
  for mode in $MODES; do
    store=$work/runs-$n-$mode.db; doc=$work/stdout-$n-$mode; dir=$work/dir-$n-$mode
    args=(exec "cat $src" -i "$inv" --all --yes -p "$PARALLEL" --store "$store")
    case $mode in
      table) ;;
      json) args+=(--output json) ;;
      dir) args+=(--output-dir "$dir") ;;
    esac
    set +e
    /usr/bin/time -v -o "$work/time" "$FANOUT" "${args[@]}" > "$doc" 2> "$work/stderr"
    rc=$?
    set -e
    rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /,"",$2); print $2}' "$work/time")
    wall=$(awk '/Elapsed \(wall clock\)/ {print $NF}' "$work/time")
    check="exit=$rc"
    case $mode in
      json)
        check+=" $(python3 - "$doc" "$n" "$size" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); n, size = int(sys.argv[2]), int(sys.argv[3])
t = d["targets"]
ok = len(t) == n and all(x["state"] == "succeeded" and x["stdoutBytes"] == size and x["stdoutTruncated"] for x in t)
print(f"json:{'all %d targets, %d bytes each' % (n, size) if ok else 'WRONG'}")
PY
)" ;;
      dir)
        bad=0; for f in "$dir"/*.stdout; do cmp -s "$f" "$src" || bad=$((bad+1)); done
        files=$(find "$dir" -name '*.stdout' | wc -l)
        check+=" files:$files byte-identical:$((files-bad))" ;;
      table)
        if grep -q "Total $n: $n succeeded" "$doc"; then check+=" table:all-succeeded"; else check+=" table:WRONG"; fi ;;
    esac
    left=$(find "$TMPDIR/fanout/spill" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    check+=" spill-dirs-left:$left"
    [ "$rc" = 0 ] || { check+=" stderr: $(tail -3 "$work/stderr" | tr '\n' ' ')"; }
    per=$(python3 -c "print(f'{$rss_kb*1024/$n/1024:.1f} KiB')")
    line=$(printf '%-14s %-6s %8s %6d MiB %12s %s' "${n}x$size" "$mode" "$wall" $((rss_kb/1024)) "$per" "$check")
    echo "$line"; echo "$line" >> "$results"
    rm -rf "$dir" "$store"* "$doc"   # the store's log files and the output dir hold GBs
  done
done
awk '{ if ($4+0 > 512) missed=1 } END { print (missed ? "goal (peak RSS <= 512 MiB in every mode): MISSED" : "goal (peak RSS <= 512 MiB in every mode): met") }' "$results"
