#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time.
#
#   fuzz/run.sh BUILD_DIR [TARGET...]       (BUILD_DIR from `cmake --preset fuzz`, e.g. build/fuzz)
#
# Env: FUZZ_SECONDS  seconds per target (default 60)
#      FUZZ_JOBS     parallel fuzzing processes per target (default 1)
#      FUZZ_ARGS     extra libFuzzer flags
#
# Seeds come from fuzz/corpus/<target>/ (read only); inputs libFuzzer finds go to
# BUILD_DIR/fuzz-corpus/<target>/ (kept between runs). A crash is written to
# fuzz/regressions/<target>/regression-crash-<sha1> (also leak-, timeout-, oom-): keep it there, the
# ctest fuzz_regressions replays it in every build. Exit code: 0 all clean, 1 some target failed.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
build="${1:?usage: fuzz/run.sh BUILD_DIR [TARGET...]}"
shift
build="$(cd "$build" && pwd)" || exit 1
targets=("$@")
((${#targets[@]})) || targets=(json_fuzz policy_fuzz eval_fuzz)
seconds="${FUZZ_SECONDS:-60}"
jobs="${FUZZ_JOBS:-1}"

status=0
for t in "${targets[@]}"; do
  bin="$build/fuzz/$t"
  if [[ ! -x $bin ]]; then
    echo "run.sh: $bin not built (cmake --preset fuzz && cmake --build $build)" >&2
    status=1
    continue
  fi
  work="$build/fuzz-corpus/$t"
  regressions="$here/regressions/$t"
  mkdir -p "$work" "$regressions"
  log="$build/fuzz-$t.log"
  extra=()
  [[ -f $here/dict/$t.dict ]] && extra+=(-dict="$here/dict/$t.dict")
  # -jobs makes libFuzzer fork workers that log to fuzz-N.log in the current directory.
  ((jobs > 1)) && extra+=(-jobs="$jobs" -workers="$jobs")
  echo "== $t: ${seconds}s, log $log"
  # -print_final_stats gives the exec count; progress lines (#N ... exec/s) are echoed every 10 s.
  (cd "$build" && exec "$bin" "$work" "$here/corpus/$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2560 \
    -max_len=4096 -print_final_stats=1 "${extra[@]}" -artifact_prefix="$regressions/regression-" ${FUZZ_ARGS:-}) \
    >"$log" 2>&1 &
  pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 10
    line=$(grep -aE '^#[0-9]+' "$log" | tail -1)
    [[ -n $line ]] && echo "   $t: $line"
  done
  wait "$pid"
  rc=$?
  runs=$(grep -a 'stat::number_of_executed_units' "$log" | awk '{s+=$2} END {print s+0}')
  speed=$(grep -a 'stat::average_exec_per_sec' "$log" | awk '{print $2}' | tail -1)
  cov=$(grep -aE '^#[0-9]+' "$log" | tail -1 | grep -oE 'cov: [0-9]+')
  if ((rc == 0)); then
    echo "== $t: ok, $runs executions (${speed:-?}/s), $cov"
  else
    status=1
    echo "== $t: FAILED (exit $rc) after $runs executions; see $log" >&2
    grep -aE 'ERROR:|iamforge fuzz check failed|Test unit written to' "$log" | head -5 >&2
  fi
done
exit $status
