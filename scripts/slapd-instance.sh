#!/usr/bin/env bash
# Run a private OpenLDAP server (Debian's slapd 2.5) for tests and the demo.
#
#   scripts/slapd-instance.sh start   DIR PORT LDIF...  (LDIF files loaded once, on the first start)
#   scripts/slapd-instance.sh stop    DIR     (returns when slapd is gone and the port is free)
#   scripts/slapd-instance.sh kill    DIR     (SIGKILL, like a crash)
#   scripts/slapd-instance.sh destroy DIR     (stop, then delete DIR)
#   scripts/slapd-instance.sh status  DIR
#
# The instance never reads /etc/ldap/slapd.d: DIR/slapd.conf is complete on its own (schema from
# /etc/ldap/schema: core, cosine, inetorgperson, nis, misc (mailHost)). It listens on ldap://127.0.0.1:PORT
# only, serves the suffix dc=example,dc=com from DIR/data (back_mdb), and starts with:
#   dc=example,dc=com, ou=people, ou=services,
#   cn=imapproxy,ou=services,dc=example,dc=com  password in DIR/bind.pw   (read-only service account)
#   rootdn cn=admin,dc=example,dc=com           password in DIR/admin.pw  (for ldapmodify in tests)
# Anonymous clients may only bind; bound ones read everything but passwords. `start` on a running instance
# restarts it (the data is kept; the LDIF files are not loaded again).
#
# TLS: when DIR/tls/ holds cert.pem and key.pem (PEM) before the first start, slapd offers StartTLS on PORT,
# and with DIR/tls/ldaps-port also ldaps:// on 127.0.0.1:<that port>.
#
# Layout:  DIR/slapd.conf  DIR/data/  DIR/slapd.pid  DIR/slapd.log  DIR/port  DIR/bind.pw  DIR/admin.pw
# Exit codes: 0 ok, 1 failure, 2 usage / slapd not installed, 3 PORT already in use.
set -euo pipefail
# shellcheck source=scripts/lib/instance-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/instance-common.sh"

SLAPD=${SLAPD:-/usr/sbin/slapd}
SLAPADD=${SLAPADD:-/usr/sbin/slapadd}
START_TIMEOUT=${SLAPD_START_TIMEOUT:-15}
STOP_TIMEOUT=10
SUFFIX="dc=example,dc=com"
BIND_PASSWORD="proxy-secret"
ADMIN_PASSWORD="admin-secret"

die() { echo "slapd-instance: $*" >&2; exit "${EXIT_CODE:-1}"; }
usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

running_pid() { # prints the pid of DIR's running slapd, or fails
  local dir=$1 pid
  pid=$(cat "$dir/slapd.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null || true) == *slapd* ]] || return 1
  printf '%s\n' "$pid"
}

wait_gone() { # waits until pid $1 has exited (zombies count as gone)
  local pid=$1 i state
  for ((i = 0; i < STOP_TIMEOUT * 20; i++)); do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || echo X)
    [[ $state == [ZX] ]] && return 0
    sleep 0.05
  done
  return 1
}

write_config() {
  local dir=$1
  cat >"$dir/slapd.conf" <<CONF
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/misc.schema
pidfile $dir/slapd.pid
argsfile $dir/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
loglevel stats
sizelimit 500
$(tls_config "$dir")

database mdb
maxsize 67108864
suffix "$SUFFIX"
rootdn "cn=admin,$SUFFIX"
rootpw $ADMIN_PASSWORD
directory $dir/data
index objectClass eq
index uid,mail eq
index modifyTimestamp eq
access to attrs=userPassword by anonymous auth by * none
access to * by users read by anonymous auth
CONF
  printf '%s\n' "$BIND_PASSWORD" >"$dir/bind.pw"
  printf '%s\n' "$ADMIN_PASSWORD" >"$dir/admin.pw"
}

