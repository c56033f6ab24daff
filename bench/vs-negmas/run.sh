#!/usr/bin/env bash
# Side-by-side benchmark of detente and NegMAS 0.16.0 on this machine, in the same run.
#
#   bench/vs-negmas/run.sh            # everything, 5 repetitions
#   REPS=3 SLOW_REPS=1 bench/vs-negmas/run.sh
#   REPS=3 ANALYSIS=0 SLOW_REPS=0 BEHAVIOUR_REPS=0 bench/vs-negmas/run.sh   # speed only: (a) and (t)
#
# Creates a venv under $WORK (default /tmp/detente-vs-negmas) with negmas==0.16.0 from PyPI,
# builds `detente` and the in-process helper (detente-side/), writes the shared scenario
# folders, then runs every workload REPS times, alternating which tool goes first, and prints
# medians and ratios (summarize.py). Raw measurements: $WORK/results.jsonl.
#
# Workloads (see README.md):
#   (a) boulware vs conceder, and boulware vs boulware with no agreement possible (reservation
#       0.99 for both), 100 and 1000 rounds, on CameraB and SmartPhone;
#   (b) Pareto frontier + Nash point, seeded synthetic 2-party additive scenarios of 10^4, 10^5,
#       10^6 outcomes (written once as GENIUS XML by detente; both tools read the same files);
#   (c) scenario statistics (opposition, zopa size, Nash, Kalai-Smorodinsky, welfare) at 10^6,
#       SLOW_REPS times (NegMAS needs over a minute per run);
#   plus detente alone at 10^80 outcomes (80 issues x 10 options), which NegMAS cannot enumerate;
#   (t) tournament: 4 strategies (boulware, conceder, naive-tft, micro), every ordered pair, both
#       role rotations, 3 repetitions, 100 rounds on CameraB, Grocery and EnglandZimbabwe
#       (undiscounted copies): 4^2 x 2 x 3 x 3 = 288 negotiations on one thread;
#   (d) behaviour: six strategies, every ordered pair, both role rotations, on six real GENIUS
#       domains (written undiscounted by detente, read by both), 100 rounds, BEHAVIOUR_REPS
#       repetitions: mean own utility and agreement rate per strategy for both tools
#       (summarize_behaviour.py; docs/strategies.md);
#   (e) ANAC agents: every ordered pair with at least one ANAC agent (AgentK, HardHeaded,
#       CUHKAgent, TheFawkes, Atlas3, ParsAgent, Caduceus, PonPokoAgent, AgreeableAgent2018,
#       AgentGG), the six strategies of (d) as the pool; NegMAS plays the Python ports of
#       negmas-genius-agents (installed in the same venv).
#
# Whole-process times and peak memory come from measure.py (wall clock around the child
# process, getrusage); in-process times from each tool's own clock around the same steps. detente runs on one thread (`--threads 1`, and the
# helper sets rayon to 1), like NegMAS. Not part of CI or the test suite.
set -euo pipefail

REPS=${REPS:-5}
SLOW_REPS=${SLOW_REPS:-$REPS}
WORK=${WORK:-/tmp/detente-vs-negmas}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
GENIUS=${GENIUS:-$ROOT/../shared/scenarios/genius}
VENV=$WORK/venv
PY=$VENV/bin/python
RESULTS=$WORK/results.jsonl
mkdir -p "$WORK/scenarios"

say() { printf '==> %s\n' "$*" >&2; }

# 1. NegMAS in its own venv.
if ! "$PY" -c 'import negmas, sys; sys.exit(negmas.__version__ != "0.16.0")' 2>/dev/null; then
    say "creating $VENV with negmas==0.16.0"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet negmas==0.16.0
fi
if ! "$PY" -c 'import negmas_genius_agents' 2>/dev/null; then
    say "installing negmas-genius-agents==0.3.0 into $VENV"
    "$VENV/bin/pip" install --quiet negmas-genius-agents==0.3.0 negmas==0.16.0
fi

# 2. detente: the CLI (whole-process) and the helper (in-process). The helper is its own
# workspace; it reuses the main lock file so it builds the same dependency versions.
say "building detente (release)"
(cd "$ROOT" && cargo build --quiet --release -p detente-cli)
DETENTE=$ROOT/target/release/detente
[ -f "$HERE/detente-side/Cargo.lock" ] || cp "$ROOT/Cargo.lock" "$HERE/detente-side/Cargo.lock"
CARGO_TARGET_DIR=${HELPER_TARGET:-$WORK/target} cargo build --quiet --release \
    --manifest-path "$HERE/detente-side/Cargo.toml"
