"""Qualifiers that tell sibling codes apart, read from descriptors and queries."""
import pytest

from index.qualifiers import by_family, conflicts as grouped_conflicts, descriptor_qualifiers, query_qualifiers


def conflicts(asked, stated):
    return grouped_conflicts(by_family(asked), by_family(stated))


@pytest.mark.parametrize("text, found", [
    ("Crisis intervention service, per 15 minutes", {"15 minutes"}),
    ("Crisis intervention mental health services, per hour", {"hour"}),
    ("Day care services, adult; per diem", {"day", "adult"}),
    ("Day care services, adult; per half day", {"half day", "adult"}),
    ("Psychotherapy for crisis, first 60 minutes", {"hour"}),
    ("Case management, per month", {"month"}),
    ("Diabetes outpatient self-management training services, group session (2 or more)", {"group"}),
    ("Smoking cessation counseling, individual, in the absence of or in addition to any other", {"individual"}),
    ("Power wheelchair, group 5 pediatric, single power option", {"powered", "pediatric"}),
    ("Hospital bed, semi-electric (head and foot adjustment)", {"powered"}),
    ("Breast pump, manual, any type", {"manual"}),
    ("Pressure pad, non-electric, for mattress", {"manual"}),
    ("Electrical stimulation, unattended", set()),
    ("Portable oxygen concentrator, rental", {"portable", "rental"}),
    ("Non-disposable underpads, all sizes", {"reusable"}),
    ("Hearing aid, digital, binaural, cic", {"both ears"}),
    ("Ostomy pouch, drainable, for use on a barrier with flange (2 piece), without filter", {"with:flang", "without:filter"}),
    ("Cardiac rehabilitation; with or without continuous ecg monitoring; without exercise", {"without:exercis"}),
    ("Administration of vaccine inside a patient's home; once per individual home", set()),
])
def test_descriptor_qualifiers(text, found):
    assert descriptor_qualifiers(text) == found


@pytest.mark.parametrize("text, found", [
    ("respite 15 min", {"15 minutes"}),
    ("respite 15-minute units", {"15 minutes"}),
    ("a quarter hour of peer support", {"15 minutes"}),
    ("whole day at the adult day program", {"day", "adult"}),
    ("half a day of day care", {"half day"}),
    ("monthly care management", {"month"}),
    ("counseling one on one", {"individual"}),
    ("1:1 counseling", {"individual"}),
    ("weight loss classes", {"group"}),
    ("group 2 support surface", set()),
    ("air mattress that plugs in", {"powered"}),
    ("cast for my 6 year old", {"pediatric"}),
    ("walker for an 80-year-old", {"adult"}),
    ("day program for dementia", set()),  # a bare "day" names no unit
    ("24 hour nurse line", set()),
    ("hospital bed no mattress", {"without:mattress"}),
    ("small oxygen machine to carry on trips", {"portable"}),
    ("washable brief", {"reusable"}),
    ("hearing aid for one ear", {"one ear"}),
    ("cardiac rehab with exercise", {"with:exercis"}),
])
def test_query_qualifiers(text, found):
    assert query_qualifiers(text) == found


def test_a_conflict_needs_the_same_family_on_both_sides_and_nothing_shared():
    assert conflicts(frozenset({"15 minutes"}), frozenset({"hour"}))
    assert conflicts(frozenset({"individual"}), frozenset({"group", "hour"}))
    assert not conflicts(frozenset({"15 minutes"}), frozenset({"15 minutes", "hour"}))
    assert not conflicts(frozenset({"individual"}), frozenset({"hour"}))  # another family
    assert not conflicts(frozenset(), frozenset({"hour"}))
    assert not conflicts(frozenset({"hour"}), frozenset())
    assert conflicts(frozenset({"with:mattress"}), frozenset({"without:mattress", "powered"}))
    assert conflicts(frozenset({"without:filter"}), frozenset({"with:filter"}))
    assert not conflicts(frozenset({"with:mattress"}), frozenset({"with:mattress", "without:side"}))
