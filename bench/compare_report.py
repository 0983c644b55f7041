#!/usr/bin/env python3
"""Write the Sightline and Janus comparison from two `sightline load` runs.

Reads compare_sightline.txt and compare_janus.txt (the output of `sightline
load`: progress lines, then the JSON summary as the last line) from the
results folder and writes compare.md (table),
compare.json (figures) and a chart: compare.png with python3-matplotlib,
otherwise compare.svg written directly.

Usage: bench/compare_report.py --results DIR --command TEXT --cpu K --mode fixed|ramp
"""
import argparse
import datetime
import json
import os
import platform
import sys

SERVERS = ("sightline", "janus")
TITLES = {"sightline": "Sightline (1 media worker)", "janus": "Janus 1.1 VideoRoom"}


def judged_step(summary):
    """The step the figures come from: the largest held, else the last."""
    steps = summary.get("steps", [])
    held = [step for step in steps if step.get("held")]
    if held:
        return max(held, key=lambda step: step["calls"])
    return steps[-1] if steps else {}


def figures(summary):
    step = judged_step(summary)
    calls = step.get("calls", 0)
    cpu_share = step.get("relay_cpu_percent", 0.0) / 100.0
    pps = step.get("forwarded_pps", 0.0)
    return {
        "srtp_profile": summary.get("srtp_profile", ""),
        "video": summary.get("video", {}),
        "calls": calls,
        "calls_held": summary.get("max_calls_held", 0),
        "forwarded_pps": pps,
        "cpu_percent": round(cpu_share * 100, 1),
        "pps_per_core": round(pps / cpu_share) if cpu_share > 0 else 0,
        "cpu_percent_per_call": round(cpu_share * 100 / calls, 2) if calls else 0.0,
        "latency_p50_ms": step.get("latency_p50_ms", 0.0),
        "latency_p99_ms": step.get("latency_p99_ms", 0.0),
        "loss_percent": step.get("loss_percent", 0.0),
        "participants_connected": summary.get("participants_connected", 0),
        "participants_failed": summary.get("participants_failed", 0),
        "generator_cpu_seconds": summary.get("generator_cpu_seconds", 0.0),
        "warnings": summary.get("warnings", []),
    }


def machine_text():
    model = ""
    try:
        with open("/proc/cpuinfo") as handle:
            for line in handle:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model or platform.processor()}"


def video_text(video):
    if not video:
        return "Video: not recorded."
    return (f"Video: VP8 at {video.get('bitrate_kbps', 0)} kbit/s and {video.get('frame_rate', 0):g} frames per "
            f"second ({video.get('width', 0)}x{video.get('height', 0)}), with Opus audio at 50 packets per second.")


def write_markdown(path, data, args):
    rows = [
        ("SRTP profile negotiated", lambda f: f["srtp_profile"] or "(none)"),
        ("calls in the judged step", lambda f: f"{f['calls']}"),
        ("calls held (loss < 1%, p99 < 20 ms)", lambda f: f"{f['calls_held']}"),
        ("forwarded packets per second", lambda f: f"{f['forwarded_pps']:,.0f}"),
        ("server CPU (% of one core)", lambda f: f"{f['cpu_percent']:.1f}"),
        ("forwarded packets per second per core", lambda f: f"{f['pps_per_core']:,}"),
        ("CPU per call (% of one core)", lambda f: f"{f['cpu_percent_per_call']:.2f}"),
        ("added latency p50 (ms)", lambda f: f"{f['latency_p50_ms']:.2f}"),
        ("added latency p99 (ms)", lambda f: f"{f['latency_p99_ms']:.2f}"),
        ("loss (%)", lambda f: f"{f['loss_percent']:.3f}"),
    ]
    s, j = data["sightline"], data["janus"]
    lines = [
        "# Sightline and Janus under the same load",
        "",
        f"Machine: {machine_text()}. Date: {data['date']}. Command: `{args.command}`.",
        "",
        f"Each server ran alone on CPU {args.cpu} (taskset), one after the other; the load generator",
        "ran on the other CPUs. Sightline ran with one media worker; Janus ran its default",
        "configuration (a thread per handle) with the VideoRoom plugin, ICE-lite on loopback.",
        "Each call is two participants sending VP8 and Opus; with Janus each publishes to a room",
        "and subscribes to the other. Forwarded packets are the RTP packets the participants",
        "received, and the server's CPU comes from /proc/<pid>/stat.",
        "",
        video_text(s.get("video", {})),
        "",
        f"| {'':40} | {TITLES['sightline']} | {TITLES['janus']} |",
        "| --- | ---: | ---: |",
    ]
    for name, value in rows:
        lines.append(f"| {name} | {value(s)} | {value(j)} |")
    lines.append("")
    if j["pps_per_core"]:
        lines.append(f"Forwarded packets per second per core, Sightline to Janus: "
                     f"{s['pps_per_core'] / j['pps_per_core']:.2f} to 1.")
        lines.append("")
    for server in SERVERS:
        for warning in data[server]["warnings"]:
            lines.append(f"- {server}: {warning}")
    lines.append("")
    with open(path, "w") as handle:
        handle.write("\n".join(lines))


