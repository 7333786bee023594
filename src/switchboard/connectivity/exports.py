"""SIM list export as CSV or XLSX, streamed: rows are read in chunks and written out as they come.

On PostgreSQL the CSV comes straight from `COPY (query) TO STDOUT`, with the cells formatted in SQL exactly as the
portable writer formats them in Python; the bytes are the same either way (tests compare them on PostgreSQL)."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from django.db import connection
from django.db.models import QuerySet
from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from switchboard.core.principal import Principal

from . import selectors
from .contracts import MB, SimFilters

HEADER = (
    "ICCID",
    "ICCID with Luhn",
    "IMSI",
    "MSISDN",
    "IMEI",
    "Label",
    "Status",
    "IP address",
    "Data left (MB)",
    "Data total (MB)",
    "SMS left",
    "SMS total",
    "Lifetime end",
)
FORMATS = ("csv", "xlsx")


def megabytes(amount: int) -> str:
    """Bytes as decimal MB with all six places, exactly (no float rounding, no exponent)."""
    return f"{amount // MB}.{amount % MB:06d}"


def _cells(row: tuple, mb=megabytes) -> tuple:
    iccid, luhn, imsi, msisdn, imei, label, status, ip, data_left, data_total, sms_left, sms_total, end = row
    return (
        iccid,
        luhn,
        imsi,
        msisdn or "",
        imei,
        label,
        status,
        ip or "",
        mb(data_left),
        mb(data_total),
        sms_left,
        sms_total,
        end.astimezone(UTC).strftime("%Y-%m-%d") if isinstance(end, datetime) else "",
    )


# The same cells in SQL, over the export query's columns (named as EXPORT_COLUMNS); NULL and '' both print empty.
_SQL_CELLS = (
    "iccid",
    "iccid_with_luhn",
    "imsi",
    "msisdn",
    "NULLIF(imei, '')",
    "NULLIF(label, '')",
    "status",
    "host(ip_address)",
    "(data_remaining::numeric / 1000000)::numeric(20, 6)",
    "(data_total::numeric / 1000000)::numeric(20, 6)",
    "sms_remaining",
    "sms_total",
    "to_char(lifetime_end AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
)


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def _header() -> bytes:
    return ("\ufeff" + csv.writer(_Line(), lineterminator="\n").writerow(HEADER)).encode()  # the BOM: Excel reads UTF-8


def csv_chunks(rows: Iterable[tuple], *, per_chunk: int = 500) -> Iterator[bytes]:
    writer = csv.writer(_Line(), lineterminator="\n")  # COPY's line ending, so both writers give the same bytes
    yield _header()
    buffer: list[str] = []
    for row in rows:
        buffer.append(writer.writerow(_cells(row)))
        if len(buffer) >= per_chunk:
            yield "".join(buffer).encode()
            buffer.clear()
    if buffer:
        yield "".join(buffer).encode()


def xlsx_file(rows: Iterable[tuple]):
    """openpyxl's write-only mode streams rows to a temporary file, so memory stays flat."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("SIMs")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(_cells(row, mb=lambda amount: round(amount / MB, 6)))  # numbers, for the spreadsheet
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    workbook.save(target)
    target.seek(0)
    return target


def copy_chunks(query: QuerySet) -> Iterator[bytes]:
    """PostgreSQL writes the CSV itself (several times the rows per second of fetching and formatting in Python)."""
    sql, params = query.query.sql_with_params()
    # Django's compiled query with its parameters kept apart, wrapped in constant SQL: nothing here comes from input.
    statement = f"COPY (SELECT {', '.join(_SQL_CELLS)} FROM ({sql}) AS sims) TO STDOUT WITH (FORMAT csv)"  # noqa: S608
    yield _header()
    with connection.cursor() as cursor, cursor.cursor.copy(statement, params) as copy:
        for block in copy:
            yield bytes(block)


def csv_stream(query: QuerySet) -> Iterator[bytes]:
    if connection.vendor == "postgresql":
        return copy_chunks(query)
    return csv_chunks(query.iterator(chunk_size=5000))


def export_response(*, principal: Principal, fmt: str, filters: SimFilters | None = None):
    """The download for the portal and the API alike; `fmt` must be one of FORMATS (callers validate)."""
    query = selectors.export_query(principal=principal, filters=filters)
    name = f"sims-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(query.iterator(chunk_size=5000)),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_stream(query), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
