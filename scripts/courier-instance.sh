#!/usr/bin/env bash
# Run a private Courier-IMAP server (Debian's courier-imap 5.0.13, no LITERAL+: a real legacy backend)
# for tests and the demo.
#
#   scripts/courier-instance.sh start   DIR PORT USER:PASSWORD...
#   scripts/courier-instance.sh stop    DIR     (returns when every process of the instance is gone)
#   scripts/courier-instance.sh kill    DIR     (SIGKILL, like a crash: connections just close)
#   scripts/courier-instance.sh destroy DIR     (stop, then delete DIR)
#   scripts/courier-instance.sh status  DIR
#
# Courier is not installed with apt (courier-imap conflicts with dovecot-imapd): scripts/install-courier.sh
# unpacks the .debs once into a shared cache (default /var/cache/frontdoor-courier/root) and `start`
# runs it when needed. The instance listens on 127.0.0.1:PORT only (plain IMAP, no TLS/STARTTLS), accepts
# LOGIN and AUTHENTICATE PLAIN with the passwords given (courier-authlib: authdaemond + the userdb
# module), keeps Maildirs under DIR/mail/<user>/Maildir (folders are INBOX.<name>, separator "."), and
# never reads the system's /etc/courier. Several instances run side by side as long as DIR and PORT
# differ. `start` on a running instance restarts it (mail is kept).
#
# How: Courier's paths /etc/courier (authdaemonrc, userdb.dat) and /run/courier (authdaemond's socket)
# are compiled in, so each instance runs in a mount + PID namespace of its own (util-linux `unshare`,
# hence root is required) where DIR/etc and DIR/run are bind-mounted there. Its first
# process, DIR/courier-init.sh, starts authdaemond and couriertcpd (which spawns imaplogin -> imapd per
# connection); ending it ends every process of the instance. Mail processes run as uid 0 inside the
# namespace (Courier accepts it), i.e. root. (Not as another user: in an unprivileged user namespace
# authlib's setgroups() fails and every login is dropped.)
#
# Layout:  DIR/etc/{authdaemonrc,imapd,userdb,userdb.dat,userdbshadow.dat}  DIR/run/authdaemon/socket
#          DIR/mail/<user>/Maildir  DIR/courier.log  DIR/courier.pid (host pid of courier-init.sh)
#          DIR/port  DIR/courier-init.sh
#
# Environment: COURIER_START_TIMEOUT (15 s), COURIER_MAX_CONNECTIONS (200; couriertcpd -maxprocs and
# -maxperip), COURIER_IMAP_CAPABILITY (see IMAP_CAPABILITY below), COURIER_DEBUG_LOGIN (0; 2 logs
# passwords), COURIER_PKG_DIR (see scripts/install-courier.sh).
#
# Exit codes: 0 ok, 1 failure, 2 usage / not root / Courier cannot be unpacked / no namespaces,
# 3 PORT already in use.
set -euo pipefail
# shellcheck source=scripts/lib/instance-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/instance-common.sh"

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
START_TIMEOUT=${COURIER_START_TIMEOUT:-15}
STOP_TIMEOUT=10
MAX_CONNECTIONS=${COURIER_MAX_CONNECTIONS:-200}
# Debian's default list (/etc/courier/imapd) plus AUTH=PLAIN (Debian offers it only over TLS). No
# LITERAL+, no STARTTLS. imapd adds ACL ACL2=UNION ENABLE UTF8=ACCEPT by itself.
CAPABILITY=${COURIER_IMAP_CAPABILITY:-IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE AUTH=PLAIN}
DEBUG_LOGIN=${COURIER_DEBUG_LOGIN:-0}

die() { echo "courier-instance: $*" >&2; exit "${EXIT_CODE:-1}"; }
usage() {
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}




alive() { # is $1 a live (not zombie) process?
  local state
  [[ -r /proc/$1/stat ]] || return 1
  state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
  [[ -n $state && $state != Z && $state != X ]]
}

