#!/usr/bin/env bash
# bench/local-peers.sh — SPEC N2: 2,000 x /bin/true at parallel 32, Fanout vs xargs -P 32 vs GNU parallel -j 32.
# Self-contained: publishes Fanout (Release) once into bench/results/publish, writes an inventory of
# N local targets, then runs all three side by side with hyperfine and prints medians and the
# ratio to xargs (goal: Fanout <= 1.25x xargs). Also times Fanout's start-up alone (one target).
# Needs: dotnet, hyperfine, parallel, jq-free (python3 for the JSON summary). Env: N (2000), RUNS (5).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-2000}; RUNS=${RUNS:-5}
out=bench/results; pub=$out/publish; mkdir -p "$out"
command -v hyperfine >/dev/null || { echo "hyperfine missing (apt-get install -y hyperfine)" >&2; exit 2; }
command -v parallel >/dev/null || { echo "GNU parallel missing (apt-get install -y parallel)" >&2; exit 2; }

dotnet publish src/Fanout.Cli -c Release -o "$pub" -p:PublishReadyToRun=true -nologo -v quiet >/dev/null
fanout=$pub/fanout

inv=$out/local-$N.yaml
{ echo "defaults: { transport: local }"; echo "targets:"; for i in $(seq -w 1 "$N"); do echo "  t$i: {}"; done; } > "$inv"
one=$out/local-1.yaml; printf 'targets:\n  t1: { transport: local }\n' > "$one"

hyperfine -N --warmup 1 --runs "$RUNS" --export-json "$out/local-peers.json" \
  -n fanout "$fanout exec /bin/true -i $inv --all --yes --parallel 32 --quiet" \
  -n xargs "sh -c 'seq $N | xargs -P 32 -n 1 /bin/true'" \
  -n gnu-parallel "sh -c 'seq $N | parallel --will-cite -j 32 /bin/true'" \
  -n fanout-startup "$fanout exec /bin/true -i $one --all --yes --quiet"

python3 - "$out/local-peers.json" <<'PY'
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
x = r["xargs"]["median"]
for name in ["fanout", "xargs", "gnu-parallel", "fanout-startup"]:
    m = r[name]["median"]
    print(f"{name:15s} median {m:6.3f} s   ({m / x:4.2f}x xargs)")
print("N2 goal: fanout <= 1.25x xargs ->", "met" if r["fanout"]["median"] <= 1.25 * x else "MISSED")
PY
