#!/usr/bin/env bash
# FrontDoor's cost against a direct connection and against nginx's mail proxy (see bench/README.md).
#
#   ./bench.sh            the full run (9 alternating runs per path, 50 MiB messages, 10,000 idle
#                         connections, BenchmarkDotNet ShortRun); writes bench/RESULTS.md
#   ./bench.sh --smoke    a tiny run of every scenario (1 run, 1 MiB, 10 NOOPs, 20 connections,
#                         BenchmarkDotNet Dry): prints the tables, writes no file; exits non-zero on any error
#
# Installs what is missing (dovecot-imapd, nginx, libnginx-mod-mail) when run as root, builds FrontDoor and
# the bench in Release, and runs everything on 127.0.0.1 ports of its own. Needs the .NET 10 SDK.
# --no-micro skips BenchmarkDotNet; --only fetch,append,noop,... runs those scenarios and prints them
# without writing bench/RESULTS.md (for before/after comparisons). BENCH_KEEP=1 keeps the work directory (configs, logs) under /tmp;
# profiling hooks: bench/README.md.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
cd "$REPO"

die() { echo "bench: $*" >&2; exit 1; }
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2; }

SMOKE=0
PARTIAL=0
EXTRA=()
while (($#)); do
  case "$1" in
    --smoke) SMOKE=1 ;;
    --no-micro) EXTRA+=(--no-micro) ;;
    --only)
      [[ $# -ge 2 ]] || usage
      EXTRA+=(--only "$2")
      PARTIAL=1
      shift
      ;;
    -h | --help) usage ;;
    *) echo "bench: unknown option '$1'" >&2; usage ;;
  esac
  shift
done

# ---- what the bench needs -----------------------------------------------------------------------
NGINX=/usr/sbin/nginx
NGINX_MAIL_MODULE=/usr/lib/nginx/modules/ngx_mail_module.so

stop_system_service() { # the packages may start a system-wide server; the bench runs its own
  local svc=$1
  if [[ -d /run/systemd/system ]] && command -v systemctl >/dev/null; then
    systemctl disable --now "$svc" >/dev/null 2>&1 || true
  elif command -v service >/dev/null; then
    service "$svc" stop >/dev/null 2>&1 || true
  fi
}

install_missing() {
  local pkgs=()
  [[ -x /usr/sbin/dovecot && -x /usr/lib/dovecot/imap ]] || pkgs+=(dovecot-imapd)
  [[ -x $NGINX ]] || pkgs+=(nginx)
  [[ -f $NGINX_MAIL_MODULE ]] || pkgs+=(libnginx-mod-mail)
  [[ -x /usr/sbin/slapd ]] || pkgs+=(slapd)
  command -v ldapmodify >/dev/null || pkgs+=(ldap-utils)
  command -v gcc >/dev/null || pkgs+=(gcc libc6-dev)
  command -v python3 >/dev/null || pkgs+=(python3)
  ((${#pkgs[@]} == 0)) && return 0
  [[ $(id -u) -eq 0 ]] || die "missing packages: ${pkgs[*]} (run as root, or: sudo apt-get install ${pkgs[*]})"
  echo "bench: installing ${pkgs[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${pkgs[@]}" >/tmp/frontdoor-bench-apt.log 2>&1; then
    apt-get update >>/tmp/frontdoor-bench-apt.log 2>&1 || true
    apt-get install -y --no-install-recommends "${pkgs[@]}" >>/tmp/frontdoor-bench-apt.log 2>&1 ||
      { tail -20 /tmp/frontdoor-bench-apt.log >&2; die "apt-get install ${pkgs[*]} failed (log: /tmp/frontdoor-bench-apt.log)"; }
  fi
  local pkg
  for pkg in "${pkgs[@]}"; do
    case "$pkg" in
      dovecot-imapd) stop_system_service dovecot ;;
      nginx) stop_system_service nginx ;;
      slapd) stop_system_service slapd ;;
    esac
  done
}

command -v dotnet >/dev/null || die "the .NET 10 SDK is missing (dotnet not on PATH)"
command -v git >/dev/null || die "git is missing"
install_missing

# ---- build ----------------------------------------------------------------------------------------
build() {
  local log
  log=$(mktemp)
  if ! dotnet build "$1" -c Release -nologo -v quiet >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    die "dotnet build $1 failed"
  fi
  rm -f "$log"
}
echo "bench: building FrontDoor and the bench (Release)" >&2
build src/FrontDoor/FrontDoor.csproj
build bench/FrontDoor.Bench/FrontDoor.Bench.csproj
MINIMAP_BIN=$REPO/bench/minimap/bin/minimap
mkdir -p "$(dirname "$MINIMAP_BIN")"
gcc -O2 -Wall -Wextra -Werror -o "$MINIMAP_BIN" bench/minimap/minimap.c || die "gcc bench/minimap/minimap.c failed"
mkdir -p bench/cload/bin
gcc -O2 -Wall -Wextra -Werror -o bench/cload/bin/cload bench/cload/cload.c -lm || die "gcc bench/cload/cload.c failed"
FRONTDOOR_BIN=$REPO/src/FrontDoor/bin/Release/net10.0/FrontDoor
BENCH_BIN=$REPO/bench/FrontDoor.Bench/bin/Release/net10.0/FrontDoor.Bench
[[ -x $FRONTDOOR_BIN ]] || die "$FRONTDOOR_BIN was not built"
[[ -f $(dirname "$FRONTDOOR_BIN")/plugins/BackendRouting/BackendRouting.dll ]] || die "the BackendRouting plugin was not built"

