#!/usr/bin/env bash
# The FrontDoor demo in one command: installs what is missing, starts two private IMAP servers, a modern
# one (Dovecot, with LITERAL+, on 127.0.0.1:10143) and a legacy one (Courier-IMAP, without LITERAL+, on
# 127.0.0.1:11143), state under ./.demo, then FrontDoor on 127.0.0.1:1143 with FrontDoor.config in the
# foreground. Ctrl-C stops everything.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

CONFIG=${FRONTDOOR_CONFIG:-FrontDoor.config}
USERS=(alice:alicepw bob:bobpw carol@legacy.example.com:carolpw)
DEMO_DIR=$PWD/.demo

scripts/install-deps.sh

stopped=0
# shellcheck disable=SC2317 # called from the traps
cleanup() {
  if [[ $stopped -eq 1 ]]; then return; fi
  stopped=1
  echo
  echo "demo: stopping the demo backends"
  scripts/dovecot-instance.sh stop "$DEMO_DIR/modern" || true
  scripts/courier-instance.sh stop "$DEMO_DIR/legacy" || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$DEMO_DIR"
scripts/dovecot-instance.sh start "$DEMO_DIR/modern" 10143 "${USERS[@]}"
scripts/courier-instance.sh start "$DEMO_DIR/legacy" 11143 "${USERS[@]}"

cat <<INFO

  FrontDoor demo
  ──────────────
  Backends:  modern = Dovecot 127.0.0.1:10143 (LITERAL+)   legacy = Courier-IMAP 127.0.0.1:11143 (no LITERAL+)
             logs under .demo/modern and .demo/legacy
  Connect an IMAP client (plain, no TLS) to 127.0.0.1:1143:
    bob / bobpw                             -> routed to modern
    alice / alicepw                         -> routed to legacy: {N+} literals are synchronized for it
    carol@legacy.example.com / carolpw      -> routed to legacy (domain rule)
  e.g.  python3 -c "import imaplib; m=imaplib.IMAP4('127.0.0.1',1143); print(m.login('bob','bobpw')); print(m.select('INBOX'))"
  Config: $CONFIG.  Ctrl-C stops FrontDoor and both backends.

INFO

# In the background, so that a signal to this script is handled at once: Ctrl-C or SIGTERM asks FrontDoor
# to shut down (dotnet run passes SIGTERM on to the app), then the EXIT trap stops the backends.
dotnet run --project src/FrontDoor -c Release -- --config "$CONFIG" &
app=$!
trap 'kill -TERM "$app" 2>/dev/null || true' INT TERM
status=0
while :; do
  wait "$app" && status=0 || status=$?
  kill -0 "$app" 2>/dev/null || break # wait was interrupted by a signal: FrontDoor is still stopping
done
exit "$status"
