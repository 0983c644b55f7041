#!/usr/bin/env bash
# Quick start: installs what is missing, builds in Release and runs the demo
# call (one relay, two synthetic participants on loopback). Options are
# passed to `sightline demo`; try --help.
set -euo pipefail
repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$repo_dir/scripts/setup.sh" --build-type Release >&2
# The detectors' models; without them the demo runs and says analysis is off.
"$repo_dir/tools/models/import.sh" >&2 || echo "demo: the model import failed; analysis is off" >&2
exec "$repo_dir/build/sightline" demo --video "$repo_dir/.cache/media/foreman_cif_15fps.y4m" "$@"