# ---- file descriptors: client, FrontDoor, nginx and Dovecot each hold thousands ------------------
# 100,000 logged-in sessions are 200,000 descriptors in the proxy: raise the hard limit when allowed
# (root with CAP_SYS_RESOURCE; a container may not grant it, and the scenarios are then cut to fit).
ulimit -Hn 1048576 2>/dev/null || ulimit -Hn 262144 2>/dev/null || true
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
ulimit -n "$hard" 2>/dev/null || true
FILE_LIMIT=$(ulimit -n)
PREAUTH=10000
if ((FILE_LIMIT < PREAUTH + 512)); then
  PREAUTH=$((FILE_LIMIT - 512))
  echo "bench: the file descriptor limit is $FILE_LIMIT: $PREAUTH idle pre-auth connections instead of 10,000" >&2
fi
AUTH=2000
if ((FILE_LIMIT < 2 * AUTH + 512)); then
  AUTH=$(((FILE_LIMIT - 512) / 2))
  echo "bench: the file descriptor limit is $FILE_LIMIT: $AUTH idle sessions instead of 2,000" >&2
fi

# ---- run ------------------------------------------------------------------------------------------
WORK=$(mktemp -d /tmp/frontdoor-bench.XXXXXX)
chmod 0755 "$WORK"
cleanup() {
  if [[ ${BENCH_KEEP:-0} == 1 ]]; then
    "$REPO/scripts/dovecot-instance.sh" stop "$WORK/dovecot" >/dev/null 2>&1 || true
    echo "bench: kept $WORK" >&2
  else
    "$REPO/scripts/dovecot-instance.sh" destroy "$WORK/dovecot" >/dev/null 2>&1 || true
    rm -rf -- "$WORK"
  fi
}
trap cleanup EXIT

args=(--repo "$REPO" --work "$WORK" --frontdoor "$FRONTDOOR_BIN" --minimap "$MINIMAP_BIN" --out "$WORK/tables.md"
  --nginx "$NGINX" --nginx-module "$NGINX_MAIL_MODULE" --file-limit "$FILE_LIMIT" --preauth "$PREAUTH" --auth "$AUTH" "${EXTRA[@]}")
((SMOKE)) && args+=(--smoke)
# BenchmarkDotNet's console output goes to stderr with the progress; stdout is the report alone.
if ! "$BENCH_BIN" "${args[@]}" >"$WORK/stdout.md"; then
  echo "bench: FAILED (work directory $WORK: logs of FrontDoor, nginx, Dovecot)" >&2
  BENCH_KEEP=1
  exit 1
fi
[[ -s $WORK/tables.md ]] || die "the bench wrote no results"

# ---- the report -----------------------------------------------------------------------------------
os=$(. /etc/os-release && echo "${PRETTY_NAME:-$NAME}")
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)
mem_kb=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
[[ -n $(git status --porcelain --untracked-files=no 2>/dev/null) ]] && commit="$commit (with uncommitted changes)"
dovecot_version=$(/usr/sbin/dovecot --version 2>/dev/null | head -1)
nginx_version=$("$NGINX" -v 2>&1 | sed 's/^nginx version: //')
mod_version=$(dpkg-query -W -f='${Version}' libnginx-mod-mail 2>/dev/null || echo '?')
dotnet_version=$(dotnet --list-runtimes 2>/dev/null | awk '/Microsoft.NETCore.App/ {v=$2} END {print v}')

report=$(mktemp)
{
  if ((SMOKE)); then
    echo "# FrontDoor benchmark — smoke run (not a measurement)"
  elif ((PARTIAL)); then
    echo "# FrontDoor benchmark — partial run (some scenarios only)"
  else
    echo "# FrontDoor benchmark results"
  fi
  echo
  echo "Run with \`./bench.sh$( ((SMOKE)) && echo ' --smoke')\` on $(date -u '+%Y-%m-%d %H:%M UTC')."
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| machine | $(nproc) cores${cpu:+ ($cpu)}, $((mem_kb / 1024 / 1024)) GiB memory ($((mem_kb / 1024)) MiB), $os, Linux $(uname -r) |"
  echo "| FrontDoor | commit $commit, Release build, .NET $dotnet_version |"
  echo "| Dovecot | $dovecot_version (Debian package, private instance from scripts/dovecot-instance.sh) |"
  echo "| nginx | $nginx_version with libnginx-mod-mail $mod_version, \`worker_processes auto\`, \`proxy_buffer 16k\`; its mail module never sets TCP_NODELAY (bench/README.md) |"
  echo "| file descriptor limit | $FILE_LIMIT |"
  echo
  cat "$WORK/tables.md"
} >"$report"

cat "$report"
if ((SMOKE || PARTIAL)); then
  rm -f "$report"
else
  mv "$report" "$REPO/bench/RESULTS.md"
  echo "bench: wrote bench/RESULTS.md" >&2
fi