init_pid() { # prints the host pid of DIR's running courier-init.sh, or fails
  local dir=$1 pid
  pid=$(cat "$dir/courier.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  alive "$pid" || return 1
  # make sure the pid was not recycled by something else
  [[ " $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" == *" $dir/courier-init.sh "* ]] || return 1
  printf '%s\n' "$pid"
}

wait_gone() { # waits up to $2 s for process $1 to end
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    alive "$1" || return 0
    sleep 0.1
  done
  return 1
}

do_stop() {
  local dir=$1 pid
  pid=$(init_pid "$dir") || return 0
  kill -TERM "$pid" 2>/dev/null || true
  if ! wait_gone "$pid" "$STOP_TIMEOUT"; then
    echo "courier-instance: $pid did not stop within ${STOP_TIMEOUT}s; killing the instance" >&2
    kill -KILL "$pid" 2>/dev/null || true # pid 1 of the namespace: the kernel kills all the rest
    wait_gone "$pid" 5 || true
  fi
  rm -f "$dir/courier.pid"
}

do_kill() {
  local dir=$1 pid
  pid=$(init_pid "$dir") || return 0
  kill -KILL "$pid" 2>/dev/null || true
  wait_gone "$pid" 5 || true
  rm -f "$dir/courier.pid"
}

UNSHARE_ARGS=(--mount --pid --fork --propagation private)

check_namespaces() { # prints why an instance cannot run here, or nothing
  command -v unshare >/dev/null 2>&1 || { echo "unshare (util-linux) not found"; return 1; }
  local err
  if ! err=$(unshare "${UNSHARE_ARGS[@]}" true 2>&1); then
    echo "cannot create a mount+PID namespace (unshare ${UNSHARE_ARGS[*]}: $err); a container needs CAP_SYS_ADMIN"
    return 1
  fi
}

check_userspec() {
  local spec=$1 user pass
  [[ $spec == *:* ]] || die "bad USERSPEC '$spec' (expected user:password)"
  user=${spec%%:*}
  pass=${spec#*:}
  [[ -n $user && $user != *[[:space:]/\|]* && $user != .* && $user != *[[:cntrl:]]* ]] ||
    die "bad user name in '$spec' (no whitespace, '/', '|', or leading '.')"
  [[ $pass != *$'\n'* && $pass != *$'\r'* && -n $pass ]] || die "password of '$user' is empty or contains a line break"
}

write_users() { # DIR/etc/userdb (text, for reference) and the userdb.dat / userdbshadow.dat that authuserdb reads
  local dir=$1 root=$2; shift 2
  local spec user pass hash home
  local etc=$dir/etc
  : >"$etc/userdb.tmp"
  : >"$etc/userdbshadow.src"
  chmod 600 "$etc/userdb.tmp" "$etc/userdbshadow.src"
  for spec in "$@"; do
    user=${spec%%:*}
    pass=${spec#*:}
    home=$dir/mail/$user
    # SHA-512 crypt, checked by authlib with crypt(3); the password goes to perl as an argument, never
    # through a shell or a file
    hash=$(perl -e 'my @c = ("a".."z", "A".."Z", "0".."9", ".", "/"); open(my $r, "<", "/dev/urandom") or die;
                    read($r, my $b, 16); my $s = join("", map { $c[ord($_) % 64] } split(//, $b));
                    print crypt($ARGV[0], "\$6\$$s\$")' -- "$pass")
    # shellcheck disable=SC2016 # a literal '$6$'
    [[ $hash == '$6$'* ]] || die "could not hash the password of '$user' (perl crypt)"
    # uid/gid 0 inside the instance's namespace (root, or the calling user mapped to 0)
    printf '%s\tuid=0|gid=0|home=%s|mail=%s/Maildir\n' "$user" "$home" "$home" >>"$etc/userdb.tmp"
    printf '%s\tsystempw=%s\n' "$user" "$hash" >>"$etc/userdbshadow.src"
  done
  local makedat=$root/usr/lib/courier/courier-authlib/makedatprog
  # makedatprog: "key<TAB>value" lines up to ".", then the temporary and final names (like makeuserdb -f)
  { sed 's/$/|_=/' "$etc/userdb.tmp"; echo .; } |
    LD_LIBRARY_PATH=$LIBS "$makedat" - "$etc/userdb.dat.tmp" "$etc/userdb.dat" ||
    die "makedatprog failed for $etc/userdb.dat"
  { cat "$etc/userdbshadow.src"; echo .; } |
    LD_LIBRARY_PATH=$LIBS "$makedat" - "$etc/userdbshadow.dat.tmp" "$etc/userdbshadow.dat" ||
    die "makedatprog failed for $etc/userdbshadow.dat"
  chmod 600 "$etc/userdbshadow.dat"
  rm -f "$etc/userdbshadow.src"
  mv "$etc/userdb.tmp" "$etc/userdb"
}

write_config() {
  local dir=$1 root=$2 port=$3
  local etc=$dir/etc
  cat >"$etc/authdaemonrc" <<EOF
# Private authdaemond config written by scripts/courier-instance.sh (seen as /etc/courier/authdaemonrc
# inside the instance's mount namespace). Users: /etc/courier/userdb.dat + userdbshadow.dat = $etc.
authmodulelist="authuserdb"
authmodulelistorig="authuserdb"
daemons=10
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=$DEBUG_LOGIN
DEFAULTOPTIONS=""
LOGGEROPTS=""
EOF
  # what Debian's /etc/courier/imapd sets (the start script sources it into couriertcpd's environment,
  # which imaplogin and imapd inherit), trimmed to plain IMAP on one private port
  cat >"$etc/imapd" <<EOF
# Private imapd environment written by scripts/courier-instance.sh, sourced with 'set -a'.
# Courier-IMAP 5.0.13 (Debian 12). No IMAP_ULIMITD (Debian's 128 MB ulimit -v): 50 MB APPENDs are fine.
IMAP_CAPABILITY="$CAPABILITY"
IMAP_CAPABILITY_TLS="$CAPABILITY"
IMAP_KEYWORDS=1
IMAP_ACL=1
IMAP_PROXY=0
IMAP_IDLE_TIMEOUT=60
IMAP_MAILBOX_SANITY_CHECK=1
IMAP_DISABLETHREADSORT=0
IMAP_CHECK_ALL_FOLDERS=0
IMAP_OBSOLETE_CLIENT=0
IMAP_UMASK=022
IMAP_USELOCKS=1
IMAP_SHAREDINDEXFILE=/etc/courier/shared/index
IMAP_ENHANCEDIDLE=0
IMAP_TRASHFOLDERNAME=Trash
# Debian purges Trash messages older than 7 days at logout (Trash:7): not in tests
IMAP_EMPTYTRASH=
IMAP_MOVE_EXPUNGE_TO_TRASH=0
SENDMAIL=/usr/sbin/sendmail
HEADERFROM=X-IMAP-Sender
MAILDIRPATH=Maildir
DEBUG_LOGIN=$DEBUG_LOGIN
# FAM for IDLE and for the [ALERT]-free login: libgamin starts this gam_server, one per instance
GAMIN_DEBUG_SERVER=$root/usr/libexec/gam_server
GAM_CLIENT_ID=frontdoor-courier-$(printf '%s' "$dir" | sha256sum | cut -c1-12)
EOF
  cat >"$dir/courier-init.sh.tmp" <<EOF
#!/usr/bin/env bash
# Written by scripts/courier-instance.sh: pid 1 of the instance's mount + PID namespace. Ending it
# (SIGTERM: orderly; SIGKILL: crash) ends every process of the instance.
set -u
DIR=$(printf '%q' "$dir")
ROOT=$(printf '%q' "$root")
PORT=$port
log=\$DIR/courier.log
# never outside its own namespace: the bind mounts and 'kill -1' below would hit the whole system
[[ \$\$ -eq 1 ]] || { echo "courier-init: must run as pid 1 of a new PID namespace (see courier-instance.sh)" >&2; exit 1; }
authd=''
tcpd=''
shutdown() {
  trap '' TERM INT HUP
  kill -TERM -1 2>/dev/null # every other process of this namespace
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    [[ -n \$tcpd ]] && kill -0 "\$tcpd" 2>/dev/null && { sleep 0.1; continue; }
    [[ -n \$authd ]] && kill -0 "\$authd" 2>/dev/null && { sleep 0.1; continue; }
    break
  done
  exit "\$1" # the kernel kills whatever is left in the namespace
}
# pid 1 of a namespace gets only the signals it handles: TERM/INT/HUP = orderly stop
trap 'shutdown 0' TERM INT HUP
# its pid as the host sees it (the procfs mounted here is the host's): for stop/status
read -r hostpid _ </proc/self/stat
echo "\$hostpid" >"\$DIR/courier.pid.tmp" && mv -f "\$DIR/courier.pid.tmp" "\$DIR/courier.pid"
mount --bind "\$DIR/etc" /etc/courier && mount --bind "\$DIR/run" /run/courier || {
  echo "courier-init: cannot bind-mount \$DIR/etc and \$DIR/run on /etc/courier and /run/courier" >&2
  exit 1
}
export LD_LIBRARY_PATH=$(printf '%q' "$LIBS")
set -a
. /etc/courier/authdaemonrc
. /etc/courier/imapd
set +a
umask 022
cd /
"\$ROOT/usr/lib/courier/courier-authlib/authdaemond" </dev/null >>"\$log" 2>&1 &
authd=\$!
# one process per connection: imaplogin (authenticates through authdaemond), then imapd as the user
"\$ROOT/usr/sbin/couriertcpd" -address=127.0.0.1 -maxprocs=$MAX_CONNECTIONS -maxperip=$MAX_CONNECTIONS \\
  -nodnslookup -noidentlookup -stderr="\$log" \\
  "\$PORT" "\$ROOT/usr/lib/courier/courier/imaplogin" "\$ROOT/usr/bin/imapd" Maildir </dev/null >>"\$log" 2>&1 &
tcpd=\$!
wait -n "\$authd" "\$tcpd"
echo "courier-init: \$(kill -0 "\$tcpd" 2>/dev/null && echo authdaemond || echo couriertcpd) exited; stopping the instance" >&2
shutdown 1
EOF
  chmod 755 "$dir/courier-init.sh.tmp"
  mv "$dir/courier-init.sh.tmp" "$dir/courier-init.sh"
}

prepare_mail() {
  local dir=$1; shift
  local spec user sub
  install -d -m 0755 "$dir/mail"
  for spec in "$@"; do
    user=${spec%%:*}
    for sub in "" /Maildir /Maildir/cur /Maildir/new /Maildir/tmp; do
      [[ -d $dir/mail/$user$sub ]] || install -d -m 0700 "$dir/mail/$user$sub"
    done
  done
}

do_start() {
  local dir=$1 port=$2; shift 2
  [[ $port =~ ^[0-9]+$ ]] && ((port > 0 && port < 65536)) || die "bad PORT '$port'"
  [[ $# -gt 0 ]] || die "no USERSPEC given"
  [[ $(id -u) -eq 0 ]] || EXIT_CODE=2 die "must run as root (each instance needs a mount namespace: Courier's /etc/courier and /run/courier paths are compiled in)"
  [[ $dir != *[\|[:cntrl:]]* ]] || die "DIR must not contain '|' or control characters: $dir"
  local spec
  for spec in "$@"; do check_userspec "$spec"; done

  local root
  root=$("$SCRIPT_DIR/install-courier.sh") || EXIT_CODE=2 die "Courier could not be unpacked (scripts/install-courier.sh failed)"
  LIBS=$root/usr/lib:$root/usr/lib/courier-authlib
  local d
  for d in "$root"/usr/lib/*-linux-gnu*; do [[ -d $d ]] && LIBS=$LIBS:$d; done
  mkdir -p /etc/courier /run/courier # empty mount points (the system's Courier, if any, is not touched)
  local why
  why=$(check_namespaces) || EXIT_CODE=2 die "$why"

  mkdir -p "$dir"
  do_stop "$dir" # idempotent: restart a running instance
  port_in_use "$port" && EXIT_CODE=3 die "127.0.0.1:$port is already in use"

  install -d -m 0755 "$dir/etc" "$dir/run" "$dir/run/authdaemon"
  rm -f "$dir/run/authdaemon/socket" "$dir/run/authdaemon/socket.lock" "$dir/courier.pid"
  printf '%s\n' "$port" >"$dir/port"
  write_users "$dir" "$root" "$@"
  write_config "$dir" "$root" "$port"
  prepare_mail "$dir" "$@"
  : >>"$dir/courier.log"

  local logstart
  logstart=$(wc -l <"$dir/courier.log")
  # setsid: not in the caller's process group or session (a Ctrl-C there does not reach it)
  setsid unshare "${UNSHARE_ARGS[@]}" -- "$dir/courier-init.sh" </dev/null >>"$dir/courier.log" 2>&1 &

  local started=$SECONDS greeting='' pid=''
  while ((SECONDS - started < START_TIMEOUT)); do
    if pid=$(init_pid "$dir"); then
      if greeting=$(read_greeting "$port") && [[ $greeting == '* OK'*Courier* ]]; then
        echo "courier-instance: 127.0.0.1:$port ready ($dir)"
        return 0
      fi
    elif [[ -s $dir/courier.pid ]] && ! init_pid "$dir" >/dev/null; then
      break # the instance died (it had written its pid)
    elif ((SECONDS - started >= 3)); then
      break # it never came up
    fi
    sleep 0.1
  done
  echo "---- $dir/courier.log ----" >&2
  tail -n +"$((logstart + 1))" "$dir/courier.log" >&2 || true
  do_stop "$dir"
  if tail -n +"$((logstart + 1))" "$dir/courier.log" | grep -qi 'address already in use'; then
    EXIT_CODE=3 die "127.0.0.1:$port is already in use"
  fi
  die "courier on 127.0.0.1:$port did not greet with '* OK ... Courier' within ${START_TIMEOUT}s (last: '${greeting}')"
}

do_destroy() {
  do_stop "$1"
  rm -rf -- "$1"
}

running_pid() { init_pid "$1"; }

run_instance_command "$@"
