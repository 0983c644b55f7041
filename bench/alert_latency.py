#!/usr/bin/env python3
"""Alert latency over several runs of each clip.

Runs the integration test integration_test_alert_latency once per run and
clip. Each run is one supervised call through a relay on loopback with
analysis at its default settings. The script reads the latencies the test
writes and writes bench/results/alert_latency.json and alert_latency.md:
the median and the worst latency from the arrival of an onset frame at the
relay to the alert, over all runs, and every run's figures.
"""

import argparse
import datetime
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile

CLIPS = {
    "phone_raise_640x352": "AlertLatency.RealClipWithTwoRaises",
    "composed": "AlertLatency.ComposedClipWithKnownOnsets",
}

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(HERE)


def run_once(binary, test, artifact_dir, environment):
    env = dict(environment, SIGHTLINE_ARTIFACT_DIR=artifact_dir)
    result = subprocess.run([binary, f"--gtest_filter={test}"], env=env, capture_output=True, text=True)
    lines = [line for line in result.stdout.splitlines() if not line.startswith("{")]
    return result.returncode, lines


def summarise(values):
    if not values:
        return {"count": 0, "median_ms": None, "worst_ms": None}
    return {"count": len(values), "median_ms": round(statistics.median(values), 1), "worst_ms": round(max(values), 1)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each clip (default 5)")
    parser.add_argument("--build-dir", default=os.path.join(SOURCE, "build"), help="build folder (default build)")
    parser.add_argument("--clips", default=",".join(CLIPS), help="comma-separated clips: " + ", ".join(CLIPS))
    parser.add_argument("--no-terminal-video", action="store_true",
                        help="the terminal sends no video, so analysis serves the caller's track alone")
    parser.add_argument("--output", default=os.path.join(HERE, "results", "alert_latency"),
                        help="output path without extension (default bench/results/alert_latency)")
    args = parser.parse_args()

    binary = os.path.join(args.build_dir, "tests", "integration_test_alert_latency")
    if not os.path.exists(binary):
        sys.exit(f"error: {binary} not found; build it with: ninja -C {args.build_dir} integration_test_alert_latency")
    clips = [clip.strip() for clip in args.clips.split(",") if clip.strip()]
    unknown = [clip for clip in clips if clip not in CLIPS]
    if unknown:
        sys.exit(f"error: unknown clip {', '.join(unknown)}; choose from {', '.join(CLIPS)}")

    environment = dict(os.environ)
    environment.setdefault("SIGHTLINE_MODELS_DIR", os.path.join(SOURCE, ".cache", "models"))
    environment["SIGHTLINE_LATENCY_TERMINAL_VIDEO"] = "0" if args.no_terminal_video else "1"
    report = {
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs",
        "load_average_at_start": [round(value, 2) for value in os.getloadavg()],
        "command": " ".join([os.path.relpath(sys.argv[0], SOURCE)] + sys.argv[1:]),
        "measured": "from the arrival at the relay of the first packet of an event's onset frame to the "
                    "analysis service's alert callback",
        "tracks_analysed": 1 if args.no_terminal_video else 2,
        "clips": {},
    }
    with tempfile.TemporaryDirectory(prefix="sightline-alert-latency-") as scratch:
        for clip in clips:
            runs = []
            for index in range(args.runs):
                artifact_dir = os.path.join(scratch, f"{clip}-{index}")
                status, lines = run_once(binary, CLIPS[clip], artifact_dir, environment)
                artifact = os.path.join(artifact_dir, "alert_latency", f"{clip}.json")
                if not os.path.exists(artifact):
                    print("\n".join(lines[-20:]), file=sys.stderr)
                    sys.exit(f"error: run {index + 1} of {clip} wrote no {artifact} (exit status {status})")
                with open(artifact, encoding="utf-8") as file:
                    figures = json.load(file)
                figures["test_passed"] = status == 0
                runs.append(figures)
                latencies = [raise_["latency_ms"] for raise_ in figures["raises"]]
                print(f"{clip} run {index + 1}/{args.runs}: {figures['events_alerted']} of "
                      f"{figures['events_played']} events alerted ({figures['events_covered']} covered, "
                      f"{figures['events_missed']} missed), latencies "
                      f"{', '.join(f'{value:.0f}' for value in latencies)} ms, "
                      f"{figures['frames_dropped']} samples dropped, test {'passed' if status == 0 else 'FAILED'}",
                      flush=True)
            every = [raise_["latency_ms"] for run in runs for raise_ in run["raises"]]
            first = [raise_["latency_ms"] for run in runs for raise_ in run["raises"] if raise_["event"] == 0]
            report["clips"][clip] = {
                "all_events": summarise(every),
                "first_event": summarise(first),
                "events_played": sum(run["events_played"] for run in runs),
                "events_alerted": sum(run["events_alerted"] for run in runs),
                "events_covered": sum(run["events_covered"] for run in runs),
                "events_missed": sum(run["events_missed"] for run in runs),
                "false_alerts": sum(len(run["false_alerts"]) for run in runs),
                "runs": runs,
            }

    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output + ".json", "w", encoding="utf-8") as file:
        json.dump(report, file, indent=2)
        file.write("\n")
    with open(args.output + ".md", "w", encoding="utf-8") as file:
        file.write(markdown(report))
    print(f"wrote {args.output}.json and {args.output}.md")


def markdown(report):
    lines = [
        "# Alert latency",
        "",
        f"Measured {report['date']} on {report['machine']} (load average at start "
        f"{', '.join(str(value) for value in report['load_average_at_start'])}) with:",
        "",
        "```sh",
        report["command"],
        "```",
        "",
        f"Latency is measured {report['measured']}. Each run is one supervised call on loopback: "
        + ("the caller plays the clip, the terminal the foreman clip (two tracks on one analysis thread), "
           if report["tracks_analysed"] == 2 else
           "the caller plays the clip and the terminal sends no video (one track on the analysis thread), ")
        + "and analysis runs at its defaults "
        "(one thread, 1 sample per second, 4 per second for 3 s after a suspicion, 2 of the last 3 samples raise).",
        "",
        "An event that begins while the alert of the event before is still raised gets no alert of its own "
        "(covered); a missed event got none at all.",
        "",
        "| clip | events | alerted | covered | missed | false alerts | median, all events | worst, all events "
        "| median, first event | worst, first event |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for clip, figures in report["clips"].items():
        every = figures["all_events"]
        first = figures["first_event"]
        lines.append(
            f"| {clip} | {figures['events_played']} | {figures['events_alerted']} | {figures['events_covered']} | "
            f"{figures['events_missed']} | {figures['false_alerts']} | "
            f"{every['median_ms']} ms | {every['worst_ms']} ms | {first['median_ms']} ms | {first['worst_ms']} ms |")
    lines += ["", "## Runs", "", "| clip | run | latencies (ms) | frames after onset | samples analysed | samples dropped |",
              "| --- | --- | --- | --- | --- | --- |"]
    for clip, figures in report["clips"].items():
        for index, run in enumerate(figures["runs"]):
            latencies = ", ".join(f"{raise_['latency_ms']:.0f}" for raise_ in run["raises"])
            frames = ", ".join(str(raise_["frames_after_onset"]) for raise_ in run["raises"])
            lines.append(f"| {clip} | {index + 1} | {latencies} | {frames} | {run['frames_analysed']} | "
                         f"{run['frames_dropped']} |")
    lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
