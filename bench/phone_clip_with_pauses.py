#!/usr/bin/env python3
"""Write the phone clip with a long pause before each raise.

The phone clip (.cache/media/phone_raise_640x352.y4m, 100 frames at 15 fps)
raises a phone twice and puts it down for only 1.7 s in between, so when it
loops every raise after the first starts while the previous suspicion is
still open. This script plays
the frames in which the phone lies on the table (46 to 70) forwards and
backwards three times after each raise, which adds 10 s of natural motion
without a phone. Every raise of the output then starts from a track with no
suspicion open, which is the case the motion stage has to catch.

The output loops every 400 frames (26.7 s). The raises start (first raised
frame, from tests/data/phone_raise_640x352.labels.tsv) at output frames 10
and 224, that is at 667 ms and 14933 ms of each loop.
"""

import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_INPUT = os.path.join(os.path.dirname(HERE), ".cache", "media", "phone_raise_640x352.y4m")
FRAME_COUNT = 100
FRAME_MARKER = b"FRAME\n"


def read_y4m(path):
    """Return the stream header and the frames of a Y4M file without frame parameters."""
    with open(path, "rb") as source:
        header = source.readline()
        fields = header.split()
        width = int(next(f for f in fields if f.startswith(b"W"))[1:])
        height = int(next(f for f in fields if f.startswith(b"H"))[1:])
        frame_size = width * height * 3 // 2
        frames = []
        while True:
            marker = source.readline()
            if not marker:
                break
            if marker != FRAME_MARKER:
                raise ValueError(f"{path}: frame {len(frames)} has parameters or a damaged header: {marker[:40]!r}")
            frame = source.read(frame_size)
            if len(frame) != frame_size:
                raise ValueError(f"{path}: frame {len(frames)} is truncated")
            frames.append(frame)
    return header, frames


def frame_order():
    """Return the source frame numbers of one loop of the output."""
    pause = []
    for _ in range(3):
        pause += list(range(46, 71)) + list(range(70, 45, -1))
    return list(range(0, 46)) + pause + list(range(46, 100)) + pause


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", default=DEFAULT_INPUT, help="the phone clip as Y4M (default: %(default)s)")
    parser.add_argument("output", help="the Y4M file to write")
    args = parser.parse_args()

    header, frames = read_y4m(args.input)
    if len(frames) != FRAME_COUNT:
        sys.exit(f"{args.input}: expected {FRAME_COUNT} frames, found {len(frames)}; "
                 "convert the shared clip at 15 fps as scripts/setup.sh does")
    with open(args.output, "wb") as output:
        output.write(header)
        for number in frame_order():
            output.write(FRAME_MARKER)
            output.write(frames[number])


if __name__ == "__main__":
    main()
