#!/usr/bin/env bash
# Installs what Sightline needs on Debian 12 (only what is missing), builds it,
# and prepares the test media. Used by demo.sh and test.sh.
#
#   scripts/setup.sh [--build-type Release|Debug] [--build-dir DIR] [--no-build] [--with-janus]
#
# --with-janus also installs Debian's janus package, which bench/compare and
# the Janus load test start on loopback with their own configuration. Its
# own system service is stopped and disabled, so it listens nowhere.
set -euo pipefail

repo_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build_type=Release
build_dir="$repo_dir/build"
do_build=1
with_janus=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --build-type) build_type="$2"; shift 2 ;;
    --build-dir) build_dir="$2"; shift 2 ;;
    --no-build) do_build=0; shift ;;
    --with-janus) with_janus=1; shift ;;
    *) echo "setup.sh: unknown option '$1' (expected --build-type, --build-dir, --no-build or --with-janus)" >&2; exit 2 ;;
  esac
done

packages=(
  build-essential cmake ninja-build pkg-config clang libclang-rt-14-dev
  libssl-dev libsrtp2-dev libuv1-dev libvpx-dev libopus-dev
  libboost-dev nlohmann-json3-dev libtomlplusplus-dev
  libsqlite3-dev libhowardhinnant-date-dev tzdata
  libpq-dev postgresql libsodium-dev
  libopencv-dev python3-onnx python3-protobuf python3-numpy
  nodejs chromium firefox-esr
  libgtest-dev libgmock-dev libbenchmark-dev
  ffmpeg xz-utils strace
  iproute2
)
[[ $with_janus -eq 1 ]] && packages+=(janus)

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "setup: installing ${missing[*]}"
  if [[ $(id -u) -ne 0 ]]; then
    sudo_cmd=sudo
  else
    sudo_cmd=
  fi
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The package starts Janus as a system service where systemd runs. Sightline
  # starts its own Janus on loopback, so one installed here stays stopped.
  if [[ " ${missing[*]} " == *" janus "* && -d /run/systemd/system ]]; then
    $sudo_cmd systemctl disable --now janus.service >/dev/null 2>&1 ||
      echo "setup: could not stop the janus system service; stop it with: systemctl disable --now janus" >&2
  fi
fi

# The default clip is committed losslessly compressed (FFV1); the peer and the
# tests read raw Y4M, made once here.
media_dir="$repo_dir/.cache/media"
mkdir -p "$media_dir"
if [[ ! -s "$media_dir/foreman_cif_15fps.y4m" ]]; then
  ffmpeg -v error -y -i "$repo_dir/tests/data/foreman_cif_15fps.mkv" -pix_fmt yuv420p -f yuv4mpegpipe \
    "$media_dir/foreman_cif_15fps.y4m.tmp"
  mv "$media_dir/foreman_cif_15fps.y4m.tmp" "$media_dir/foreman_cif_15fps.y4m"
fi
# The shared clip of a phone raised towards a screen, for the demo's
# --caller-video: read from ../shared (its licence does not let us copy it).
phone_clip="$repo_dir/../shared/testdata/video/phone_raise_dtp_demo_640x352_6.6s.mp4"
if [[ -f "$phone_clip" && ! -s "$media_dir/phone_raise_640x352.y4m" ]]; then
  ffmpeg -v error -y -i "$phone_clip" -vf fps=15 -pix_fmt yuv420p -f yuv4mpegpipe \
    "$media_dir/phone_raise_640x352.y4m.tmp"
  mv "$media_dir/phone_raise_640x352.y4m.tmp" "$media_dir/phone_raise_640x352.y4m"
fi

if [[ $do_build -eq 1 ]]; then
  cmake -S "$repo_dir" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" >/dev/null
  cmake --build "$build_dir" -j "$(nproc)"
fi
