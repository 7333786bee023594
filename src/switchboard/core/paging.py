"""Page/size paging shared by the native API and the portal lists."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from .errors import ValidationFailed


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
    if page < 1:
        raise ValidationFailed(_("Page numbers start at 1."), field="page")
    if not 1 <= size <= max_size:
        raise ValidationFailed(_("Page size must be between 1 and %(max)d.") % {"max": max_size}, field="size")
    total = queryset.count()
    offset = (page - 1) * size
    items = list(queryset[offset : offset + size]) if offset < total else []  # past the end: an empty page
    return Page(items, page, size, total)
