#!/usr/bin/env bash
# Run a command with the desktop session services the test suite uses, all private to it:
# a D-Bus session bus, an unlocked throwaway gnome-keyring (the Secret Service) and an
# Xvfb X server. Your real keyring and display are never touched.
#
#   scripts/with-session-services.sh uv run pytest
#   SESSION_SERVICES_XVFB=0 scripts/with-session-services.sh uv run pytest  # keep your DISPLAY
#
# Needs (Debian): dbus dbus-x11 gnome-keyring xvfb xauth.
set -euo pipefail

me="${BASH_SOURCE[0]}"
log() { printf 'with-session-services: %s\n' "$*" >&2; }
die() {
    log "error: $*"
    exit 1
}

if [[ $# -eq 0 ]]; then
    sed -n '2,9p' "$me" | sed 's/^# \{0,1\}//' >&2
    exit 2
fi

use_xvfb=1
[[ "${SESSION_SERVICES_XVFB:-1}" == 0 ]] && use_xvfb=0

need() { command -v "$1" >/dev/null 2>&1 || die "$1 not found (install the $2 package)"; }
need dbus-daemon dbus
need dbus-send dbus
need gnome-keyring-daemon gnome-keyring
if ((use_xvfb)); then
    need Xvfb xvfb
    need xauth xauth
fi

# Every service is started here and stopped by pid on exit, rather than through
# dbus-run-session / xvfb-run: those leave their children running when they are killed.
tmp="$(mktemp -d "${TMPDIR:-/tmp}/claude-desktop-session.XXXXXX")"
bus_pid="" keyring_pid="" xvfb_pid=""
cleanup() {
    local pid
    for pid in "$xvfb_pid" "$keyring_pid" "$bus_pid"; do
        [[ -n "$pid" ]] && kill "$pid" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

show_log_and_die() {
    [[ -s "$1" ]] && sed 's/^/    /' "$1" >&2
    die "$2"
}

# Wait up to ~10 s for a file to be written by a service starting in the background.
wait_for_file() {
    local file="$1" pid="$2" _
    for _ in $(seq 200); do
        [[ -s "$file" ]] && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

# -- D-Bus session bus ----------------------------------------------------------------------
# Its log holds only noise in containers ("Failed to set fd limit"), so it is shown on failure.
dbus-daemon --session --nofork --nopidfile --print-address=3 \
    3>"$tmp/bus-address" 2>"$tmp/dbus.log" </dev/null &
bus_pid=$!
wait_for_file "$tmp/bus-address" "$bus_pid" ||
    show_log_and_die "$tmp/dbus.log" "dbus-daemon did not start"
DBUS_SESSION_BUS_ADDRESS="$(head -n 1 "$tmp/bus-address")"
export DBUS_SESSION_BUS_ADDRESS

# -- gnome-keyring: the Secret Service -----------------------------------------------------
# XDG_RUNTIME_DIR must be private (0700) and ours. CI running as root has none, and Qt warns
# without one, which the test suite turns into failures.
mkdir -m 700 "$tmp/runtime" "$tmp/data"

# Which process owns a well-known bus name, without D-Bus-activating it ("" if none yet).
bus_name_owner_pid() {
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.GetConnectionUnixProcessID "string:$1" 2>/dev/null |
        awk '/uint32/ { print $2 }' || true # an unowned name is an error reply: not fatal here
}

# `--unlock` reads a password on stdin and unlocks the "login" keyring with it, creating it
# (and pointing the "default" alias at it) on first use. The password must not be empty:
# with an empty one no keyring is created and the daemon asks a GUI prompter instead, which
# fails headless and would hang under Xvfb. The keyring files go to a temporary
# XDG_DATA_HOME and the control socket to our runtime dir, so a keyring daemon of the
# developer's desktop is neither reused nor unlocked with this password.
printf '%s' "claude-desktop-throwaway-keyring" |
    env -u GNOME_KEYRING_CONTROL XDG_DATA_HOME="$tmp/data" XDG_RUNTIME_DIR="$tmp/runtime" \
        gnome-keyring-daemon --unlock --components=secrets >"$tmp/keyring.env" 2>"$tmp/keyring.log" ||
    show_log_and_die "$tmp/keyring.log" "gnome-keyring-daemon failed to start"
# The daemon forks; wait until it serves org.freedesktop.secrets on our bus.
for _ in $(seq 200); do
    keyring_pid="$(bus_name_owner_pid org.freedesktop.secrets)"
    [[ -n "$keyring_pid" ]] && break
    sleep 0.05
done
[[ -n "$keyring_pid" ]] ||
    show_log_and_die "$tmp/keyring.log" "gnome-keyring-daemon did not take org.freedesktop.secrets"
control="$(sed -n 's/^GNOME_KEYRING_CONTROL=//p' "$tmp/keyring.env")"
export GNOME_KEYRING_CONTROL="${control:-$tmp/runtime/keyring}"

# -- Xvfb ---------------------------------------------------------------------------------
if ((use_xvfb)); then
    # The server loads every cookie in its -auth file whatever display it names, so the
    # cookie goes in first; Xvfb then picks a free display itself (-displayfd, no race over
    # lock files) and the client entry for that display is added once it is known.
    export XAUTHORITY="$tmp/Xauthority"
    cookie="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
    : >"$XAUTHORITY"
    xauth -q add :0 . "$cookie"
    Xvfb -displayfd 3 -screen 0 1920x1080x24 -nolisten tcp -auth "$XAUTHORITY" \
        3>"$tmp/display" 2>"$tmp/xvfb.log" </dev/null &
    xvfb_pid=$!
    wait_for_file "$tmp/display" "$xvfb_pid" || show_log_and_die "$tmp/xvfb.log" "Xvfb did not start"
    DISPLAY=":$(head -n 1 "$tmp/display")"
    export DISPLAY
    xauth -q add "$DISPLAY" . "$cookie"
    log "ready: D-Bus session bus, gnome-keyring (unlocked), Xvfb on $DISPLAY"
else
    log "ready: D-Bus session bus, gnome-keyring (unlocked); no Xvfb, DISPLAY=${DISPLAY:-unset}"
fi

export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-$tmp/runtime}"

# In the foreground, so Ctrl-C reaches the command (pytest then prints its summary).
status=0
"$@" || status=$?
exit "$status"
