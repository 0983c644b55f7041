// Analysis cost per frame, single-threaded (cv::setNumThreads(1)): VP8
// decoding at the sizes analysis decodes, each detector and its models, and
// the whole path of one analysed frame. Frames come from the clips that
// scripts/setup.sh prepares in .cache/media (foreman CIF and the phone clip),
// encoded with the project's encoder as a peer sends them.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

#include "analysis/dress_detector.h"
#include "analysis/frame_buffer_pool.h"
#include "analysis/model_blazeface.h"
#include "analysis/model_files.h"
#include "analysis/model_input.h"
#include "analysis/model_nanodet.h"
#include "analysis/model_nsfw.h"
#include "analysis/recording_device_detector.h"
#include "analysis/scene_change.h"
#include "analysis/skin_evidence.h"
#include "tools/media/vp8_decoder.h"
#include "tools/media/vp8_encoder.h"
#include "tools/media/y4m_reader.h"

namespace {

using namespace sightline;

const std::filesystem::path kSourceDir = SIGHTLINE_SOURCE_DIR;
const std::string kForemanPath = (kSourceDir / ".cache/media/foreman_cif_15fps.y4m").string();
const std::string kPhonePath = (kSourceDir / ".cache/media/phone_raise_640x352.y4m").string();

enum Clip : int64_t { kForeman = 0, kPhone = 1 };

const std::string& clip_path(int64_t clip) { return clip == kPhone ? kPhonePath : kForemanPath; }

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

// A clip encoded at `width` x `height` (0 keeps the clip's own size), 15 fps,
// one keyframe first.
struct EncodedClip {
  int width = 0;
  int height = 0;
  std::vector<std::vector<uint8_t>> frames;
};

EncodedClip encode_clip(int64_t clip, int width, int height, int bitrate_kbps, std::string& error) {
  EncodedClip result;
  auto reader = media::Y4mReader::open(clip_path(clip), false, error);
  if (reader == nullptr) return result;
  result.width = width > 0 ? width : reader->width();
  result.height = height > 0 ? height : reader->height();
  media::Vp8EncoderConfig config;
  config.width = result.width;
  config.height = result.height;
  config.target_bitrate_kbps = bitrate_kbps;
  auto encoder = media::Vp8Encoder::create(config, error);
  if (encoder == nullptr) return result;

  media::I420Frame source;
  media::I420Frame scaled;
  std::vector<media::EncodedFrame> encoded;
  int64_t pts = 0;
  while (reader->read_frame(source)) {
    const media::I420Frame* input = &source;
    if (source.width != result.width || source.height != result.height) {
      scale(source, scaled, result.width, result.height);
      input = &scaled;
    }
    if (!encoder->encode(*input, pts, encoded)) break;
    for (const auto& frame : encoded) result.frames.push_back(frame.bytes);
    pts += media::kVp8TimestampHz / 15;
  }
  return result;
}

analysis::FrameView view_of(const media::I420Frame& frame) {
  return analysis::FrameView{frame.y().data(), frame.u().data(), frame.v().data(), frame.width,
                             frame.chroma_width(), frame.width, frame.height};
}

// One decoded frame of a clip at its own size, as analysis holds it.
media::I420Frame decoded_frame(int64_t clip, int index, std::string& error) {
  media::I420Frame frame;
  auto reader = media::Y4mReader::open(clip_path(clip), false, error);
  if (reader == nullptr) return frame;
  for (int i = 0; i <= index; ++i) {
    if (!reader->read_frame(frame)) {
      error = "the clip has fewer than " + std::to_string(index + 1) + " frames";
      return media::I420Frame{};
    }
  }
  return frame;
}

std::filesystem::path models() { return analysis::models_directory("", kSourceDir); }

// The detectors' frame: foreman frame 30 (a talking head) or phone clip frame
// 50 (a phone raised in front of a screen).
int sample_index(int64_t clip) { return clip == kPhone ? 50 : 30; }

std::string size_label(int width, int height) { return std::to_string(width) + "x" + std::to_string(height); }

// Decodes every frame of the clip in order, as analysis does for the chosen
// layer; one iteration is one frame. Args: clip, width, height (0 = the
// clip's size), bitrate in kbps.
void BM_DecodeFrame(benchmark::State& state) {
  std::string error;
  const EncodedClip clip = encode_clip(state.range(0), static_cast<int>(state.range(1)),
                                       static_cast<int>(state.range(2)), static_cast<int>(state.range(3)), error);
  if (clip.frames.empty()) {
    state.SkipWithError(error.c_str());
    return;
  }
  auto decoder = media::Vp8Decoder::create(error);
  media::I420Frame decoded;
  size_t next = 0;
  for (auto _ : state) {
    if (next == clip.frames.size()) {
      // Start over at the keyframe with a fresh decoder state.
      state.PauseTiming();
      decoder = media::Vp8Decoder::create(error);
      next = 0;
      state.ResumeTiming();
    }
    benchmark::DoNotOptimize(decoder->decode(clip.frames[next++], decoded).status);
  }
  state.SetLabel(std::string(state.range(0) == kPhone ? "phone " : "foreman ") + size_label(clip.width, clip.height));
}
BENCHMARK(BM_DecodeFrame)
    ->Args({kForeman, 320, 180, 250})
    ->Args({kForeman, 0, 0, 600})
    ->Args({kPhone, 0, 0, 600})
    ->Unit(benchmark::kMicrosecond);

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
BENCHMARK(BM_SampleFrame)->Args({320, 180})->Args({352, 288})->Args({640, 352})->Unit(benchmark::kMicrosecond);

// Runs `body` on one frame of a clip with OpenCV on one thread.
template <typename Body>
void run_on_frame(benchmark::State& state, Body&& body) {
  cv::setNumThreads(1);
  std::string error;
  const media::I420Frame frame = decoded_frame(state.range(0), sample_index(state.range(0)), error);
  if (frame.width == 0) {
    state.SkipWithError(error.c_str());
    return;
  }
  try {
    body(view_of(frame));
  } catch (const std::exception& failure) {
    state.SkipWithError(failure.what());
    return;
  }
  state.SetLabel(std::string(state.range(0) == kPhone ? "phone " : "foreman ") + size_label(frame.width, frame.height));
}

void BM_FrameToBgr(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    for (auto _ : state) benchmark::DoNotOptimize(analysis::frame_to_bgr(frame).data);
  });
}
BENCHMARK(BM_FrameToBgr)->Arg(kForeman)->Arg(kPhone)->Unit(benchmark::kMillisecond);

