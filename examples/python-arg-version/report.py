"""Prints the exchange rates in data/rates.csv as a table and saves a summary in out/.

The summary is written next to the code (out/summary.txt), so the user the image runs as must
own the app folder: the Dockerfile gives it to appuser with chown.
"""

import csv
import os
import sys

from tabulate import tabulate

HERE = os.path.dirname(os.path.abspath(__file__))


def load_rates(path):
    with open(path, newline="") as f:
        return [(row["currency"], float(row["rate"])) for row in csv.DictReader(f)]


def summary(rates):
    strongest = min(rates, key=lambda r: r[1])
    weakest = max(rates, key=lambda r: r[1])
    return f"{len(rates)} currencies; strongest {strongest[0]}, weakest {weakest[0]}"


def main():
    rates = load_rates(os.path.join(HERE, "data", "rates.csv"))
    print(tabulate(rates, headers=["currency", "per EUR"], floatfmt=".2f"))
    out = os.path.join(HERE, "out")
    os.makedirs(out, exist_ok=True)
    line = summary(rates)
    with open(os.path.join(out, "summary.txt"), "w") as f:
        f.write(line + "\n")
    print(line)
    print(f"python {sys.version_info.major}.{sys.version_info.minor}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
