// Analysis cost per frame at the layer sizes analysis decodes (320x180 and
// 640x360). The foreman clip is scaled, encoded and then decoded with the
// pipeline's decoder. A sampled frame also gets a thumbnail and a pool copy.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <string>
#include <vector>

#include "analysis/frame_buffer_pool.h"
#include "analysis/scene_change.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/y4m_reader.h"

namespace {

using namespace sightline;

// The shared test data sits beside the repository, as for the tests, unless
// the build defines SIGHTLINE_SHARED_DIR.
#ifdef SIGHTLINE_SHARED_DIR
const std::string kSharedDir = SIGHTLINE_SHARED_DIR;
#else
const std::string kSharedDir = std::filesystem::path(__FILE__).parent_path().string() + "/../../shared";
#endif
const std::string kForemanPath = kSharedDir + "/testdata/video/talking_foreman_cif_15fps_4.3s.y4m";

// Nearest-neighbour scaling, enough to give the encoder real content at the
// benchmark's size.
void scale(const media::I420Frame& source, media::I420Frame& target, int width, int height) {
  target.resize(width, height);
  auto plane = [](ByteView from, int from_width, int from_height, MutableByteView to, int to_width, int to_height) {
    for (int y = 0; y < to_height; ++y) {
      for (int x = 0; x < to_width; ++x) {
        to[static_cast<size_t>(y * to_width + x)] =
            from[static_cast<size_t>((y * from_height / to_height) * from_width + x * from_width / to_width)];
      }
    }
  };
  plane(source.y(), source.width, source.height, target.y(), width, height);
  plane(source.u(), source.chroma_width(), source.chroma_height(), target.u(), target.chroma_width(), target.chroma_height());
  plane(source.v(), source.chroma_width(), source.chroma_height(), target.v(), target.chroma_width(), target.chroma_height());
}

// The foreman clip encoded at `width` x `height`, 15 fps, one keyframe first.
std::vector<std::vector<uint8_t>> encode_foreman(int width, int height, int bitrate_kbps, std::string& error) {
  std::vector<std::vector<uint8_t>> frames;
  auto reader = media::Y4mReader::open(kForemanPath, false, error);
  if (reader == nullptr) return frames;
  media::Vp8EncoderConfig config;
  config.width = width;
  config.height = height;
  config.target_bitrate_kbps = bitrate_kbps;
  auto encoder = media::Vp8Encoder::create(config, error);
  if (encoder == nullptr) return frames;

  media::I420Frame source;
  media::I420Frame scaled;
  std::vector<media::EncodedFrame> encoded;
  int64_t pts = 0;
  while (reader->read_frame(source)) {
    scale(source, scaled, width, height);
    if (!encoder->encode(scaled, pts, encoded)) break;
    for (const auto& frame : encoded) frames.push_back(frame.bytes);
    pts += media::kVp8TimestampHz / 15;
  }
  return frames;
}

analysis::FrameView view_of(const media::I420Frame& frame) {
  return analysis::FrameView{frame.y().data(), frame.u().data(), frame.v().data(), frame.width,
                             frame.chroma_width(), frame.width, frame.height};
}

// Decodes every frame of the clip in order, as analysis does for the chosen
// layer; one iteration is one frame.
void BM_DecodeFrame(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  const int height = static_cast<int>(state.range(1));
  std::string error;
  const auto frames = encode_foreman(width, height, static_cast<int>(state.range(2)), error);
  if (frames.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto decoder = media::Vp8Decoder::create(error);
  media::I420Frame decoded;
  size_t next = 0;
  for (auto _ : state) {
    if (next == frames.size()) {
      // Start over at the keyframe with a fresh decoder state.
      state.PauseTiming();
      decoder = media::Vp8Decoder::create(error);
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(decoder->decode(frames[next++], decoded).status);
  }
  state.SetLabel(std::to_string(width) + "x" + std::to_string(height));
}
BENCHMARK(BM_DecodeFrame)->Args({320, 180, 250})->Args({640, 360, 600})->Unit(benchmark::kMicrosecond);

// Measures the extra cost of a sampled frame after decoding: the scene
// thumbnail and the copy into a MADV_DONTDUMP pool buffer.
void BM_SampleFrame(benchmark::State& state) {
  const int width = static_cast<int>(state.range(0));
  const int height = static_cast<int>(state.range(1));
  media::I420Frame frame;
  frame.resize(width, height);
  for (size_t i = 0; i < frame.data.size(); ++i) frame.data[i] = static_cast<uint8_t>(i * 7);
  analysis::FrameBufferPool pool(1, width, height);
  const int buffer = pool.acquire();
  for (auto _ : state) {
    benchmark::DoNotOptimize(analysis::make_thumbnail(view_of(frame)).cells[0]);
    benchmark::DoNotOptimize(pool.store(buffer, view_of(frame)).y);
  }
}
BENCHMARK(BM_SampleFrame)->Args({320, 180})->Args({640, 360})->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
