"""Building blocks for the apps' ninja routers (the composition and auth live in `switchboard.api`)."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import HttpResponse
from ninja import Schema

from .paging import paginate


class Paging(Schema):
    page: int = 1
    size: int = 50


def paged(response: HttpResponse, queryset: QuerySet, paging: Paging) -> list:
    """One page of the queryset; totals go into the X-Total-* headers as 1NCE clients expect."""
    page = paginate(queryset, page=paging.page, size=paging.size)
    for name, value in page.headers().items():
        response[name] = value
    return page.items
