#!/usr/bin/env bash
# Unpack Courier-IMAP (Debian's courier-imap and what it needs) into a private folder, for
# scripts/courier-instance.sh: a real legacy IMAP backend without LITERAL+.
#
#   scripts/install-courier.sh            prints the folder (the unpacked root) on stdout
#
# Debian's courier-imap conflicts with dovecot-imapd (both provide imap-server) and depends on an MTA,
# so nothing here goes through `apt-get install` and nothing is installed system-wide: the packages are
# fetched with `apt-get download` and unpacked with `dpkg -x` into
#     $COURIER_PKG_DIR   (default /var/cache/frontdoor-courier; for a non-root user without it,
#                         ~/.cache/frontdoor-courier)
# as $COURIER_PKG_DIR/root/usr/..., with the exact versions in $COURIER_PKG_DIR/VERSIONS. Binaries run
# from there with LD_LIBRARY_PATH (scripts/courier-instance.sh sets it).
# Also makes the two empty mount points /etc/courier and /run/courier (the instances bind their private
# config and sockets there, in a mount namespace of their own: those paths are compiled into Courier).
#
# Idempotent: when everything is unpacked already it changes nothing and needs no network.
# Concurrent runs are serialized with a lock.
set -euo pipefail

# courier-imap: imapd, imaplogin                 courier-base: couriertcpd
# courier-authlib: authdaemond, libcourierauth*  courier-authlib-userdb: the userdb module
# libcourier-unicode4, libidn12, libltdl7: libraries they link against (may be absent on the system)
# libgamin0 + gamin: libfam.so.0 (imapd links it) and gam_server, without which every login gets
#   "* OK [ALERT] Filesystem notification initialization error" (gam_server needs libglib2.0-0)
PACKAGES=(courier-imap courier-base courier-authlib courier-authlib-userdb libcourier-unicode4
  libidn12 libltdl7 libgamin0 gamin)
# files that must exist in a complete unpack
REQUIRED=(usr/bin/imapd usr/lib/courier/courier/imaplogin usr/sbin/couriertcpd
  usr/lib/courier/courier-authlib/authdaemond usr/lib/courier/courier-authlib/makedatprog
  usr/lib/courier-authlib/libauthuserdb.so.0 usr/libexec/gam_server)

log() { echo "install-courier: $*" >&2; }
die() { echo "install-courier: ERROR: $*" >&2; exit 1; }

SYSTEM_PKG_DIR=/var/cache/frontdoor-courier
if [[ -n ${COURIER_PKG_DIR:-} ]]; then
  PKG_DIR=${COURIER_PKG_DIR%/}
elif [[ $(id -u) -eq 0 || -f $SYSTEM_PKG_DIR/VERSIONS ]]; then
  PKG_DIR=$SYSTEM_PKG_DIR # non-root: use root's unpack when there is one
else
  PKG_DIR=${XDG_CACHE_HOME:-$HOME/.cache}/frontdoor-courier
fi
ROOT=$PKG_DIR/root

complete() {
  local f
  [[ -f $PKG_DIR/VERSIONS ]] || return 1
  for f in "${REQUIRED[@]}"; do
    [[ -e $ROOT/$f ]] || return 1
  done
}

mount_points() {
  [[ -d /etc/courier && -d /run/courier ]] && return 0
  if [[ $(id -u) -eq 0 ]]; then
    mkdir -p /etc/courier /run/courier
  else
    log "note: /etc/courier and /run/courier are missing; as root run: mkdir -p /etc/courier /run/courier"
  fi
}

glib() { # gam_server needs libglib2.0-0 (a plain library that conflicts with nothing); present on most systems
  dpkg-query -W -f='${Status}' libglib2.0-0 2>/dev/null | grep -q 'install ok installed' && return 0
  if [[ $(id -u) -eq 0 ]]; then
    log "installing libglib2.0-0 (needed by gam_server)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends libglib2.0-0 >&2 ||
      log "warning: could not install libglib2.0-0: logins will show a FAM [ALERT]"
  else
    log "warning: libglib2.0-0 is not installed: logins will show a FAM [ALERT] (apt-get install libglib2.0-0)"
  fi
}

mount_points
if complete; then
  printf '%s\n' "$ROOT"
  exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found: Courier is taken from Debian's packages"
command -v dpkg >/dev/null 2>&1 || die "dpkg not found"
mkdir -p "$PKG_DIR" || die "cannot create $PKG_DIR (set COURIER_PKG_DIR)"
exec 9>"$PKG_DIR/.lock"
flock -w 300 9 || die "timed out waiting for the lock on $PKG_DIR/.lock"
if complete; then # another run did it meanwhile
  printf '%s\n' "$ROOT"
  exit 0
fi

glib
work=$(mktemp -d "$PKG_DIR/.work.XXXXXX")
trap 'rm -rf -- "$work"' EXIT
mkdir -p "$work/debs" "$work/root"
# apt's sandbox user _apt must be able to write the download folder (else apt warns and downloads as root)
if [[ $(id -u) -eq 0 ]] && id -u _apt >/dev/null 2>&1; then
  chown _apt "$work/debs"
fi
log "downloading ${PACKAGES[*]}"
if ! (cd "$work/debs" && apt-get download -q "${PACKAGES[@]}" >"$work/download.log" 2>&1); then
  cat "$work/download.log" >&2
  die "apt-get download failed (no apt lists? run 'apt-get update' as root; no access to the Debian mirror?)"
fi
: >"$work/VERSIONS"
for deb in "$work"/debs/*.deb; do
  dpkg -x "$deb" "$work/root" || die "dpkg -x $deb failed"
  # shellcheck disable=SC2016 # dpkg's ${fields}, not the shell's
  dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb" >>"$work/VERSIONS"
done
rm -rf -- "$ROOT.old"
[[ -e $ROOT ]] && mv "$ROOT" "$ROOT.old"
mv "$work/root" "$ROOT"
mv "$work/VERSIONS" "$PKG_DIR/VERSIONS"
rm -rf -- "$ROOT.old"
complete || die "unpacked, but files are missing in $ROOT: ${REQUIRED[*]}"
log "Courier unpacked in $ROOT:"
sed 's/^/  /' "$PKG_DIR/VERSIONS" >&2
printf '%s\n' "$ROOT"
