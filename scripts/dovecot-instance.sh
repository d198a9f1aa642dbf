#!/usr/bin/env bash
# Run a private Dovecot IMAP server (Debian's dovecot-imapd, 2.3.x) for tests and the demo.
#
#   scripts/dovecot-instance.sh start   [--oauth2 URL] DIR PORT USER:PASSWORD...
#   scripts/dovecot-instance.sh stop    DIR     (clients get "* BYE"; returns when every process is gone)
#   scripts/dovecot-instance.sh kill    DIR     (SIGKILL, like a crash: connections just close)
#   scripts/dovecot-instance.sh destroy DIR     (stop, then delete DIR and its runtime directory)
#   scripts/dovecot-instance.sh status  DIR
#
# The instance never reads /etc/dovecot: DIR/dovecot.conf is complete on its own. It listens on
# 127.0.0.1:PORT only (plain IMAP, no TLS), accepts LOGIN / AUTHENTICATE PLAIN with the passwords of
# DIR/users, and stores maildirs under DIR/mail/<user>/Maildir. With --oauth2 URL it also accepts
# AUTHENTICATE OAUTHBEARER and XOAUTH2 (Dovecot's oauth2 passdb), checking each token by RFC 7662
# introspection at URL (POST token=...; the answer's "active" must be true and its "username" the user
# logging in); the URL is kept in DIR/oauth2-url, so a later start without the option keeps it.
# Several instances run side by side as long as DIR and PORT differ. `start` on a running instance
# restarts it (mail is kept).
#
# Layout:  DIR/dovecot.conf  DIR/users  DIR/dovecot.log  DIR/port
#          RT/run (base_dir: sockets, master.pid)  RT/state  RT/mail
# RT is DIR itself, unless DIR's path is too long for UNIX sockets or not reachable by the unprivileged
# mail user (e.g. a checkout under /root): then RT is /tmp/frontdoor-dovecot-<hash of DIR>, and
# DIR/runtime and DIR/mail are symlinks into it.
#
# Exit codes: 0 ok, 1 failure, 2 usage / dovecot not installed, 3 PORT already in use.
set -euo pipefail
# shellcheck source=scripts/lib/instance-common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/instance-common.sh"

DOVECOT=${DOVECOT:-/usr/sbin/dovecot}
START_TIMEOUT=${DOVECOT_START_TIMEOUT:-15}
STOP_TIMEOUT=10

die() { echo "dovecot-instance: $*" >&2; exit "${EXIT_CODE:-1}"; }
usage() {
  sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}


# --- who runs the mail processes --------------------------------------------------------------
# Dovecot refuses uid 0 for mail processes ("userdb returned 0 as uid"), so as root the mail is owned
# by the 'dovecot' system user that the package creates. As another user everything runs as that user.
init_users() {
  if [[ $(id -u) -eq 0 ]]; then
    RUN_AS_ROOT=1
    MAIL_USER=dovecot
    id -u "$MAIL_USER" >/dev/null 2>&1 || EXIT_CODE=2 die "system user '$MAIL_USER' is missing; reinstall dovecot-core (run scripts/install-deps.sh)"
    MAIL_GROUP=$(id -gn "$MAIL_USER")
    INTERNAL_USER=dovecot
    INTERNAL_GROUP=$(id -gn dovecot)
    LOGIN_USER=dovenull
    id -u "$LOGIN_USER" >/dev/null 2>&1 || LOGIN_USER=$MAIL_USER
  else
    RUN_AS_ROOT=0
    MAIL_USER=$(id -un)
    MAIL_GROUP=$(id -gn)
    INTERNAL_USER=$MAIL_USER
    INTERNAL_GROUP=$MAIL_GROUP
    LOGIN_USER=$MAIL_USER
  fi
}

mail_user_can_enter() { # can the mail user traverse and write into $1?
  if [[ $RUN_AS_ROOT -eq 0 ]]; then
    [[ -x $1 && -w $1 ]]
  else
    runuser -u "$MAIL_USER" -- test -x "$1" 2>/dev/null
  fi
}

