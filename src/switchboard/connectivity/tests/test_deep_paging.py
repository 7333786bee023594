"""core.paging pages deep into a list by a deferred join; every page must hold exactly what a plain slice holds."""

from __future__ import annotations

import pytest

from switchboard.connectivity import selectors
from switchboard.connectivity.contracts import SimFilters
from switchboard.connectivity.models import Sim
from switchboard.core import paging
from switchboard.core.errors import ValidationFailed
from switchboard.core.paging import _unique_order_key, paginate
from switchboard.tenancy.selectors import principal_for_membership

from .factories import SimFactory


@pytest.fixture
def principal(world, fleet):
    labels = ["Meter-Kiel-2", "Meter-Kiel-1", "Tracker-Emden-1", "Meter-Kiel-1"]  # duplicates: ties to break
    for i in range(17):
        SimFactory(organisation_id=world.customer.pk, label=labels[i % len(labels)], data_remaining=i * 1000)
    return principal_for_membership(world.owner)


@pytest.mark.parametrize("sort", [(), ("-iccid",), ("label",), ("-label",), ("current_quota", "-imsi")])
@pytest.mark.parametrize(("search", "matches"), [("", 20), ("kiel", 13), ("8988228", 20)])
@pytest.mark.parametrize("size", [1, 3, 7, 20])
def test_every_page_is_the_slice_of_the_whole_list(principal, sort, search, matches, size):
    sims = selectors.sims_list(principal=principal, filters=SimFilters(sort=sort, search=search))
    everything = list(sims)
    assert len(everything) == matches  # of the customer's 20 (the fleet's 3 and 17 more), no other organisation's
    pages = -(-len(everything) // size)
    for number in range(1, pages + 2):
        page = paginate(sims, page=number, size=size)
        assert page.items == everything[(number - 1) * size : number * size]
        assert (page.total, page.pages) == (matches, pages)


@pytest.mark.parametrize("sort", [(), ("-iccid",)])
def test_a_search_keeps_the_iccid_order_of_the_list(principal, sort):
    listed = list(selectors.sims_list(principal=principal, filters=SimFilters(sort=sort)))
    found = list(selectors.sims_list(principal=principal, filters=SimFilters(sort=sort, search="8988228")))
    assert found == listed == sorted(listed, key=lambda sim: sim.iccid, reverse=bool(sort))


def test_the_key_is_the_unique_tie_breaker_of_the_order_else_the_primary_key(principal):
    assert _unique_order_key(selectors.sims_list(principal=principal)) == "iccid"
    assert _unique_order_key(Sim.objects.order_by("-iccid_with_luhn")) == "iccid_with_luhn"
    assert _unique_order_key(Sim.objects.order_by("label")) == "pk"  # not unique
    assert _unique_order_key(Sim.objects.order_by("msisdn")) == "pk"  # unique, but several may be NULL
    assert _unique_order_key(Sim.objects.order_by()) == "pk"


def test_a_short_page_needs_no_count_and_a_page_past_the_end_keeps_the_total(principal, django_assert_num_queries):
    sims = selectors.sims_list(principal=principal, filters=SimFilters(search="Emden"))
    with django_assert_num_queries(2):  # the keys of the page, then its rows; no count
        first = paginate(sims, page=1, size=10)
    assert (len(first.items), first.total) == (4, 4)
    with django_assert_num_queries(1):  # the count shows there is nothing to fetch
        beyond = paginate(sims, page=3, size=10)
    assert (beyond.items, beyond.total, beyond.pages) == ([], 4, 1)
    nothing = paginate(selectors.sims_list(principal=principal, filters=SimFilters(search="Nowhere")), page=1, size=5)
    assert (nothing.items, nothing.total, nothing.pages) == ([], 0, 1)


def test_a_longer_list_is_counted(principal, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(paging, "COUNTED_BY_FETCHING", 5)
    sims = selectors.sims_list(principal=principal, filters=SimFilters(search="kiel"))
    with django_assert_num_queries(3):  # six keys fetched show there are more, so a count, then the rows
        first = paginate(sims, page=1, size=2)
    assert (len(first.items), first.total) == (2, 13)


def test_bad_page_numbers_and_sizes_are_refused(principal):
    sims = selectors.sims_list(principal=principal)
    with pytest.raises(ValidationFailed) as page:
        paginate(sims, page=0, size=10)
    with pytest.raises(ValidationFailed) as size:
        paginate(sims, page=1, size=501)
    assert (page.value.field, size.value.field) == ("page", "size")