def write_svg(path, data):
    panels = [
        ("forwarded packets per second per core", "pps_per_core", "{:,.0f}"),
        ("CPU per call (% of one core)", "cpu_percent_per_call", "{:.2f}"),
        ("added latency p99 (ms)", "latency_p99_ms", "{:.2f}"),
        ("calls held", "calls_held", "{:d}"),
    ]
    colours = {"sightline": "#1f77b4", "janus": "#d62728"}
    width, panel_height, bar_height, left = 720, 90, 22, 200
    height = 40 + panel_height * len(panels)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             'font-family="sans-serif" font-size="12">',
             f'<rect width="{width}" height="{height}" fill="white"/>',
             '<text x="10" y="22" font-size="15">Sightline and Janus under the same load</text>']
    for index, (title, key, text_format) in enumerate(panels):
        top = 40 + index * panel_height
        parts.append(f'<text x="10" y="{top + 14}" font-weight="bold">{title}</text>')
        largest = max(data[server][key] for server in SERVERS) or 1
        for row, server in enumerate(SERVERS):
            value = data[server][key]
            y = top + 22 + row * (bar_height + 6)
            bar = (width - left - 110) * value / largest
            parts.append(f'<text x="10" y="{y + 16}">{TITLES[server]}</text>')
            parts.append(f'<rect x="{left}" y="{y}" width="{bar:.1f}" height="{bar_height}" '
                         f'fill="{colours[server]}"/>')
            parts.append(f'<text x="{left + bar + 6:.1f}" y="{y + 16}">{text_format.format(value)}</text>')
    parts.append("</svg>")
    with open(path, "w") as handle:
        handle.write("\n".join(parts) + "\n")


def write_png(path, data):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    panels = [("forwarded packets/s per core", "pps_per_core"), ("CPU per call (% core)", "cpu_percent_per_call"),
              ("added latency p99 (ms)", "latency_p99_ms"), ("calls held", "calls_held")]
    figure, axes = plt.subplots(1, len(panels), figsize=(14, 3.5))
    for axis, (title, key) in zip(axes, panels):
        axis.bar([TITLES[s] for s in SERVERS], [data[s][key] for s in SERVERS], color=["#1f77b4", "#d62728"])
        axis.set_title(title)
        axis.tick_params(axis="x", labelrotation=15)
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True, help="folder with compare_sightline.txt and compare_janus.txt")
    parser.add_argument("--command", default="bench/compare", help="the command line, written into the table")
    parser.add_argument("--cpu", type=int, default=0, help="the CPU both servers were pinned to")
    parser.add_argument("--mode", default="fixed", choices=("fixed", "ramp"))
    args = parser.parse_args()

    data = {"date": datetime.date.today().isoformat(), "mode": args.mode, "cpu": args.cpu, "command": args.command}
    for server in SERVERS:
        source = os.path.join(args.results, f"compare_{server}.txt")
        try:
            with open(source) as handle:
                lines = [line for line in handle.read().splitlines() if line.strip()]
            if not lines:
                raise ValueError("the file is empty: the load run failed")
            data[server] = figures(json.loads(lines[-1]))
        except (OSError, ValueError) as error:
            sys.exit(f"compare_report.py: cannot read {source}: {error}")
    data["sightline_pps_per_core"] = data["sightline"]["pps_per_core"]
    data["janus_pps_per_core"] = data["janus"]["pps_per_core"]
    data["ratio"] = (round(data["sightline_pps_per_core"] / data["janus_pps_per_core"], 2)
                     if data["janus_pps_per_core"] else None)

    with open(os.path.join(args.results, "compare.json"), "w") as handle:
        json.dump(data, handle, indent=2)
        handle.write("\n")
    write_markdown(os.path.join(args.results, "compare.md"), data, args)
    try:
        write_png(os.path.join(args.results, "compare.png"), data)
        chart = "compare.png"
    except ImportError:
        write_svg(os.path.join(args.results, "compare.svg"), data)
        chart = "compare.svg"
    print(f"compare_report.py: wrote compare.md, compare.json and {chart} in {args.results}", file=sys.stderr)


if __name__ == "__main__":
    main()
