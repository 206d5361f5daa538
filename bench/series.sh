#!/usr/bin/env bash
# The whole issue-18 series in one command, for a QUIET machine (nothing else running):
#
#     bench/series.sh                 # from the repository root, after `make setup`
#     .venv/bin/python bench/series_table.py     # then: the README's table rows from the results
#
# Steps (about 25-35 minutes on the 2-core machine; the 800 step is the longest):
#   1-3. bench_campaign.py --contacts 3C --concurrency C --baseline for C = 100, 300, 800: the controller
#        (adaptive limiter on, bound 300 ms: the defaults) then the dialplan baseline, both with the same
#        latency instrument (bench/latency.py) -> series18_<3C>x<C>.json
#   4-5. bench_first_call.py --contacts 2400 and 50000 -> series18_first_call_<N>.json
#   6.   bench_import.py --rows 100000 (SQLite, and PostgreSQL on $ROBOCALL_TEST_POSTGRES_URL or
#        127.0.0.1:5432) -> series18_import_100000.json and .md
# Results go to bench/results/issue18/ (SERIES_OUT to change it); before each step the load average is
# printed and appended to series18_steps.jsonl, so that a step run on a busy machine can be seen as such.
#
# The sandbox is a separate one on its own ports (as bench/README.md's series), so that tests may use the
# default one; any of these variables already set in the environment is kept. The sandbox is brought down
# at the end.
#
# Environment: SERIES_OUT (results folder), SERIES_SETTLE_S (seconds of rest before each step, default 30,
# so that a step's load average is not the tail of the previous one), SERIES_STEPS (which steps to run,
# default "100 300 800 first2400 first50000 import").
set -euo pipefail
cd "$(dirname "$0")/.."

export ROBOCALL_SANDBOX_DIR="${ROBOCALL_SANDBOX_DIR:-/tmp/sbx-bench}"
export ROBOCALL_SANDBOX_SIP_PORT="${ROBOCALL_SANDBOX_SIP_PORT:-6160}"
export ROBOCALL_SANDBOX_PHONES_SIP_PORT="${ROBOCALL_SANDBOX_PHONES_SIP_PORT:-6162}"
export ROBOCALL_SANDBOX_HTTP_PORT="${ROBOCALL_SANDBOX_HTTP_PORT:-9088}"
export ROBOCALL_ARI_URL="${ROBOCALL_ARI_URL:-http://127.0.0.1:${ROBOCALL_SANDBOX_HTTP_PORT}}"

PY=.venv/bin/python
OUT="${SERIES_OUT:-bench/results/issue18}"
SETTLE="${SERIES_SETTLE_S:-30}"
STEPS="${SERIES_STEPS:-100 300 800 first2400 first50000 import}"
mkdir -p "$OUT" "$ROBOCALL_SANDBOX_DIR"
# A fresh sandbox builds its Asterisk root in about a minute; reuse the repository's if it has one.
if [ ! -e "$ROBOCALL_SANDBOX_DIR/root" ] && [ -d .sandbox/root ]; then
  cp -a .sandbox/root "$ROBOCALL_SANDBOX_DIR/"
fi

step() {  # step NAME COMMAND...: rest, print the load average (and record it), run
  local name="$1"; shift
  if [ "$SETTLE" != "0" ]; then sleep "$SETTLE"; fi
  local load; load="$(cut -d' ' -f1-3 /proc/loadavg)"
  echo "=== $(date -u +%FT%TZ) step $name: load average $load (1/5/15 min), $(nproc) CPUs"
  echo "=== $*"
  printf '{"step": "%s", "started": "%s", "load_average": "%s"}\n' "$name" "$(date -u +%FT%TZ)" "$load" \
    >> "$OUT/series18_steps.jsonl"
  "$@"
}

trap '.venv/bin/robocall sandbox down >/dev/null 2>&1 || true' EXIT
echo "=== series to $OUT, sandbox $ROBOCALL_SANDBOX_DIR (ARI $ROBOCALL_ARI_URL), steps: $STEPS"
for s in $STEPS; do
  case "$s" in
    first*)
      n="${s#first}"
      # Not timed: the script's fixed audio rendered beforehand, as after `robocall audio render` (the figure
      # is the time to the first call of a campaign whose script is ready, not the script's first rendering).
      .venv/bin/robocall audio render f1_daily >/dev/null
      step "first_call_$n" "$PY" bench/bench_first_call.py --contacts "$n" --out "$OUT/series18_first_call_$n.json" ;;
    import)
      step import "$PY" bench/bench_import.py --rows 100000 --out "$OUT/series18_import_100000.md" \
        --json "$OUT/series18_import_100000.json" ;;
    *)
      c="$s"
      step "campaign_$((3 * c))x$c" "$PY" bench/bench_campaign.py --contacts $((3 * c)) --concurrency "$c" \
        --baseline --latency-bound 300 --name "series18_$((3 * c))x$c" --out-dir "$OUT" ;;
  esac
done
echo "=== done $(date -u +%FT%TZ): $PY bench/series_table.py --dir $OUT"
"$PY" bench/series_table.py --dir "$OUT"
