#!/usr/bin/env bash
# Runs a command in a new network namespace whose only traffic stays on
# 127.0.0.1: lo, plus a veth pair named lojanus that also carries
# 127.0.0.1/32. Janus 1.1 skips interfaces flagged as loopback when it
# gathers ICE candidates (and fails with "Error gathering candidates" when
# nothing else is left), so without the veth its only candidates would be
# the machine's other addresses. The namespace has no route anywhere else.
# Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) for unshare and ip.
# Without them, --or-run-outside runs the command as it is, outside any
# namespace (the Janus load test then skips and says why); otherwise it fails.
#
#   bench/janus/netns.sh [--or-run-outside] COMMAND [ARGUMENTS...]
set -euo pipefail
or_run_outside=0
if [[ "${1:-}" == "--or-run-outside" ]]; then
  or_run_outside=1
  shift
fi
if [[ $# -eq 0 ]]; then
  echo "netns.sh: no command given (usage: bench/janus/netns.sh [--or-run-outside] COMMAND [ARGUMENTS...])" >&2
  exit 2
fi
if [[ $or_run_outside -eq 1 ]] && ! unshare --net -- ip link add probe0 type veth peer name probe1 \
    >/dev/null 2>&1; then
  echo "netns.sh: cannot create a network namespace with a veth pair here (needs root); running outside one" >&2
  exec "$@"
fi
exec unshare --net -- bash -c '
  set -euo pipefail
  ip link set lo up
  ip link add lojanus type veth peer name lojanus-peer
  ip addr add 127.0.0.1/32 dev lojanus
  ip link set lojanus up
  ip link set lojanus-peer up
  export SIGHTLINE_LOOPBACK_NETNS=1
  exec "$@"' netns.sh "$@"
