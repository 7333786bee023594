from django import template

register = template.Library()


@register.filter
def changes(entry) -> list[tuple[str, object, object]]:
    """(field, before, after) for every field that an audit entry's write touched, unchanged fields left out."""
    before, after = entry.before or {}, entry.after or {}
    fields = list(dict.fromkeys([*before, *after]))
    return [(f, before.get(f), after.get(f)) for f in fields if before.get(f) != after.get(f)]
