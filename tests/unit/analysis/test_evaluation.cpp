// Runs the detectors over the shared labelled photographs and checks the
// quality figures against the targets (recall >= 0.8, false alarms <= 10%).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include <opencv2/core.hpp>

#include "analysis/evaluation.h"
#include "analysis/model_blazeface.h"
#include "analysis/model_files.h"
#include "analysis/model_nanodet.h"

namespace sightline::analysis {
namespace {

const std::filesystem::path kImages = std::filesystem::path(SIGHTLINE_SHARED_DIR) / "testdata" / "images";

TEST(Manifest, ParsesFileAndLabel) {
  std::istringstream input("file\tlabel\tsource\na/b.jpg\tphone_held_up\tx\n\nc.png\tdress_ok_hard\n");
  const auto entries = parse_manifest(input, "test.tsv");
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].file, "a/b.jpg");
  EXPECT_EQ(entries[0].label, "phone_held_up");
  EXPECT_EQ(entries[1].file, "c.png");
  EXPECT_EQ(entries[1].label, "dress_ok_hard");
}

TEST(Manifest, RejectsMissingHeader) {
  std::istringstream input("a.jpg\tphone_held_up\n");
  EXPECT_THROW(parse_manifest(input, "test.tsv"), std::runtime_error);
}

TEST(Manifest, NamesBadLine) {
  std::istringstream input("file\tlabel\na.jpg\tphone_held_up\nno-tab-here\n");
  try {
    parse_manifest(input, "test.tsv");
    FAIL() << "expected a parse error";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("test.tsv line 3"), std::string::npos) << error.what();
  }
}

TEST(Manifest, RejectsEmptyLabel) {
  std::istringstream input("file\tlabel\na.jpg\t\tsource\n");
  EXPECT_THROW(parse_manifest(input, "test.tsv"), std::runtime_error);
}

TEST(Report, CountsPositivesAndNegatives) {
  EvaluationReport report;
  report.add({"a", "phone_held_up", {{DetectionKind::recording_device, 0.9f, true}}});
  report.add({"b", "phone_held_up", {{DetectionKind::recording_device, 0.1f, false}}});
  report.add({"c", "no_phone_person", {{DetectionKind::recording_device, 0.5f, true}}});
  report.add({"d", "dress_ok_hard", {{DetectionKind::recording_device, 0.0f, false}}});
  const Counts& counts = report.counts(DetectionKind::recording_device);
  EXPECT_EQ(counts.true_positives, 1);
  EXPECT_EQ(counts.false_negatives, 1);
  EXPECT_EQ(counts.false_positives, 1);
  EXPECT_EQ(counts.true_negatives, 1);
  EXPECT_DOUBLE_EQ(counts.recall(), 0.5);
  EXPECT_DOUBLE_EQ(counts.precision(), 0.5);
  EXPECT_DOUBLE_EQ(counts.false_alarm_rate(), 0.5);
  EXPECT_EQ(report.flagged_by_label(DetectionKind::recording_device, "no_phone_person"), std::make_pair(1, 1));
}

TEST(Positives, FollowLabels) {
  EXPECT_TRUE(is_positive(DetectionKind::recording_device, "phone_held_up"));
  EXPECT_FALSE(is_positive(DetectionKind::recording_device, "phone_visible_other"));
  EXPECT_TRUE(is_positive(DetectionKind::inappropriate_dress, "swimwear_or_underwear"));
  EXPECT_TRUE(is_positive(DetectionKind::inappropriate_dress, "dress_breach_hard"));
  EXPECT_FALSE(is_positive(DetectionKind::inappropriate_dress, "dress_ok_hard"));
}

// The targets: recall >= 0.8 on positives with false alarms on at most 10% of
// all other images, per detector. All four are met (recording device 0.84
// at 0.09, dress 0.85 at 0.08, docs/models.md) and asserted.
constexpr double kTargetRecall = 0.8;
constexpr double kTargetFalseAlarms = 0.10;

TEST(Evaluation, QualityOnSharedImages) {
  const std::filesystem::path models = models_directory("", SIGHTLINE_SOURCE_DIR);
  bool have_models = std::filesystem::exists(models / kNanoDetModelFile) &&
                     std::filesystem::exists(models / kBlazeFaceModelFile);
  for (const cv::Size& shape : kNanoDetShapes320) {
    have_models = have_models && std::filesystem::exists(models / nanodet_model_file(shape));
  }
  if (!std::filesystem::exists(kImages / "MANIFEST.tsv") || !have_models) {
    GTEST_SKIP() << "needs " << kImages << " and models in " << models << " (tools/models/import.sh)";
  }
  cv::setNumThreads(2);
  const EvaluationReport report = run_evaluation({kImages, {}, models, 0}, nullptr);
  std::printf("%s", report.to_text().c_str());

  const Counts& device = report.counts(DetectionKind::recording_device);
  const Counts& dress = report.counts(DetectionKind::inappropriate_dress);
  EXPECT_EQ(device.true_positives + device.false_negatives, 32);
  EXPECT_EQ(dress.true_positives + dress.false_negatives, 26);
  EXPECT_LE(device.false_alarm_rate(), kTargetFalseAlarms);
  EXPECT_LE(dress.false_alarm_rate(), kTargetFalseAlarms);
  EXPECT_GE(device.recall(), kTargetRecall);
  EXPECT_GE(dress.recall(), kTargetRecall);
}

}  // namespace
}  // namespace sightline::analysis
