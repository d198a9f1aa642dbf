#!/usr/bin/env bash
# Runs every FrontDoor test (unit and integration) on a fresh Debian/Ubuntu machine: installs what is
# missing (Dovecot for the real backends; the .NET 10 SDK must be present), builds in Release, tests, and
# ends with one line: "N passed, N failed, N skipped". Extra arguments go to `dotnet test`
# (e.g. ./test.sh --filter "FullyQualifiedName~Literal").
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# The in-process FrontDoor hosts of the tests run in the socket mode the executable chooses for itself
# (src/FrontDoor.Core/Protocol/InlineSocketCompletions.cs); the runtime reads this once per process.
export DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=${DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS:-1}

scripts/install-deps.sh

solution=FrontDoor.sln
[[ -f $solution ]] || solution=FrontDoor.slnx
[[ -f $solution ]] || { echo "test.sh: FrontDoor.sln not found in $(pwd)" >&2; exit 1; }

results=TestResults
rm -rf -- "$results"

status=0
dotnet test "$solution" -c Release \
  --logger "console;verbosity=normal" \
  --logger "trx;LogFilePrefix=results" \
  --results-directory "$results" \
  --blame-hang-timeout 10m --blame-hang-dump-type none \
  "$@" || status=$?

# Sum the <Counters .../> of every .trx (one per test project).
passed=0 failed=0 skipped=0 files=0
counter() { # counter NAME ELEMENT -> the attribute's value, 0 when absent
  local value
  value=$(sed -n "s/.*[[:space:]]$1=\"\([0-9]*\)\".*/\1/p" <<<"$2")
  echo "${value:-0}"
}
while IFS= read -r -d '' trx; do
  element=$(tr '\r\n' '  ' <"$trx" | grep -o '<Counters[[:space:]][^>]*>' | head -n 1 || true)
  if [[ -z $element ]]; then
    echo "test.sh: no <Counters> in $trx" >&2
    if ((status == 0)); then status=1; fi
    continue
  fi
  files=$((files + 1))
  total=$(counter total "$element")
  executed=$(counter executed "$element")
  passed=$((passed + $(counter passed "$element")))
  failed=$((failed + $(counter failed "$element") + $(counter error "$element") + $(counter timeout "$element") + $(counter aborted "$element")))
  # xunit's skipped tests are in the total but not executed (outcome NotExecuted)
  if ((total > executed)); then skipped=$((skipped + total - executed)); fi
done < <(find "$results" -name '*.trx' -print0 2>/dev/null)

# The benchmark is not a test, but a tiny run of it is, so it cannot rot: it counts as one test.
echo "test.sh: benchmark smoke run (./bench.sh --smoke)"
if ./bench.sh --smoke >"$results/bench-smoke.log" 2>&1; then
  passed=$((passed + 1))
  echo "test.sh: benchmark smoke run passed"
else
  failed=$((failed + 1))
  echo "test.sh: benchmark smoke run FAILED; its output:" >&2
  tail -n 40 "$results/bench-smoke.log" >&2
fi

# Name what failed last, just above the totals, where a log cut to its tail still shows it.
while IFS= read -r -d '' trx; do
  awk -f scripts/lib/trx-failures.awk "$trx"
done < <(find "$results" -name '*.trx' -print0 2>/dev/null)

if ((files == 0)) && ((status == 0)); then
  echo "test.sh: dotnet test wrote no .trx results" >&2
  status=1
fi
if ((failed > 0)) && ((status == 0)); then
  status=1
fi

echo "$passed passed, $failed failed, $skipped skipped"
exit "$status"