HELPER=${HELPER_TARGET:-$WORK/target}/release/detente-vs-negmas

# 3. Scenarios.
S=$WORK/scenarios
for d in CameraB SmartPhone; do
    rm -rf "$S/$d" "$S/$d-noagree"
    cp -r "$GENIUS/$d" "$S/$d"
    "$HELPER" write-reservation "$GENIUS/$d" 0.99 "$S/$d-noagree" >/dev/null
done
for k in 4 5 6; do
    rm -rf "$S/syn-1e$k"
    "$HELPER" write-synthetic "$k" 10 0 0.3 "$S/syn-1e$k" >/dev/null
done
TDOMAINS=()
for d in CameraB Grocery EnglandZimbabwe; do
    rm -rf "$S/tournament/$d"
    "$HELPER" write-undiscounted "$GENIUS/$d" "$S/tournament/$d" >/dev/null
    TDOMAINS+=("$S/tournament/$d")
done
TSTRATS=boulware,conceder,naive-tft,micro
rm -rf "$S/syn-1e80"
"$HELPER" write-synthetic 80 10 0 0.3 "$S/syn-1e80" >/dev/null

# 4. Measurements. `measure WORKLOAD TOOL KIND REP CMD...` appends one JSON line to $RESULTS:
# the tool's own JSON output (if any), the child's wall time and its peak RSS (measure.py).
: > "$RESULTS"
measure() {
    "$PY" "$HERE/measure.py" "$@" >> "$RESULTS" || say "FAILED: $*"
}

# Runs NegMAS, the detente CLI and the detente helper for one repetition, in an order that
# alternates with the repetition number.
triple() {
    local workload=$1 rep=$2 negmas_cmd=$3 cli_cmd=$4 helper_cmd=$5
    if (( rep % 2 )); then
        measure "$workload" negmas process "$rep" $negmas_cmd
        measure "$workload" detente cli "$rep" $cli_cmd
        measure "$workload" detente process "$rep" $helper_cmd
    else
        measure "$workload" detente process "$rep" $helper_cmd
        measure "$workload" detente cli "$rep" $cli_cmd
        measure "$workload" negmas process "$rep" $negmas_cmd
    fi
}

for rep in $(seq 1 "$REPS"); do
    say "repetition $rep/$REPS: negotiations"
    for d in CameraB SmartPhone; do
        mapfile -t P < <("$HELPER" parties "$S/$d")
        for rounds in 100 1000; do
            triple "sao/$d/boulware-conceder/$rounds" "$rep" \
                "$PY $HERE/negmas_side.py negotiate $S/$d boulware conceder $rounds" \
                "$DETENTE negotiate $S/$d --threads 1 --default-strategy boulware --party ${P[1]}=conceder --rounds $rounds" \
                "$HELPER negotiate $S/$d boulware conceder $rounds"
            triple "sao/$d/boulware-boulware-no-agreement/$rounds" "$rep" \
                "$PY $HERE/negmas_side.py negotiate $S/$d-noagree boulware boulware $rounds" \
                "$DETENTE negotiate $S/$d-noagree --threads 1 --default-strategy boulware --rounds $rounds" \
                "$HELPER negotiate $S/$d-noagree boulware boulware $rounds"
        done
    done
    say "repetition $rep/$REPS: tournament (288 negotiations)"
    if (( rep % 2 )); then
        measure tournament/288 negmas process "$rep" "$PY" "$HERE/negmas_side.py" tournament 100 3 "$TSTRATS" "${TDOMAINS[@]}"
        measure tournament/288 detente process "$rep" "$HELPER" tournament 100 3 "$TSTRATS" "${TDOMAINS[@]}"
    else
        measure tournament/288 detente process "$rep" "$HELPER" tournament 100 3 "$TSTRATS" "${TDOMAINS[@]}"
        measure tournament/288 negmas process "$rep" "$PY" "$HERE/negmas_side.py" tournament 100 3 "$TSTRATS" "${TDOMAINS[@]}"
    fi
    [ "${ANALYSIS:-1}" = 0 ] && continue
    say "repetition $rep/$REPS: Pareto frontier + Nash"
    for k in 4 5 6; do
        triple "pareto-nash/1e$k" "$rep" \
            "$PY $HERE/negmas_side.py pareto $S/syn-1e$k" \
            "$DETENTE analyze $S/syn-1e$k --threads 1" \
            "$HELPER pareto $S/syn-1e$k"
    done
    measure "pareto-nash/1e80" detente cli "$rep" "$DETENTE" analyze "$S/syn-1e80" --threads 1
    measure "pareto-nash/1e80" detente process "$rep" "$HELPER" pareto "$S/syn-1e80"