tls_config() { # TLS directives, when DIR/tls has a certificate and key (global directives: before the database)
  local dir=$1
  [[ -f $dir/tls/cert.pem && -f $dir/tls/key.pem ]] || return 0
  printf 'TLSCertificateFile %s\nTLSCertificateKeyFile %s\n' "$dir/tls/cert.pem" "$dir/tls/key.pem"
}

listen_urls() { # what slapd listens on
  local dir=$1 port=$2 urls="ldap://127.0.0.1:$port/"
  if [[ -f $dir/tls/ldaps-port ]]; then
    urls+=" ldaps://127.0.0.1:$(cat "$dir/tls/ldaps-port")/"
  fi
  printf '%s\n' "$urls"
}

base_ldif() {
  cat <<LDIF
dn: $SUFFIX
objectClass: dcObject
objectClass: organization
o: Example
dc: example

dn: ou=people,$SUFFIX
objectClass: organizationalUnit
ou: people

dn: ou=services,$SUFFIX
objectClass: organizationalUnit
ou: services

dn: cn=imapproxy,ou=services,$SUFFIX
objectClass: applicationProcess
objectClass: simpleSecurityObject
cn: imapproxy
userPassword: $BIND_PASSWORD
LDIF
}

do_start() {
  local dir=$1 port=$2 ldif pid i
  shift 2
  [[ -x $SLAPD && -x $SLAPADD ]] || EXIT_CODE=2 die "slapd is not installed ($SLAPD); run scripts/install-deps.sh (apt-get install slapd ldap-utils)"
  [[ $port =~ ^[0-9]+$ ]] || usage
  mkdir -p "$dir"
  if pid=$(running_pid "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    wait_gone "$pid" || die "slapd $pid did not stop for the restart"
  fi
  port_in_use "$port" && EXIT_CODE=3 die "127.0.0.1:$port is already in use"
  if [[ ! -d $dir/data ]]; then
    mkdir -p "$dir/data"
    write_config "$dir"
    base_ldif | "$SLAPADD" -q -f "$dir/slapd.conf" -b "$SUFFIX" >/dev/null 2>"$dir/slapadd.log" || die "slapadd of the base entries failed: $(cat "$dir/slapadd.log")"
    for ldif in "$@"; do
      [[ $ldif == - ]] && continue
      "$SLAPADD" -q -f "$dir/slapd.conf" -b "$SUFFIX" -l "$ldif" >/dev/null 2>>"$dir/slapadd.log" || die "slapadd $ldif failed: $(cat "$dir/slapadd.log")"
    done
  fi
  printf '%s\n' "$port" >"$dir/port"
  # -d 0 would keep slapd in the foreground; it daemonizes and logs through syslog, so send -s to nowhere
  # and keep our own log of its stderr while it starts.
  "$SLAPD" -f "$dir/slapd.conf" -h "$(listen_urls "$dir" "$port")" >>"$dir/slapd.log" 2>&1 || die "slapd did not start: $(tail -5 "$dir/slapd.log")"
  for ((i = 0; i < START_TIMEOUT * 20; i++)); do
    running_pid "$dir" >/dev/null && port_in_use "$port" && return 0
    sleep 0.05
  done
  die "slapd did not listen on 127.0.0.1:$port within ${START_TIMEOUT}s: $(tail -5 "$dir/slapd.log")"
}

do_stop() {
  local dir=$1 pid
  pid=$(running_pid "$dir") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_gone "$pid" && return 0
  echo "slapd-instance: slapd $pid did not stop within ${STOP_TIMEOUT}s; killing it" >&2
  do_kill "$dir"
}

do_kill() {
  local dir=$1 pid
  pid=$(running_pid "$dir") || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" || die "slapd $pid survived SIGKILL"
}

do_destroy() {
  local dir=$1
  do_stop "$dir"
  # only a directory this script set up (it has slapd.conf), or an empty one
  if [[ -f $dir/slapd.conf || -z $(ls -A "$dir" 2>/dev/null) ]]; then
    rm -rf "$dir"
  fi
}

run_instance_command "$@"
