#!/usr/bin/env bash
# Runs a command in a new network namespace whose only traffic stays on
# 127.0.0.1: lo, plus a veth pair named lojanus that also carries
# 127.0.0.1/32. Janus 1.1 skips interfaces flagged as loopback when it
# gathers ICE candidates (and fails with "Error gathering candidates" when
# nothing else is left), so without the veth its only candidates would be
# the machine's other addresses. The namespace has no route anywhere else.
# Needs root (or CAP_SYS_ADMIN and CAP_NET_ADMIN) for unshare and ip.
#
#   bench/janus/netns.sh COMMAND [ARGUMENTS...]
set -euo pipefail
if [[ $# -eq 0 ]]; then
  echo "netns.sh: no command given (usage: bench/janus/netns.sh COMMAND [ARGUMENTS...])" >&2
  exit 2
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
