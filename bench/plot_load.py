#!/usr/bin/env python3
"""Plot the CSV time series of `sightline load --csv FILE` as a PNG chart.

Three panels against time: calls with relay and generator CPU, loss, and
one-way latency percentiles. Needs python3-matplotlib (Debian package).

Usage: bench/plot_load.py load.csv [--output load.png]
"""
import argparse
import csv
import sys


def read_rows(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def column(rows, name):
    return [float(row[name]) for row in rows]


def main():
    parser = argparse.ArgumentParser(description="Plot a load generator CSV as a PNG chart.")
    parser.add_argument("csv_path", help="CSV written by sightline load --csv")
    parser.add_argument("--output", help="PNG to write; default: the CSV path with .png")
    args = parser.parse_args()

    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        sys.exit("error: matplotlib is missing: install the Debian package python3-matplotlib")

    rows = read_rows(args.csv_path)
    if not rows:
        sys.exit(f"error: {args.csv_path} has no data rows")
    output = args.output or args.csv_path.rsplit(".", 1)[0] + ".png"
    seconds = column(rows, "second")

    figure, (cpu_axis, loss_axis, latency_axis) = plt.subplots(3, 1, sharex=True, figsize=(9, 9))
    calls_axis = cpu_axis.twinx()
    cpu_axis.plot(seconds, column(rows, "relay_cpu_percent"), label="relay CPU %")
    cpu_axis.plot(seconds, column(rows, "generator_cpu_percent"), label="generator CPU %")
    calls_axis.step(seconds, column(rows, "calls"), where="post", color="black", label="calls")
    cpu_axis.set_ylabel("CPU (% of one core)")
    calls_axis.set_ylabel("calls")
    cpu_axis.legend(loc="upper left")
    calls_axis.legend(loc="upper right")

    loss_axis.plot(seconds, column(rows, "loss_percent"), color="tab:red")
    loss_axis.set_ylabel("loss (%)")

    latency_axis.plot(seconds, column(rows, "latency_p50_ms"), label="p50")
    latency_axis.plot(seconds, column(rows, "latency_p99_ms"), label="p99")
    latency_axis.set_ylabel("one-way latency (ms)")
    latency_axis.set_xlabel("time (s)")
    latency_axis.legend(loc="upper left")

    figure.tight_layout()
    figure.savefig(output, dpi=100)
    print(output)


if __name__ == "__main__":
    main()