// One NanoDet inference (letterbox, normalisation, forward, decoding, NMS).
// Args: clip, input size (320 or 416).
void BM_NanoDet(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    const int input_size = static_cast<int>(state.range(1));
    analysis::NanoDet nanodet(analysis::require_model_file(models(), input_size == 320 ? analysis::kNanoDetSmallModelFile
                                                                                        : analysis::kNanoDetModelFile),
                              input_size);
    const cv::Mat bgr = analysis::frame_to_bgr(frame);
    static constexpr int kWanted[] = {analysis::kCocoPerson, analysis::kCocoCellPhone};
    for (auto _ : state) benchmark::DoNotOptimize(nanodet.detect(bgr, kWanted, 0.2f).size());
  });
}
BENCHMARK(BM_NanoDet)->Args({kForeman, 320})->Args({kForeman, 416})->Unit(benchmark::kMillisecond);

void BM_NsfwClassifier(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::NsfwClassifier classifier(analysis::require_model_file(models(), analysis::kNsfwModelFile));
    const cv::Mat bgr = analysis::frame_to_bgr(frame);
    for (auto _ : state) benchmark::DoNotOptimize(classifier.classify(bgr).sexy);
  });
}
BENCHMARK(BM_NsfwClassifier)->Arg(kForeman)->Unit(benchmark::kMillisecond);

void BM_SkinEvidence(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    const cv::Mat bgr = analysis::frame_to_bgr(frame);
    const cv::Rect person(bgr.cols / 4, bgr.rows / 8, bgr.cols / 2, bgr.rows * 7 / 8);
    for (auto _ : state) benchmark::DoNotOptimize(analysis::measure_skin(bgr, person).lower_fraction);
  });
}
BENCHMARK(BM_SkinEvidence)->Arg(kForeman)->Unit(benchmark::kMillisecond);