done
for rep in $(seq 1 "$SLOW_REPS"); do
    say "repetition $rep/$SLOW_REPS: scenario statistics at 10^6"
    triple "stats/1e6" "$rep" \
        "$PY $HERE/negmas_side.py stats $S/syn-1e6" \
        "$DETENTE analyze $S/syn-1e6 --threads 1" \
        "$HELPER stats $S/syn-1e6"
done

# 4b. Behaviour workload (d): the same strategies in both tools on the same files.
BEHAVIOUR_REPS=${BEHAVIOUR_REPS:-1}
if [ "${BEHAVIOUR_REPS}" = 0 ]; then
    say "behaviour workload skipped (BEHAVIOUR_REPS=0)"
    "$PY" "$HERE/summarize.py" "$RESULTS" | tee "$WORK/summary.md"
    exit 0
fi
BDOMAINS=()
for d in Amsterdam CameraB EnglandZimbabwe Grocery ItexvsCypress Laptop; do
    rm -rf "$S/behaviour/$d"
    "$HELPER" write-undiscounted "$GENIUS/$d" "$S/behaviour/$d" >/dev/null
    BDOMAINS+=("$S/behaviour/$d")
done
BSTRATS=micro,naive-tft,boulware,linear,conceder,hardliner
say "behaviour workload: detente"
"$HELPER" behaviour 100 "$BEHAVIOUR_REPS" "$BSTRATS" "${BDOMAINS[@]}" > "$WORK/behaviour-detente.jsonl"
say "behaviour workload: NegMAS (about 10 minutes per repetition)"
"$PY" "$HERE/negmas_behaviour.py" 100 "$BEHAVIOUR_REPS" "$BSTRATS" "${BDOMAINS[@]}" \
    > "$WORK/behaviour-negmas.jsonl"

# 4c. ANAC agents (e): every ordered pair with at least one ANAC agent, the (d) strategies as
# the pool; detente's native agents against negmas-genius-agents' ports.
ANAC=agentk,hardheaded,cuhk,thefawkes,atlas3,parsagent,caduceus,ponpoko,agreeable,agentgg
say "ANAC agents: detente"
"$HELPER" behaviour 100 "$BEHAVIOUR_REPS" "$ANAC/$BSTRATS" "${BDOMAINS[@]}" > "$WORK/anac-detente.jsonl"
say "ANAC agents: NegMAS + negmas-genius-agents"
"$PY" "$HERE/negmas_behaviour.py" 100 "$BEHAVIOUR_REPS" "$ANAC/$BSTRATS" "${BDOMAINS[@]}" \
    > "$WORK/anac-negmas.jsonl"

# 5. Report.
{
    echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
    echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
    echo "detente: $(cd "$ROOT" && git rev-parse --short HEAD 2>/dev/null || echo unknown) (+ working tree), negmas $("$PY" -c 'import negmas; print(negmas.__version__)')"
    echo "repetitions: $REPS (statistics at 10^6: $SLOW_REPS)"
    "$PY" "$HERE/summarize.py" "$RESULTS"
    echo
    echo "Behaviour (per strategy, both tools):"
    echo
    "$PY" "$HERE/summarize_behaviour.py" "$WORK/behaviour-detente.jsonl" "$WORK/behaviour-negmas.jsonl"
    echo
    echo "ANAC agents (per agent, both tools; pool: the strategies above):"
    echo
    "$PY" "$HERE/summarize_behaviour.py" "$WORK/anac-detente.jsonl" "$WORK/anac-negmas.jsonl"
} | tee "$WORK/summary.md"
