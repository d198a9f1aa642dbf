# shellcheck shell=bash
# Shared by scripts/dovecot-instance.sh and scripts/courier-instance.sh: path and port helpers and the
# command line both scripts take. Each script defines die, usage, do_start DIR PORT USERSPEC...,
# do_stop DIR, do_kill DIR, do_destroy DIR and running_pid DIR, then calls run_instance_command "$@".

abs_dir() { # make DIR absolute without requiring it to exist yet
  case "$1" in
    /*) printf '%s\n' "${1%/}" ;;
    *) printf '%s/%s\n' "$(pwd -P)" "${1%/}" ;;
  esac
}

port_in_use() { # is something accepting connections on 127.0.0.1:$1 ?
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

read_greeting() { # prints the first line the server at 127.0.0.1:$1 sends, within 2 s
  local line=''
  {
    exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
    IFS= read -r -t 2 line <&3 || { exec 3>&-; return 1; }
    printf 'z LOGOUT\r\n' >&3 || true
    exec 3>&-
  } 2>/dev/null
  printf '%s\n' "${line%$'\r'}"
}

run_instance_command() {
  local cmd=${1:-} dir pid
  case "$cmd" in
    start)
      [[ $# -ge 4 ]] || usage
      do_start "$(abs_dir "$2")" "$3" "${@:4}"
      ;;
    stop | kill | destroy)
      [[ $# -eq 2 ]] || usage
      "do_$cmd" "$(abs_dir "$2")"
      ;;
    status)
      [[ $# -eq 2 ]] || usage
      dir=$(abs_dir "$2")
      if pid=$(running_pid "$dir"); then
        echo "running: pid $pid, 127.0.0.1:$(cat "$dir/port" 2>/dev/null || echo '?')"
      else
        echo "stopped"
        exit 1
      fi
      ;;
    *) usage ;;
  esac
}
