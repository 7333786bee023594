"""Which operator an organisation belongs to: its SMSC carries the organisation's SMS, and only that SMSC's reports
may touch them."""

from __future__ import annotations

from switchboard.tenancy import selectors as tenancy


def operator_of(organisation_id: int) -> int | None:
    chain = [tenancy.organisation_ref(organisation_id=organisation_id)]
    chain += tenancy.ancestor_refs(organisation_id=organisation_id)
    roots = [ref.id for ref in chain if ref is not None and ref.parent_id is None]
    return roots[0] if roots else None
