#!/usr/bin/env bash
# Installs what FrontDoor's tests and demo need on Debian / Ubuntu, only what is missing:
#   - Dovecot (dovecot-imapd): the real IMAP backends, run as private instances by
#     scripts/dovecot-instance.sh. The system-wide Dovecot service is never started: if the package
#     started it anyway, it is stopped and disabled, so that it holds no port.
#   - isync (mbsync): a real client that compresses (COMPRESS=DEFLATE) in the compression tests; no service.
#   - HAProxy and redis-server: the tests run private instances (tests/FrontDoor.IntegrationTests/Servers).
#     The system-wide redis-server service is stopped and disabled like Dovecot's.
#   - Chromium (chromium, chromium-driver): the admin status page's browser test drives the system
#     browser headless through chromedriver; nothing is downloaded at test time.
#   - checks that the .NET SDK (dotnet) is on PATH.
# Safe to run again: with everything present it changes nothing and needs no network.
set -euo pipefail

log() { echo "install-deps: $*"; }
die() { echo "install-deps: ERROR: $*" >&2; exit 1; }

APT_PACKAGES=(dovecot-imapd haproxy isync redis-server)
# Directory routing: System.DirectoryServices.Protocols loads libldap on Linux; the tests run a private
# slapd (scripts/slapd-instance.sh) and use ldap-utils; the system slapd service is stopped below.
APT_PACKAGES+=(libldap-2.5-0 slapd ldap-utils)
# The admin status page's browser test: headless Chromium driven through chromedriver.
APT_PACKAGES+=(chromium chromium-driver)

pkg_installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

as_root() {
  if [[ $(id -u) -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

stop_system_dovecot() {
  # Our tests use private instances only; the distribution's service would take port 143 (and 993).
  local pid
  if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    as_root systemctl disable --now dovecot.service dovecot.socket >/dev/null 2>&1 || true
  else
    as_root systemctl disable dovecot.service dovecot.socket >/dev/null 2>&1 || true
    if [[ -x /etc/init.d/dovecot ]]; then
      as_root update-rc.d dovecot disable >/dev/null 2>&1 || true
    fi
  fi
  pid=$(cat /run/dovecot/master.pid 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the system-wide Dovecot (pid $pid); FrontDoor runs its own private instances"
    if command -v service >/dev/null 2>&1; then
      as_root service dovecot stop >/dev/null 2>&1 || true
    fi
    if kill -0 "$pid" 2>/dev/null; then
      as_root /usr/sbin/dovecot -c /etc/dovecot/dovecot.conf stop >/dev/null 2>&1 || as_root kill -TERM "$pid" || true
    fi
  fi
}

stop_system_slapd() {
  # Tests run private slapd instances on loopback ports; the distribution's service would hold 389.
  as_root systemctl disable --now slapd.service >/dev/null 2>&1 || true
  if [[ -x /etc/init.d/slapd ]]; then
    as_root update-rc.d slapd disable >/dev/null 2>&1 || true
  fi
  local pid
  pid=$(cat /run/slapd/slapd.pid 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the system-wide slapd (pid $pid); tests run their own private instances"
    as_root kill -TERM "$pid" || true
  fi
}

install_apt_packages() {
  local missing=() p
  for p in "${APT_PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    log "apt packages present: ${APT_PACKAGES[*]}"
    return 0
  fi
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install ${missing[*]} (Dovecot 2.3) by hand"
  log "installing ${missing[*]}"

  # Keep the package's maintainer scripts from starting the system service (policy-rc.d, exit 101 =
  # "action forbidden"), unless the machine already has such a policy.
  local policy=/usr/sbin/policy-rc.d own_policy=0
  if [[ ! -e $policy ]]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    own_policy=1
  fi
  local rc=0
  {
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
  } || rc=$?
  if [[ $own_policy -eq 1 ]]; then
    as_root rm -f "$policy"
  fi
  [[ $rc -eq 0 ]] || die "apt-get install ${missing[*]} failed (exit $rc)"
}

check_dotnet() {
  command -v dotnet >/dev/null 2>&1 ||
    die "the .NET SDK is not installed ('dotnet' not on PATH); install the .NET 10 SDK: https://learn.microsoft.com/dotnet/core/install/linux-debian"
  local version
  version=$(dotnet --version 2>/dev/null) || die "'dotnet --version' failed; is a .NET SDK (not only the runtime) installed?"
  case "$version" in
    10.* | 1[1-9].* | [2-9][0-9].*) log "dotnet SDK $version" ;;
    *) die "the .NET 10 SDK is required, found 'dotnet --version' = $version" ;;
  esac
}

stop_system_redis() {
  # Tests start private redis-server instances on their own ports; the service would hold 6379.
  local pid
  as_root systemctl disable --now redis-server.service >/dev/null 2>&1 || true
  pid=$(cat /run/redis/redis-server.pid 2>/dev/null || true)
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the system-wide redis-server (pid $pid); the tests run their own"
    as_root kill -TERM "$pid" || true
  fi
}

install_apt_packages
stop_system_redis
[[ -x /usr/sbin/dovecot ]] || die "/usr/sbin/dovecot is missing after installing dovecot-imapd"
stop_system_dovecot
log "dovecot $(/usr/sbin/dovecot --version 2>/dev/null | cut -d' ' -f1)"
stop_system_slapd
check_dotnet
# Courier-IMAP, the real legacy backend (no LITERAL+): unpacked beside Dovecot, never apt-installed.
"$(dirname "${BASH_SOURCE[0]}")/install-courier.sh" >/dev/null || die "could not unpack Courier-IMAP (scripts/install-courier.sh)"
log "courier-imap unpacked"
