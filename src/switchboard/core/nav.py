"""Portal navigation registry: each app contributes its menu items; the shell renders those the role may use."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise

from .principal import Permission, Principal


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    permission: Permission
    order: int


_items: dict[str, NavItem] = {}


def register(*items: NavItem) -> None:
    for item in items:
        _items[item.key] = item


def items_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return sorted((i for i in _items.values() if principal.can(i.permission)), key=lambda i: i.order)
