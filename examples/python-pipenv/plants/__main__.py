import sys
from datetime import date

from tabulate import tabulate

from .schedule import schedule


def main(argv: list[str]) -> int:
    today = date.fromisoformat(argv[0]) if argv else date(2024, 3, 4)
    print(f"Watering schedule from {today.isoformat()}")
    print(tabulate(schedule(today), headers=["plant", "next", "in days"], tablefmt="github"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
