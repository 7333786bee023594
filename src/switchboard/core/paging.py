"""Page/size paging shared by the native API and the portal lists."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.db.models import F, QuerySet
from django.db.models.expressions import OrderBy
from django.utils.translation import gettext as _

from .errors import ValidationFailed

# A first page of a list with at most this many rows is counted by fetching all their keys: one query instead of
# a count and a page, which for a search means one scan of its indexes instead of two.
COUNTED_BY_FETCHING = 1000


@dataclass(frozen=True)
class Page:
    items: list[Any]
    page: int
    size: int
    total: int

    @property
    def pages(self) -> int:
        # Never 0: clients loop `while current != total_pages`.
        return max(1, math.ceil(self.total / self.size))

    def headers(self) -> dict[str, str]:
        return {
            "X-Total-Count": str(self.total),
            "X-Total-Pages": str(self.pages),
            "X-Current-Page": str(self.page),
            "X-Count-Per-Page": str(self.size),
        }


def paginate(queryset: QuerySet, *, page: int, size: int, max_size: int = 500) -> Page:
    """One page and the total, by a "deferred join": the keys of the page first (the unique field that ends the
    ordering), then the page's rows by key. The key query has no joins (select_related is dropped) and reads what an
    index may hold, so a deep page is an index-only scan instead of a read of every skipped row, and a search sorts
    its matches before anything is joined to them. Measured on a million SIMs: bench/connectivity/README.md."""
    if page < 1:
        raise ValidationFailed(_("Page numbers start at 1."), field="page")
    if not 1 <= size <= max_size:
        raise ValidationFailed(_("Page size must be between 1 and %(max)d.") % {"max": max_size}, field="size")
    offset = (page - 1) * size
    if queryset.query.annotations:  # picking one column of an annotated query could regroup it: plain slices
        total = queryset.count()
        return Page(list(queryset[offset : offset + size]) if offset < total else [], page, size, total)
    key = _unique_order_key(queryset)
    keys = queryset.values_list(key, flat=True)
    if page == 1:
        fetched = max(size, COUNTED_BY_FETCHING)
        first = list(keys[: fetched + 1])
        total = len(first) if len(first) <= fetched else queryset.count()
        return Page(_rows(queryset, key, first[:size]), page, size, total)
    total = queryset.count()
    window = list(keys[offset : offset + size]) if offset < total else []  # past the end: an empty page
    return Page(_rows(queryset, key, window), page, size, total)


def _rows(queryset: QuerySet, key: str, keys: list[Any]) -> list[Any]:
    return list(queryset.filter(**{f"{key}__in": keys})) if keys else []


def _unique_order_key(queryset: QuerySet) -> str:
    """The last ordering field when it is unique and never null (it breaks all ties), else the primary key."""
    query = queryset.query
    ordering = query.order_by or (queryset.model._meta.ordering if query.default_ordering else ())
    last = ordering[-1] if ordering else None
    if isinstance(last, OrderBy) and isinstance(last.expression, F):
        last = last.expression.name
    if not isinstance(last, str):
        return "pk"
    try:
        field = queryset.model._meta.get_field(last.lstrip("-"))
    except FieldDoesNotExist:
        return "pk"
    return field.name if field.unique and not field.null else "pk"