void BM_BlazeFace(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::BlazeFace blazeface(models());
    const cv::Mat bgr = analysis::frame_to_bgr(frame);
    for (auto _ : state) benchmark::DoNotOptimize(blazeface.detect(bgr, analysis::kMinFaceScore).size());
  });
}
BENCHMARK(BM_BlazeFace)->Arg(kForeman)->Arg(kPhone)->Unit(benchmark::kMillisecond);

// The recording device detector from the I420 frame, at its defaults but
// for face evidence. Args: clip, face evidence (0 or 1). BlazeFace runs only
// on a frame with a raised phone candidate.
void BM_RecordingDeviceDetector(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::RecordingDeviceOptions options;
    options.face_evidence = state.range(1) != 0;
    analysis::RecordingDeviceDetector detector(models(), options);
    for (auto _ : state) benchmark::DoNotOptimize(detector.detect(frame).score);
  });
}
BENCHMARK(BM_RecordingDeviceDetector)
    ->Args({kForeman, 0})
    ->Args({kForeman, 1})
    ->Args({kPhone, 0})
    ->Args({kPhone, 1})
    ->Unit(benchmark::kMillisecond);

// The recording device detector on a track, every run routine: whole-frame
// passes every full_pass_every runs and the head pass alone in between, so
// the time per iteration is the average over a cycle. Args: clip,
// full_pass_every.
void BM_RecordingDeviceOnTrack(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::RecordingDeviceOptions options;
    options.full_pass_every = static_cast<int>(state.range(1));
    analysis::RecordingDeviceDetector detector(models(), options);
    const auto memory = detector.make_track_state();
    for (auto _ : state) benchmark::DoNotOptimize(detector.detect_on_track(frame, memory.get(), analysis::RunReason::routine).score);
  });
}
BENCHMARK(BM_RecordingDeviceOnTrack)
    ->Args({kForeman, 1})
    ->Args({kForeman, 3})
    ->Args({kPhone, 3})
    ->Iterations(12)
    ->Unit(benchmark::kMillisecond);

// The dress detector with the classifier skipped where the skin evidence
// caps the score below the alert threshold (0.5), as serve runs it.
void BM_DressDetectorSkinGated(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::DressOptions options;
    options.classifier_min_score = 0.5f;
    analysis::DressDetector detector(models(), options);
    for (auto _ : state) benchmark::DoNotOptimize(detector.detect(frame).score);
  });
}
BENCHMARK(BM_DressDetectorSkinGated)->Arg(kForeman)->Arg(kPhone)->Unit(benchmark::kMillisecond);

// The dress detector at its defaults, from the I420 frame.
void BM_DressDetector(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::DressDetector detector(models(), analysis::DressOptions{});
    for (auto _ : state) benchmark::DoNotOptimize(detector.detect(frame).score);
  });
}
BENCHMARK(BM_DressDetector)->Arg(kForeman)->Arg(kPhone)->Unit(benchmark::kMillisecond);

// One analysed frame end to end: the thumbnail, the pool copy and both
// detectors, as AnalysisWorker runs them on a sampled frame (decoding is
// BM_DecodeFrame, paid for every frame whether sampled or not).
void BM_AnalysedFrame(benchmark::State& state) {
  run_on_frame(state, [&](const analysis::FrameView& frame) {
    analysis::RecordingDeviceDetector recording(models(), analysis::RecordingDeviceOptions{});
    analysis::DressDetector dress(models(), analysis::DressOptions{});
    analysis::FrameBufferPool pool(1, frame.width, frame.height);
    const int buffer = pool.acquire();
    for (auto _ : state) {
      benchmark::DoNotOptimize(analysis::make_thumbnail(frame).cells[0]);
      const analysis::FrameView stored = pool.store(buffer, frame);
      benchmark::DoNotOptimize(recording.detect(stored).score);
      benchmark::DoNotOptimize(dress.detect(stored).score);
    }
  });
}
BENCHMARK(BM_AnalysedFrame)->Arg(kForeman)->Arg(kPhone)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
