"""Trip lengths, printed as a table."""
from dateutil import parser
from tabulate import tabulate

TRIPS = [
    ("Lisbon", "2024-03-01", "2024-03-09"),
    ("Kyoto", "March 20 2024", "April 2 2024"),
    ("Oslo", "2024-12-30", "2025-01-04"),
]


def days(start, end):
    return (parser.parse(end) - parser.parse(start)).days


def render(trips=TRIPS):
    rows = [(name, days(start, end)) for name, start, end in trips]
    return tabulate(rows, headers=["trip", "days"], tablefmt="github")
