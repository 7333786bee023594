"""The operator's stock: the vendor CSV imported row by row with a report, and assignment to customers."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from switchboard.connectivity import identifiers, services
from switchboard.connectivity.contracts import MB, SimEventType, SimStatus
from switchboard.connectivity.models import Sim, SimEvent, SimImport
from switchboard.connectivity.services.seeding import vendor_csv
from switchboard.core.errors import NotFound, PermissionDenied, ValidationFailed
from switchboard.tenancy.selectors import principal_for_membership
from switchboard.tenancy.tests import factories as f


@pytest.fixture
def operator(fleet):
    return principal_for_membership(fleet.operator_admin)


def good(serial: int) -> str:
    short = f"8949000000000{serial:06d}"
    return f"{short}{identifiers.luhn_digit(short)},2620100000{serial:05d},49170{serial:07d},4FF"


@pytest.fixture
def run(operator, django_capture_on_commit_callbacks):
    def upload(text: str) -> SimImport:
        with django_capture_on_commit_callbacks(execute=True):  # the worker's task runs after commit
            job = services.sim_import_start(principal=operator, file_name="batch.csv", content=text.encode())
        return SimImport.objects.get(pk=job.pk)

    return upload


def test_import_reports_rejected_rows_and_keeps_the_good_ones(run, operator, fleet):
    taken = fleet.sims[0]
    bad_luhn = good(3).split(",")[0][:-1] + str((int(good(3)[19]) + 1) % 10)
    rows = [
        "iccid,imsi,msisdn,form_factor",
        good(1),
        good(2),
        f"{bad_luhn},262010000000003,491700000003,4FF",  # line 4: wrong check digit
        f"{good(5).split(',')[0]},{taken.imsi},491700000005,4FF",  # line 5: IMSI already in use
        good(1).replace("000001,", "000099,", 1),  # line 6: same ICCID as line 2
        "123,456,,2FF",  # line 7: lengths
        good(8).replace("4FF", "5FF"),  # line 8: unknown form factor
        "",
        good(9),
    ]
    job = run("\n".join(rows))
    assert job.status == "done"
    assert (job.rows, job.imported, job.rejected_count) == (8, 3, 5)
    assert job.processed_bytes == job.total_bytes
    reasons = {r["line"]: {e["field"] for e in r["errors"]} for r in job.rejected}
    assert reasons == {4: {"iccid"}, 5: {"imsi"}, 6: {"iccid", "msisdn"}, 7: {"iccid", "imsi"}, 8: {"form_factor"}}
    imported = Sim.objects.filter(iccid__startswith="8949").order_by("iccid")
    assert [s.iccid[-2:] for s in imported] == ["01", "02", "09"]
    sim = imported[0]
    assert (sim.organisation_id, sim.status, sim.activation_date) == (operator.organisation_id, "Disabled", None)
    assert (sim.data_total, sim.sms_total, sim.form_factor) == (500 * MB, 250, "4FF")


def test_import_runs_in_batches_with_constant_queries_per_batch(run):
    text = vendor_csv(1000, 2500).decode()
    with CaptureQueriesContext(connection) as queries:
        job = run(text)
    assert job.imported == 2500 and job.rejected_count == 0
    assert len(queries) < 250  # batches of 1,000 rows (SQLite splits inserts by its variable limit), not per row


def test_semicolon_files_and_a_bom_are_read(run):
    job = run("\ufeff" + vendor_csv(5000, 3).decode())
    assert job.imported == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "empty"), (b"serial,number\n1,2\n", "missing: iccid, imsi"), (b"\xff\xfe\x00", "UTF-8")],
)
def test_unusable_files_are_refused_before_queueing(operator, content, message):
    with pytest.raises(ValidationFailed, match=message):
        services.sim_import_start(principal=operator, file_name="x.csv", content=content)
    assert not SimImport.objects.exists()


def test_customers_cannot_import(world, fleet):
    with pytest.raises(PermissionDenied):
        services.sim_import_start(
            principal=principal_for_membership(world.owner), file_name="x.csv", content=vendor_csv(1, 1)
        )


def test_assignment_activates_stock_sims_for_a_customer(operator, fleet, world):
    iccids = [s.iccid for s in fleet.stock[:2]]
    assigned = services.sims_assign(principal=operator, iccids=iccids, organisation_id=world.customer.pk)
    for sim in assigned:
        sim.refresh_from_db()
        assert sim.organisation_id == world.customer.pk and sim.status == SimStatus.ENABLED
        assert sim.lifetime_end.year - sim.activation_date.year == 10
        assert SimEvent.objects.filter(sim=sim, type=SimEventType.ASSIGNED).exists()


def test_assignment_refuses_foreign_and_unsuitable_targets(operator, fleet, world):
    stock = [fleet.stock[0].iccid]
    foreign_operator = f.OperatorFactory(company_name="Rival Telecom")
    rival_customer = f.OrganisationFactory(parent=foreign_operator)
    with pytest.raises(NotFound):
        services.sims_assign(principal=operator, iccids=stock, organisation_id=rival_customer.pk)
    reseller = f.OrganisationFactory(parent=world.operator, kind="reseller")
    with pytest.raises(PermissionDenied):
        services.sims_assign(principal=operator, iccids=stock, organisation_id=reseller.pk)
    with pytest.raises(NotFound):  # a customer's SIM is not in stock
        services.sims_assign(principal=operator, iccids=[fleet.sim.iccid], organisation_id=world.other.pk)
    assert Sim.objects.get(pk=fleet.stock[0].pk).organisation_id == world.operator.pk
    assert Sim.objects.get(pk=fleet.sim.pk).organisation_id == world.customer.pk
