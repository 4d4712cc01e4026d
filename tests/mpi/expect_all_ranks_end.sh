#!/usr/bin/env bash
# expect_all_ranks_end.sh <seconds> <command...>: passes when the command (an mpirun whose job
# loses a rank) exits non-zero within <seconds> and leaves no process of its program behind.
set -u
limit=$1; shift
program=$(basename "${@: -1}")
start=$SECONDS
timeout -s KILL $((limit + 30)) "$@" >/dev/null 2>&1
status=$?
# The launcher may return while the other ranks are still being ended: they count until gone.
while pgrep -x "$program" >/dev/null && [ $((SECONDS - start)) -le "$limit" ]; do sleep 0.2; done
elapsed=$((SECONDS - start))
if pgrep -x "$program" >/dev/null; then
  echo "processes of $program left behind: $(pgrep -x "$program" | tr '\n' ' ')"; pkill -KILL -x "$program"; exit 1
fi
if [ "$status" -eq 0 ]; then echo "the job exited 0 although a rank died"; exit 1; fi
if [ "$elapsed" -gt "$limit" ]; then echo "the job took ${elapsed} s to end (limit ${limit} s)"; exit 1; fi
echo "every rank ended (exit $status) after ${elapsed} s"
