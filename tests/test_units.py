"""Time units of service read from descriptors and queries."""
import pytest

from index.units import conflicts, descriptor_units, query_units


@pytest.mark.parametrize("text, units", [
    ("Crisis intervention service, per 15 minutes", {"15 minutes"}),
    ("Crisis intervention mental health services, per hour", {"hour"}),
    ("Day care services, adult; per diem", {"day"}),
    ("Day care services, adult; per half day", {"half day"}),
    ("Psychotherapy for crisis, first 60 minutes", {"hour"}),
    ("Case management, per month", {"month"}),
    ("Hospital bed, semi-electric (head and foot adjustment)", set()),
])
def test_descriptor_units(text, units):
    assert descriptor_units(text) == units


@pytest.mark.parametrize("text, units", [
    ("respite 15 min", {"15 minutes"}),
    ("respite 15-minute units", {"15 minutes"}),
    ("a quarter hour of peer support", {"15 minutes"}),
    ("whole day at the adult day program", {"day"}),
    ("half a day of day care", {"half day"}),
    ("monthly care management", {"month"}),
    ("day program for dementia", set()),  # a bare "day" names no unit
    ("24 hour nurse line", set()),
])
def test_query_units(text, units):
    assert query_units(text) == units


def test_conflict_needs_units_on_both_sides_and_none_shared():
    assert conflicts(frozenset({"15 minutes"}), frozenset({"hour"}))
    assert not conflicts(frozenset({"15 minutes"}), frozenset({"15 minutes", "hour"}))
    assert not conflicts(frozenset(), frozenset({"hour"}))
    assert not conflicts(frozenset({"hour"}), frozenset())
