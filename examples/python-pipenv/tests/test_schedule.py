from datetime import date

from plants.schedule import next_watering, schedule


def test_next_watering_rolls_forward():
    assert next_watering(date(2024, 3, 1), 3, date(2024, 3, 5)) == date(2024, 3, 7)


def test_due_today_counts_as_zero_days():
    rows = dict((name, days) for name, _, days in schedule(date(2024, 3, 5)))
    assert rows["basil"] == 0
    assert rows["cactus"] == 0
    assert rows["fern"] == 2


def test_sorted_by_days_then_name():
    rows = schedule(date(2024, 3, 4))
    assert [r[2] for r in rows] == sorted(r[2] for r in rows)
