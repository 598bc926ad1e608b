"""Watering schedule for house plants: every plant every N days from its last watering."""

from datetime import date

from dateutil.relativedelta import relativedelta

PLANTS = [
    ("fern", date(2024, 3, 1), 3),
    ("cactus", date(2024, 2, 20), 14),
    ("basil", date(2024, 3, 2), 1),
    ("monstera", date(2024, 2, 26), 7),
]


def next_watering(last: date, every_days: int, today: date) -> date:
    due = last + relativedelta(days=every_days)
    while due < today:
        due += relativedelta(days=every_days)
    return due


def schedule(today: date) -> list[tuple[str, str, int]]:
    rows = []
    for name, last, every in PLANTS:
        due = next_watering(last, every, today)
        rows.append((name, due.isoformat(), (due - today).days))
    return sorted(rows, key=lambda r: (r[2], r[0]))
