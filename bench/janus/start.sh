#!/usr/bin/env bash
# Starts Janus (Debian's janus package) on loopback only, for the comparison
# with Sightline. It writes its own configuration directory from the
# templates beside this script: the VideoRoom plugin and the HTTP transport
# only, admin API off, ICE-lite, no STUN, TURN or 1:1 NAT. Janus gathers no
# ICE candidate on a loopback interface, so run it inside netns.sh, where
# 127.0.0.1 is also on a veth interface and is the only address.
#
#   bench/janus/start.sh [--port PORT] [--cpu K] [--dir DIR] [--debug-level N]
#   bench/janus/start.sh --stop [--dir DIR]
#
# On success it prints "<pid> <http port>" on stdout. Janus writes its log to
# DIR/janus.log. --cpu pins every Janus thread to CPU K (taskset). --stop ends
# the Janus that an earlier call started with the same DIR.
set -euo pipefail

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
state_dir="${TMPDIR:-/tmp}/sightline-janus"
port=0
cpu=""
debug_level="${JANUS_DEBUG_LEVEL:-3}"
stop=0
janus_bin="${JANUS_BIN:-/usr/bin/janus}"
janus_lib_dir="${JANUS_LIB_DIR:-/usr/lib/x86_64-linux-gnu/janus}"
# Janus's RTP port range. Nothing outside the machine needs to reach it.
rtp_ports="${JANUS_RTP_PORTS:-30000-39999}"
ready_timeout_s=20

while [[ $# -gt 0 ]]; do
  case "$1" in
    --port) port="$2"; shift 2 ;;
    --cpu) cpu="$2"; shift 2 ;;
    --dir) state_dir="$2"; shift 2 ;;
    --debug-level) debug_level="$2"; shift 2 ;;
    --stop) stop=1; shift ;;
    *) echo "start.sh: unknown option '$1' (expected --port, --cpu, --dir, --debug-level or --stop)" >&2; exit 2 ;;
  esac
done

pid_file="$state_dir/janus.pid"

stop_janus() {
  [[ -s "$pid_file" ]] || return 0
  local pid
  pid="$(cat "$pid_file")"
  # Only a process that is still this Janus is signalled, never a reused pid.
  if [[ -r "/proc/$pid/comm" && "$(cat "/proc/$pid/comm")" == janus* ]]; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do
      [[ -e "/proc/$pid" ]] || break
      sleep 0.1
    done
    [[ -e "/proc/$pid" ]] && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pid_file"
}

if [[ $stop -eq 1 ]]; then
  stop_janus
  exit 0
fi

if [[ ! -x "$janus_bin" ]]; then
  echo "start.sh: $janus_bin not found: install Debian's janus package (apt-get install janus)" >&2
  exit 1
fi
stop_janus

if [[ "$port" == 0 ]]; then
  port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi

config_dir="$state_dir/config"
mkdir -p "$config_dir"
for template in "$script_dir"/*.jcfg.in; do
  name="$(basename "$template" .in)"
  sed -e "s|@CONFIG_DIR@|$config_dir|g" -e "s|@JANUS_LIB_DIR@|$janus_lib_dir|g" \
      -e "s|@DEBUG_LEVEL@|$debug_level|g" -e "s|@RTP_PORTS@|$rtp_ports|g" -e "s|@HTTP_PORT@|$port|g" \
      "$template" > "$config_dir/$name"
done

launcher=()
[[ -n "$cpu" ]] && launcher=(taskset -c "$cpu")
log_file="$state_dir/janus.log"
# setsid: Janus gets its own process group, so a Ctrl-C of the caller's
# terminal does not reach it before the caller's own clean-up runs.
setsid "${launcher[@]}" "$janus_bin" --config="$config_dir/janus.jcfg" --configs-folder="$config_dir" \
  --disable-colors --debug-timestamps > "$log_file" 2>&1 < /dev/null &
pid=$!
echo "$pid" > "$pid_file"

for _ in $(seq 1 $((ready_timeout_s * 10))); do
  if ! kill -0 "$pid" 2>/dev/null; then
    echo "start.sh: Janus exited during start-up. The end of $log_file:" >&2
    tail -n 20 "$log_file" >&2
    rm -f "$pid_file"
    exit 1
  fi
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/janus/info" 2>/dev/null; then
    echo "$pid $port"
    exit 0
  fi
  sleep 0.1
done
echo "start.sh: Janus did not respond on http://127.0.0.1:$port/janus/info within ${ready_timeout_s} s; see $log_file" >&2
stop_janus
exit 1
