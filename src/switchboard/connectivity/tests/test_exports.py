"""The export's two CSV writers: COPY on PostgreSQL and the portable one must give the same bytes."""

import csv
import io

import pytest
from django.db import connection

from switchboard.connectivity import exports, selectors
from switchboard.connectivity.models import Sim
from switchboard.tenancy.selectors import principal_for_membership


def test_megabytes_are_exact():
    assert exports.megabytes(500_000_000) == "500.000000"
    assert exports.megabytes(12) == "0.000012"
    assert exports.megabytes(479_949_998) == "479.949998"


def test_portable_csv_has_the_header_and_our_sims(world, fleet):
    query = selectors.export_query(principal=principal_for_membership(world.owner))
    text = b"".join(exports.csv_chunks(query.iterator())).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(exports.HEADER)
    assert [r[0] for r in rows[1:]] == sorted(s.iccid for s in fleet.sims)
    assert rows[1][8:10] == ["500.000000", "500.000000"]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's; CI runs this on PostgreSQL")
def test_copy_gives_the_same_bytes_as_the_portable_writer(world, fleet):
    odd = fleet.sims[1]
    Sim.objects.filter(pk=odd.pk).update(
        label='Depot "Süd", Tor 3', imei="490154203237518", ip_address="10.1.2.3", data_remaining=12, msisdn=None
    )
    query = selectors.export_query(principal=principal_for_membership(world.owner))
    portable = b"".join(exports.csv_chunks(query.iterator()))
    copied = b"".join(exports.copy_chunks(query))
    assert copied == portable
    assert b'"Depot ""S\xc3\xbcd"", Tor 3"' in copied and b"0.000012" in copied
