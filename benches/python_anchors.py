#!/usr/bin/env python3
"""Per-send cost of Django 5's and blinker's dispatchers, for BENCHMARKS.md.

The same cases as the Rust benches: n = 0, 1, 10 and 100 receivers, each
passing its argument on (here: returning it), measured side by side with the
Python floor (a list of the same functions called in a loop), so the
interesting number is the ratio, not the nanoseconds.

    python3 -m venv /tmp/anchors && /tmp/anchors/bin/pip install 'django>=5,<6' blinker
    /tmp/anchors/bin/python benches/python_anchors.py

Prints a Markdown table: median ns per send over 7 repeats of timeit.
"""

import platform
import statistics
import timeit
from importlib.metadata import version

import blinker
import django
from django.conf import settings

settings.configure()  # Signal needs no app, but Django wants settings configured.
from django.dispatch import Signal  # noqa: E402  (after settings)

REPEATS = 7
CASES = (0, 1, 10, 100)


def make_receivers(n):
    receivers = []
    for i in range(n):
        # Distinct function objects, as Django keys receivers by identity.
        def receiver(sender=None, value=None, _i=i, **kwargs):
            return value

        receivers.append(receiver)
    return receivers


class Sender:
    pass


def median_ns(statement, number):
    times = timeit.repeat(statement, number=number, repeat=REPEATS)
    return statistics.median(times) / number * 1e9


def measure(n):
    receivers = make_receivers(n)

    django_signal = Signal()
    for r in receivers:
        django_signal.connect(r, weak=False)

    blinker_signal = blinker.Signal()
    for r in receivers:
        blinker_signal.connect(r, weak=False)

    def floor():
        return [r(sender=Sender, value=1) for r in receivers]

    number = 20_000 if n <= 10 else 2_000
    return {
        "floor": median_ns(floor, number),
        "django": median_ns(lambda: django_signal.send(sender=Sender, value=1), number),
        "blinker": median_ns(lambda: blinker_signal.send(Sender, value=1), number),
    }


def main():
    print(
        f"Python {platform.python_version()}, Django {django.__version__}, "
        f"blinker {version('blinker')}"
    )
    print()
    print("| receivers | Python floor (ns) | Django `send` (ns) | ratio | blinker `send` (ns) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    results = {n: measure(n) for n in CASES}
    one = results[1]["floor"]
    for n, r in results.items():
        # n = 0 is compared with the floor at n = 1, as in the Rust tables.
        base = r["floor"] if n else one
        print(
            f"| {n} | {r['floor']:.0f} | {r['django']:.0f} | {r['django'] / base:.2f} "
            f"| {r['blinker']:.0f} | {r['blinker'] / base:.2f} |"
        )


if __name__ == "__main__":
    main()
