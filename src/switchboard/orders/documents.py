"""Rendering of order documents: the invoice (or correction) PDF and the affected-SIMs workbook.

Both render in the active language; the caller chooses it (the customer's, when a mail or download asks).
The PDF uses reportlab's built-in Helvetica, whose WinAnsi encoding covers Western European text; amounts carry
the currency code rather than a symbol, so every currency prints the same way.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from io import BytesIO
from xml.sax.saxutils import escape

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import Issuer

from .contracts import DocumentKind
from .models import Document, Order
from .rules import line_net, vat_by_rate

MARGIN = 20 * mm
FRAME_PADDING = 6  # reportlab's default inside the page margins, on either side
CONTENT_WIDTH = A4[0] - 2 * MARGIN - 2 * FRAME_PADDING
GRID = colors.HexColor("#c8ccd2")
SHADE = colors.HexColor("#eef0f3")
MUTED = colors.HexColor("#555b63")


def _money(amount: Decimal, currency: str) -> str:
    return f"{formats.number_format(amount, 2, use_l10n=True, force_grouping=True)} {currency}"


def _rate(rate: Decimal) -> str:
    """19.00 → "19 %", 7.50 → "7.5 %" (in the active locale)."""
    normalized = rate.normalize()
    places = max(-normalized.as_tuple().exponent, 0)  # type: ignore[operator]
    return f"{formats.number_format(normalized, places, use_l10n=True)} %"


def _styles() -> dict[str, ParagraphStyle]:
    base = getSampleStyleSheet()["Normal"]
    body = ParagraphStyle("body", parent=base, fontName="Helvetica", fontSize=9, leading=12)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=7.5, leading=9.5, textColor=MUTED),
        "issuer": ParagraphStyle("issuer", parent=body, fontName="Helvetica-Bold", fontSize=13, leading=16),
        "title": ParagraphStyle("title", parent=body, fontName="Helvetica-Bold", fontSize=16, leading=20),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "label": ParagraphStyle("label", parent=body, fontSize=8.5, leading=10.5, textColor=MUTED),
    }


def _lines_of(parts: list[str]) -> str:
    """Escaped text, one non-empty part per line (for a Paragraph)."""
    return "<br/>".join(escape(part) for part in parts if part)


def _address_parts(address: dict) -> list[str]:
    place = " ".join(part for part in (address.get("postal_code", ""), address.get("city", "")) if part)
    return [
        address.get("company", ""),
        address.get("name", ""),
        address.get("street", ""),
        address.get("extra", ""),
        place,
        address.get("country", ""),
    ]


def _issuer_block(issuer: Issuer | None, styles: dict[str, ParagraphStyle]) -> list:
    if issuer is None:
        return []
    address = asdict(issuer.address) if issuer.address else {}
    parts = [part for part in _address_parts(address) if part != issuer.company_name]
    contact = [
        _("E-mail: %(email)s") % {"email": issuer.invoice_email} if issuer.invoice_email else "",
        _("Phone: %(phone)s") % {"phone": issuer.phone} if issuer.phone else "",
        _("VAT ID: %(vat_id)s") % {"vat_id": issuer.vat_id} if issuer.vat_id else "",
    ]
    return [
        Paragraph(escape(issuer.company_name), styles["issuer"]),
        Paragraph(escape(" · ".join(part for part in parts if part)), styles["small"]),
        Paragraph(escape(" · ".join(part for part in contact if part)), styles["small"]),
    ]


def _recipient(order: Order, styles: dict[str, ParagraphStyle]) -> Paragraph:
    billing = order.billing_address or {}
    company = billing.get("company_name", "")
    parts = [company] + [part for part in _address_parts(billing) if part != company]
    if billing.get("vat_id"):
        parts.append(_("VAT ID: %(vat_id)s") % {"vat_id": billing["vat_id"]})
    return Paragraph(_lines_of(parts), styles["body"])


def _facts(document: Document) -> list[tuple[str, str]]:
    order = document.order
    facts = [
        (_("Document number"), document.number),
        (_("Date"), formats.date_format(timezone.localtime(document.issued_at), "DATE_FORMAT")),
        (_("Order number"), str(order.number)),
        (_("Customer number"), (order.billing_address or {}).get("customer_number", "")),
    ]
    if order.customer_reference:
        facts.append((_("Your reference"), order.customer_reference))
    return [(label, value) for label, value in facts if value]


def _facts_table(facts: list[tuple[str, str]], styles: dict[str, ParagraphStyle]) -> Table:
    label, cell = styles["label"], styles["cell"]
    rows = [[Paragraph(escape(name), label), Paragraph(escape(value), cell)] for name, value in facts]
    table = Table(rows, colWidths=[35 * mm, 55 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle(_tight()))
    return table


def _tight() -> list[tuple]:
    return [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]


def _lines_table(order: Order, styles: dict[str, ParagraphStyle]) -> Table:

    currency = order.currency
    header = [_("Pos."), _("Product"), _("Qty"), _("One-time"), _("Monthly"), _("Net"), _("VAT")]
    rows: list[list] = [header]
    for line in order.lines.order_by("position"):
        rows.append(
            [
                str(line.position),
                Paragraph(escape(line.product_name), styles["cell"]),
                formats.number_format(line.quantity, use_l10n=True, force_grouping=True),
                _money(line.one_time_net, currency),
                _money(line.recurring_net, currency),
                _money(line_net(line), currency),
                _rate(line.vat_rate),
            ]
        )
    widths = [11 * mm, None, 13 * mm, 26 * mm, 26 * mm, 27 * mm, 14 * mm]
    fixed = sum(width for width in widths if width is not None)
    widths[1] = CONTENT_WIDTH - fixed
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                *_tight(),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("FONT", (0, 1), (-1, -1), "Helvetica", 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.4, GRID),
                ("ALIGN", (2, 0), (-1, -1), "RIGHT"),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _vat_rows(document: Document) -> list[list[str]]:
    """VAT per rate, with the net it is on, as invoices must state it; a correction has one amount."""
    if document.kind != DocumentKind.INVOICE:
        return [[_("VAT"), _money(document.vat, document.currency)]]
    breakdown = vat_by_rate((line_net(line), line.vat_rate) for line in document.order.lines.all())
    return [
        [
            _("VAT %(rate)s on %(net)s") % {"rate": _rate(rate), "net": _money(net, document.currency)},
            _money(vat, document.currency),
        ]
        for rate, (net, vat) in breakdown.items()
    ]


def _totals_table(document: Document) -> Table:
    rows = [
        [_("Net"), _money(document.net, document.currency)],
        *_vat_rows(document),
        [_("Total"), _money(document.gross, document.currency)],
    ]
    table = Table(rows, colWidths=[60 * mm, 35 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle(
            [
                *_tight(),
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, -1), (-1, -1), "Helvetica-Bold", 10),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.black),
                ("TOPPADDING", (0, -1), (-1, -1), 4),
            ]
        )
    )
    return table


def invoice_pdf(document: Document) -> bytes:
    """The invoice or correction as an A4 PDF; the document itself need not be saved yet."""
    order = document.order
    styles = _styles()
    correction = document.kind == DocumentKind.CORRECTION
    title = _("Invoice correction") if correction else _("Invoice")
    invoice = order.documents.filter(kind=DocumentKind.INVOICE).first() if correction else None

    issuer = tenancy.issuer()
    story: list = _issuer_block(issuer, styles)
    story.append(Spacer(1, 10 * mm))
    head = Table(
        [[_recipient(order, styles), _facts_table(_facts(document), styles)]],
        colWidths=[CONTENT_WIDTH - 95 * mm, 95 * mm],
    )
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (0, 0), 0)]))
    story += [head, Spacer(1, 10 * mm), Paragraph(escape(f"{title} {document.number}"), styles["title"])]
    story.append(Spacer(1, 4 * mm))
    if correction:
        if invoice is not None:
            reference = _("This document corrects invoice %(number)s.") % {"number": invoice.number}
            story.append(Paragraph(escape(reference), styles["body"]))
        story.append(Paragraph(escape(_("Reason: %(reason)s") % {"reason": document.reason}), styles["body"]))
    else:
        story.append(_lines_table(order, styles))
        story.append(Spacer(1, 2 * mm))
        story.append(Paragraph(escape(_("Net per line: one-time charges plus the first month.")), styles["small"]))
    story += [Spacer(1, 6 * mm), _totals_table(document)]

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 7.5)
        canvas.setFillColor(MUTED)
        canvas.drawRightString(A4[0] - MARGIN, 12 * mm, _("Page %(page)s") % {"page": doc.page})
        canvas.restoreState()

    buffer = BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{title} {document.number}",
        author=issuer.company_name if issuer else "",
    )
    pdf.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def affected_sims_xlsx(order: Order) -> bytes:
    """The SIMs an order delivered, topped up or extended, one per row. Every value is written as text: ICCIDs
    must not turn into rounded numbers, and a label such as "=1+1" must not become a formula."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Affected SIMs")[:31]
    header = [_("ICCID"), _("Label"), _("IMSI"), _("MSISDN")]
    sheet.append(header)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [len(title) for title in header]
    for row, sim in enumerate(order.sims.all(), start=2):
        for column, value in enumerate((sim.iccid, sim.label, sim.imsi, sim.msisdn), start=1):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            cell.data_type = "s"
            cell.number_format = "@"
            widths[column - 1] = max(widths[column - 1], len(value))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width, 60) + 2
    sheet.freeze_panes = "A2"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
