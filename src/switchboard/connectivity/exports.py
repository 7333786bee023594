"""SIM list export as CSV or XLSX, streamed: rows are read in chunks and written out as they come."""

from __future__ import annotations

import csv
import tempfile
from collections.abc import Iterable, Iterator
from datetime import datetime

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


def _cells(row: tuple) -> tuple:
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
        round(data_left / MB, 6),
        round(data_total / MB, 6),
        sms_left,
        sms_total,
        end.strftime("%Y-%m-%d") if isinstance(end, datetime) else "",
    )


class _Line:
    """A file-like sink for csv.writer that hands back what was written."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(rows: Iterable[tuple], *, per_chunk: int = 500) -> Iterator[bytes]:
    writer = csv.writer(_Line())
    yield ("\ufeff" + writer.writerow(HEADER)).encode()  # the BOM lets Excel read UTF-8
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
        sheet.append(_cells(row))
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (FileResponse closes it)
    workbook.save(target)
    target.seek(0)
    return target


def export_response(*, principal: Principal, fmt: str, filters: SimFilters | None = None):
    """The download for the portal and the API alike; `fmt` must be one of FORMATS (callers validate)."""
    rows = selectors.export_rows(principal=principal, filters=filters)
    name = f"sims-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "xlsx":
        return FileResponse(
            xlsx_file(rows),
            as_attachment=True,
            filename=name,
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response = StreamingHttpResponse(csv_chunks(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