runtime_dir() { # prints RT for DIR (DIR must exist)
  local dir=$1
  # base_dir sockets (e.g. RT/run/login/imap-urlauth) must fit in sun_path (108 bytes).
  if (( ${#dir} <= 64 )) && mail_user_can_enter "$dir"; then
    printf '%s\n' "$dir"
  else
    printf '/tmp/frontdoor-dovecot-%s\n' "$(printf '%s' "$dir" | sha256sum | cut -c1-16)"
  fi
}



master_pid() { # prints the pid of the running master of DIR, or fails
  local dir=$1 rt pid
  rt=$(cat "$dir/.runtime-path" 2>/dev/null) || return 1
  pid=$(cat "$rt/run/master.pid" 2>/dev/null) || return 1
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  # make sure the pid was not recycled by something else
  [[ $(readlink "/proc/$pid/exe" 2>/dev/null || true) == *dovecot* ]] || return 1
  printf '%s\n' "$pid"
}

group_alive() { # does process group $1 still have a live (non-zombie) member?
  # Zombies count for kill -0, and a container's init may be slow to reap the orphans; read /proc instead.
  local pg=$1 f line state _ppid pgrp
  for f in /proc/[0-9]*/stat; do
    { read -r line <"$f"; } 2>/dev/null || continue
    read -r state _ppid pgrp _ <<<"${line##*) }"
    [[ $pgrp == "$pg" && $state != [ZX] ]] && return 0
  done
  return 1
}

do_stop() { # SIGTERM: Dovecot sends "* BYE Server shutting down." to its clients; then wait for every process
  local dir=$1 pid i
  pid=$(master_pid "$dir") || return 0
  # The daemonized master leads its own session and process group; all its children stay in that group,
  # and are reparented when the master exits first. Wait for the whole group, so that when this returns,
  # every client connection is closed and the port is free.
  # SIGTERM to the master alone takes 2 s, and its mail processes only notice ~10 s later; so SIGTERM the
  # whole group at once (an imap process answers SIGTERM with "* BYE Server shutting down." and exits).
  kill -TERM -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < STOP_TIMEOUT * 20; i++)); do
    group_alive "$pid" || return 0
    sleep 0.05
  done
  echo "dovecot-instance: dovecot $pid did not stop within ${STOP_TIMEOUT}s; killing its process group" >&2
  do_kill_group "$pid"
}

do_kill_group() {
  local pid=$1 i
  kill -KILL -- "-$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    group_alive "$pid" || return 0
    sleep 0.05
  done
}

do_kill() { # SIGKILL to every process of the instance: a crashed server, connections reset without BYE
  local dir=$1 pid
  pid=$(master_pid "$dir") || return 0
  do_kill_group "$pid"
}

oauth2_passdb() { # the oauth2 passdb block and its settings file, when an introspection URL is set
  local dir=$1 url=$2
  [[ -n $url ]] || return 0
  cat >"$dir/dovecot-oauth2.conf.ext" <<EOC
# RFC 7662 introspection; the token is valid when active is true and username is the login user.
introspection_mode = post
introspection_url = $url
force_introspection = yes
username_attribute = username
active_attribute = active
active_value = true
EOC
  printf 'passdb {\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = %s\n}\n' "$dir/dovecot-oauth2.conf.ext"
}

write_config() {
  local dir=$1 rt=$2 port=$3 oauth2_url=''
  [[ -f $dir/oauth2-url ]] && oauth2_url=$(cat "$dir/oauth2-url")
  local uid gid
  uid=$(id -u "$MAIL_USER")
  gid=$(getent group "$MAIL_GROUP" | cut -d: -f3)
  local chroot_login='' # non-root cannot chroot the login processes
  [[ $RUN_AS_ROOT -eq 1 ]] && chroot_login='login'
  cat >"$dir/dovecot.conf.tmp" <<EOF
# Private Dovecot instance written by scripts/dovecot-instance.sh; it includes nothing from /etc/dovecot.
# Tested with Dovecot 2.3.19 (Debian 12). Setting names are those of 2.3.
instance_name = frontdoor-$port
base_dir = $rt/run
state_dir = $rt/state
log_path = $dir/dovecot.log
info_log_path = $dir/dovecot.log
debug_log_path = $dir/dovecot.log

protocols = imap
listen = 127.0.0.1
ssl = no
# 2.3 name (2.4: auth_allow_cleartext = yes)
disable_plaintext_auth = no
auth_mechanisms = plain login$( [[ -n $oauth2_url ]] && echo ' oauthbearer xoauth2' )
auth_username_format = %u
auth_verbose = yes
# tests try wrong passwords on purpose: no 2 s failure delay (Dovecot still batches failures every
# 0.5 s) and no growing per-IP penalty (anvil-auth-penalty is disabled below)
auth_failure_delay = 0
login_trusted_networks =
verbose_proctitle = yes

default_internal_user = $INTERNAL_USER
default_internal_group = $INTERNAL_GROUP
default_login_user = $LOGIN_USER
# Dovecot never runs mail processes as uid 0; mail belongs to $MAIL_USER ($uid:$gid).
first_valid_uid = 1
first_valid_gid = 1
mail_uid = $uid
mail_gid = $gid
mail_location = maildir:~/Maildir
mail_fsync = never
default_vsz_limit = 1G

namespace inbox {
  inbox = yes
  separator = /
  prefix =
}

passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $dir/users
  mechanisms = plain login
}
$(oauth2_passdb "$dir" "$oauth2_url")
userdb {
  driver = static
  args = uid=$uid gid=$gid home=$rt/mail/%u
}

service auth {
  # reads $dir/users, which stays private to root
  user = $( [[ $RUN_AS_ROOT -eq 1 ]] && echo root || echo "$INTERNAL_USER" )
}
service imap-login {
  chroot = $chroot_login
  inet_listener imap {
    address = 127.0.0.1
    port = $port
  }
  inet_listener imaps {
    port = 0
  }
  # one login process serves many connections: cheap connection storms in tests and benchmarks
  service_count = 0
  process_min_avail = 1
  client_limit = 1000
}
service imap {
  process_limit = 1024
}
service anvil {
  chroot = $( [[ $RUN_AS_ROOT -eq 1 ]] && echo empty || echo '' )
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
protocol imap {
  mail_max_userip_connections = 1000
}
# Settings a test adds (e.g. ssl = required with its own certificate) override the ones above.
!include_try $dir/extra.conf
EOF
  mv "$dir/dovecot.conf.tmp" "$dir/dovecot.conf"
}

write_users() {
  local dir=$1; shift
  local spec user pass
  : >"$dir/users.tmp"
  chmod 600 "$dir/users.tmp"
  for spec in "$@"; do
    [[ $spec == *:* ]] || die "bad USERSPEC '$spec' (expected user:password)"
    user=${spec%%:*}
    pass=${spec#*:}
    [[ -n $user && $user != *[[:space:]/]* && $user != .* ]] || die "bad user name in '$spec'"
    [[ $pass != *$'\n'* && $pass != *$'\r'* ]] || die "password of '$user' contains a line break"
    if [[ $pass == *:* || -z $pass ]]; then
      # passwd-file fields are ':'-separated; base64 keeps any password intact
      printf '%s:{PLAIN.BASE64}%s\n' "$user" "$(printf '%s' "$pass" | base64 -w0)" >>"$dir/users.tmp"
    else
      printf '%s:{PLAIN}%s\n' "$user" "$pass" >>"$dir/users.tmp"
    fi
  done
  mv "$dir/users.tmp" "$dir/users"
}

prepare_mail() {
  local rt=$1; shift
  local spec user
  install -d -m 0755 -o "$MAIL_USER" -g "$MAIL_GROUP" "$rt/mail"
  for spec in "$@"; do
    user=${spec%%:*}
    for sub in "" /Maildir /Maildir/cur /Maildir/new /Maildir/tmp; do
      [[ -d $rt/mail/$user$sub ]] || install -d -m 0700 -o "$MAIL_USER" -g "$MAIL_GROUP" "$rt/mail/$user$sub"
    done
  done
}

do_start() {
  local dir=$1 port=$2; shift 2
  if ! [[ $port =~ ^[1-9][0-9]{0,4}$ ]] || ((port > 65535)); then die "bad PORT '$port'"; fi
  [[ $# -gt 0 ]] || die "no USERSPEC given"
  # paths are written unquoted into dovecot.conf, where spaces split arguments and % expands
  [[ $dir =~ ^[A-Za-z0-9._/@+=,-]+$ ]] || die "DIR '$dir' must not contain spaces or special characters"
  [[ -x $DOVECOT ]] || EXIT_CODE=2 die "dovecot is not installed ($DOVECOT missing); run ./test.sh or scripts/install-deps.sh"
  init_users

  mkdir -p "$dir"
  do_stop "$dir" # idempotent: restart a running instance
  port_in_use "$port" && EXIT_CODE=3 die "127.0.0.1:$port is already in use"

  # the unprivileged mail user must reach RT (DIR itself when possible)
  [[ $RUN_AS_ROOT -eq 1 ]] && chmod 0755 "$dir"
  local rt
  rt=$(runtime_dir "$dir")
  if [[ $rt != "$dir" ]]; then
    install -d -m 0755 "$rt"
    ln -sfn "$rt" "$dir/runtime"
    [[ -L $dir/mail || ! -e $dir/mail ]] && ln -sfn "$rt/mail" "$dir/mail"
  fi
  printf '%s\n' "$rt" >"$dir/.runtime-path"
  printf '%s\n' "$port" >"$dir/port"
  install -d -m 0755 "$rt/run" "$rt/state"
  rm -f "$rt/run/master.pid"

  write_users "$dir" "$@"
  write_config "$dir" "$rt" "$port"
  prepare_mail "$rt" "$@"
  : >>"$dir/dovecot.log"

  local logstart
  logstart=$(wc -l <"$dir/dovecot.log")
  if ! "$DOVECOT" -c "$dir/dovecot.conf" 2>"$dir/start.err"; then
    cat "$dir/start.err" >&2
    tail -n +"$((logstart + 1))" "$dir/dovecot.log" >&2
    # taken between the caller's check and our bind: exit 3, so the caller can try another port
    if grep -qi 'address already in use' "$dir/start.err"; then
      EXIT_CODE=3 die "127.0.0.1:$port is already in use"
    fi
    die "dovecot failed to start on 127.0.0.1:$port (config $dir/dovecot.conf)"
  fi

  local started=$SECONDS greeting=''
  while ((SECONDS - started < START_TIMEOUT)); do
    if master_pid "$dir" >/dev/null; then
      if greeting=$(read_greeting "$port") && [[ $greeting == '* OK'*Dovecot* ]]; then
        [[ -s $dir/start.err ]] || rm -f "$dir/start.err"
        echo "dovecot-instance: 127.0.0.1:$port ready ($dir)"
        return 0
      fi
    elif ((SECONDS - started >= 3)); then
      break # the master never came up, or died
    fi
    sleep 0.1
  done
  echo "---- $dir/dovecot.log ----" >&2
  tail -n +"$((logstart + 1))" "$dir/dovecot.log" >&2 || true
  cat "$dir/start.err" >&2 2>/dev/null || true
  do_stop "$dir"
  die "dovecot on 127.0.0.1:$port did not greet with '* OK ... Dovecot' within ${START_TIMEOUT}s (last: '${greeting}')"
}

do_destroy() { # stop, then delete DIR and its runtime directory (only a directory this script set up, or an empty one)
  local dir=$1 rt
  do_stop "$dir"
  rt=$(cat "$dir/.runtime-path" 2>/dev/null || true)
  if [[ -n $rt && $rt == /tmp/frontdoor-dovecot-* ]]; then rm -rf -- "$rt"; fi
  if [[ -f $dir/.runtime-path || -f $dir/dovecot.conf ]] || rmdir -- "$dir" 2>/dev/null; then
    rm -rf -- "$dir"
  elif [[ -e $dir ]]; then
    die "not deleting $dir: it is not a dovecot-instance directory"
  fi
}

running_pid() { master_pid "$1"; }

if [[ ${1:-} == start && ${2:-} == --oauth2 ]]; then
  [[ $# -ge 3 && $3 =~ ^https?://[^[:space:]]+$ ]] || die "--oauth2 needs an http(s) URL"
  OAUTH2_URL=$3
  set -- start "${@:4}"
  [[ $# -ge 2 ]] || usage
  mkdir -p "$(abs_dir "$2")"
  printf '%s\n' "$OAUTH2_URL" >"$(abs_dir "$2")/oauth2-url"
fi

run_instance_command "$@"
