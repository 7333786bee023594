"""Portal navigation registry: each app contributes its menu items; the shell renders those the role may use."""

from __future__ import annotations

from collections.abc import Callable
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
    # Beyond the permission: whether the item applies to this principal at all (e.g. only the operator's staff).
    shown_to: Callable[[Principal], bool] | None = None

    def visible(self, principal: Principal) -> bool:
        return principal.can(self.permission) and (self.shown_to is None or self.shown_to(principal))


_items: dict[str, NavItem] = {}


def register(*items: NavItem) -> None:
    for item in items:
        _items[item.key] = item


def items_for(principal: Principal | None) -> list[NavItem]:
    if principal is None:
        return []
    return sorted((i for i in _items.values() if i.visible(principal)), key=lambda i: i.order)
