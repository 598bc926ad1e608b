from app import days, render


def test_days_across_years():
    assert days("2024-12-30", "2025-01-04") == 5


def test_days_free_form_dates():
    assert days("March 20 2024", "April 2 2024") == 13


def test_render_has_header_and_rows():
    out = render()
    assert out.splitlines()[0].startswith("| trip")
    assert "| Lisbon" in out
