"""My SIMs, SIM detail, Configuration, SIM transfer and the operator's SIM inventory: forms in, services called,
refusals shown in place. htmx requests get the fragment they target; every page also works without script."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dateutil.relativedelta import relativedelta
from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from switchboard.core.errors import DomainError, NotFound, PermissionDenied
from switchboard.core.paging import paginate
from switchboard.core.portal import attempt, form_error, requires
from switchboard.core.principal import Permission, Principal
from switchboard.tenancy import selectors as tenancy
from switchboard.tenancy.contracts import KIND_LABELS, OrganisationKind

from .. import exports, selectors, services
from ..contracts import QuotaStatus, Service, SimStatus
from ..nav import operator_staff
from ..services import SimChange
from .forms import (
    AssignForm,
    BulkActionForm,
    ImportForm,
    LabelForm,
    LimitsForm,
    SimFilterForm,
    TransferForm,
    VolumeNotificationsForm,
)

COLUMNS = (
    ("iccid", gettext_lazy("ICCID")),
    ("label", gettext_lazy("Label")),
    ("status", gettext_lazy("Status")),
    ("current_quota", gettext_lazy("Data left")),
    ("current_quota_SMS", gettext_lazy("SMS left")),
    (None, gettext_lazy("Connectivity")),
    ("imei", gettext_lazy("IMEI")),
    ("ip_address", gettext_lazy("IP")),
)
LOG_SIZES = {"events": 20, "usage": 31}
STOCK_PAGE = 50


def _targeted(request: HttpRequest, fragment: str) -> bool:
    """An htmx request that replaces one fragment of the page (a history restore wants the whole page)."""
    htmx = request.htmx
    return bool(htmx) and not htmx.history_restore_request and htmx.target == fragment


def _call(form: forms.Form, action: Callable[[dict], Any]) -> tuple[bool, Any]:
    """Call the service with a valid form's data; a refusal lands on the form next to the field it names."""
    if not form.is_valid():
        return False, None
    try:
        return True, action(form.cleaned_data)
    except DomainError as exc:
        form_error(form, exc)
        return False, None


# My SIMs


def _sort_columns(current: str) -> list[dict]:
    columns = []
    for key, title in COLUMNS:
        direction = "asc" if current == key else "desc" if key and current == f"-{key}" else ""
        following = f"-{key}" if current == key else key
        columns.append({"key": key, "title": title, "next": following, "direction": direction})
    return columns


def _sims_context(request: HttpRequest, bulk_form: BulkActionForm | None = None) -> dict:
    principal = request.principal
    form = SimFilterForm(request.GET)
    form.is_valid()
    filters = form.filters()
    sims = selectors.sims_list(principal=principal, filters=filters).select_related("connectivity")
    page = paginate(sims, page=form.page_number, size=form.page_size)
    if not page.items and page.page > page.pages:  # an old link past the end: show the last page
        page = paginate(sims, page=page.pages, size=form.page_size)
    query = request.GET.copy()
    for key in ("page", "size"):
        query.pop(key, None)
    return {
        "form": form,
        "page": page,
        "columns": _sort_columns(filters.sort[0] if filters.sort else ""),
        "can_manage": principal.can(Permission.SIMS_MANAGE),
        "bulk_form": bulk_form or BulkActionForm(),
        "selected": set(bulk_form.data.getlist("iccid")) if bulk_form is not None else set(),
        "export_query": query.urlencode(),
        "exports": exports.FORMATS,
    }


@requires(Permission.VIEW)
def sims(request: HttpRequest) -> HttpResponse:
    context = _sims_context(request)
    if _targeted(request, "sim-results"):
        return render(request, "connectivity/sims.html#results", context)
    return render(request, "connectivity/sims.html", context, status=400 if context["form"].errors else 200)


def _bulk(principal: Principal, data: dict) -> str:
    """Run the chosen bulk action; returns the message that says what happened."""
    iccids, action = data["iccid"], data["action"]
    if action in ("activate", "deactivate"):
        status = SimStatus.ENABLED if action == "activate" else SimStatus.DISABLED
        n = services.sims_set_status(principal=principal, iccids=iccids, status=status)
        if action == "activate":
            return ngettext("%(n)d SIM activated.", "%(n)d SIMs activated.", n) % {"n": n}
        return ngettext("%(n)d SIM deactivated.", "%(n)d SIMs deactivated.", n) % {"n": n}
    if action == "label_prefix":
        n = services.sims_set_label_prefix(principal=principal, iccids=iccids, prefix=data["prefix"])
        return ngettext("%(n)d SIM relabelled.", "%(n)d SIMs relabelled.", n) % {"n": n}
    locked = action == "imei_lock_on"
    n = services.sims_set_imei_lock(principal=principal, iccids=iccids, locked=locked)
    if locked:
        return ngettext("IMEI lock on for %(n)d SIM.", "IMEI lock on for %(n)d SIMs.", n) % {"n": n}
    return ngettext("IMEI lock off for %(n)d SIM.", "IMEI lock off for %(n)d SIMs.", n) % {"n": n}


@require_POST
@requires(Permission.SIMS_MANAGE)
def sims_bulk(request: HttpRequest) -> HttpResponse:
    """The list's filters ride along in the query string, so the list comes back as it was, errors and ticks kept."""
    form = BulkActionForm(request.POST)
    done, message = _call(form, lambda d: _bulk(request.principal, d))
    if done:
        messages.success(request, message)
        query = request.GET.urlencode()
        return redirect(reverse("connectivity:sims") + (f"?{query}" if query else ""))
    return render(request, "connectivity/sims.html", _sims_context(request, bulk_form=form), status=400)


@requires(Permission.VIEW)
def sims_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in exports.FORMATS:
        raise Http404
    form = SimFilterForm(request.GET)
    form.is_valid()
    return exports.export_response(principal=request.principal, fmt=fmt, filters=form.filters())


# SIM detail


def _log(request: HttpRequest, principal: Principal, iccid: str) -> dict:
    tab = request.GET.get("tab") if request.GET.get("tab") in (*LOG_SIZES, "sms") else "events"
    if tab == "sms":  # the SMS app fills this tab itself (its template tag)
        return {"tab": tab, "log": None, "usage_total": None}
    if tab == "events":
        rows = selectors.sim_events(principal=principal, iccid=iccid)
        total = None
    else:
        since = timezone.localdate() - relativedelta(months=selectors.HISTORY_MONTHS)
        rows = selectors.sim_usage(principal=principal, iccid=iccid, start=since)
        total = {
            "data_rx": sum(r.data_rx for r in rows),
            "data_tx": sum(r.data_tx for r in rows),
            "sms_mo": sum(r.sms_mo for r in rows),
            "sms_mt": sum(r.sms_mt for r in rows),
        }
        total["data"] = total["data_rx"] + total["data_tx"]
    return {"tab": tab, "log": Paginator(rows, LOG_SIZES[tab]).get_page(request.GET.get("page")), "usage_total": total}


def _quotas(sim, limits: dict) -> list[dict]:
    """Data and SMS side by side, with this month's use against the organisation's limits."""
    month = {service: selectors.month_usage(sim, service) for service in Service}
    return [
        {
            "name": _("Data"),
            "is_data": True,
            "remaining": sim.data_remaining,
            "total": sim.data_total,
            "last_added": sim.data_last_added,
            "group": QuotaStatus(sim.data_status),
            "month": [(_("Data"), month[Service.DATA], limits.get(Service.DATA))],
        },
        {
            "name": _("SMS"),
            "is_data": False,
            "remaining": sim.sms_remaining,
            "total": sim.sms_total,
            "last_added": sim.sms_last_added,
            "group": QuotaStatus(sim.sms_status),
            "month": [
                (_("Sent (MO)"), month[Service.SMS_MO], limits.get(Service.SMS_MO)),
                (_("Received (MT)"), month[Service.SMS_MT], limits.get(Service.SMS_MT)),
            ],
        },
    ]


@requires(Permission.VIEW)
def sim_detail(request: HttpRequest, iccid: str) -> HttpResponse:
    principal = request.principal
    sim = selectors.sim_get(principal=principal, iccid=iccid)
    log = _log(request, principal, sim.iccid)
    if _targeted(request, "sim-log"):
        return render(request, "connectivity/sim_detail.html#log", {"sim": sim, **log})
    limits = selectors.limits_get(principal=principal)
    context = {
        "sim": sim,
        "state": getattr(sim, "connectivity", None),
        "lifetime": selectors.lifetime(sim),
        "ip_pool": selectors.sim_ip_pool(principal=principal, sim=sim),
        "blocker": services.data_blocker(sim_id=sim.pk),
        "quotas": _quotas(sim, limits),
        "can_manage": principal.can(Permission.SIMS_MANAGE),
        **log,
    }
    return render(request, "connectivity/sim_detail.html", context)


@requires(Permission.SIMS_MANAGE)
def sim_label(request: HttpRequest, iccid: str) -> HttpResponse:
    """Edited in place with htmx (the fragment comes back); without script, a small page of its own."""
    principal = request.principal
    sim = selectors.sim_get(principal=principal, iccid=iccid)
    form = LabelForm(request.POST or None, initial={"label": sim.label})
    if request.method == "POST":
        done, updated = _call(
            form, lambda d: services.sim_update(principal=principal, change=SimChange(iccid, label=d["label"]))
        )
        if done:
            if request.htmx:
                context = {"sim": updated, "can_manage": True, "retitle": True}  # the heading follows the label
                return render(request, "connectivity/sim_detail.html#label", context)
            messages.success(request, _("Label saved."))
            return redirect("connectivity:sim_detail", iccid=updated.iccid)
    if request.htmx:
        return render(request, "connectivity/sim_detail.html#label-form", {"sim": sim, "form": form})
    status = 400 if form.errors else 200
    return render(request, "connectivity/sim_label.html", {"sim": sim, "form": form}, status=status)


@require_POST
@requires(Permission.SIMS_MANAGE)
def sim_status(request: HttpRequest, iccid: str) -> HttpResponse:
    wanted = request.POST.get("status", "")
    attempt(
        request,
        lambda: services.sim_update(principal=request.principal, change=SimChange(iccid, status=wanted)),
        success=_("SIM activated.") if wanted == SimStatus.ENABLED else _("SIM deactivated."),
    )
    return redirect("connectivity:sim_detail", iccid=iccid)


@require_POST
@requires(Permission.SIMS_MANAGE)
def sim_reset(request: HttpRequest, iccid: str) -> HttpResponse:
    attempt(
        request,
        lambda: services.sim_reset(principal=request.principal, iccid=iccid),
        success=_("Connection reset requested: the network drops the data session and the device reconnects."),
    )
    return redirect("connectivity:sim_detail", iccid=iccid)


@require_POST
@requires(Permission.SIMS_MANAGE)
def sim_imei_lock(request: HttpRequest, iccid: str) -> HttpResponse:
    locked = request.POST.get("locked") == "1"
    attempt(
        request,
        lambda: services.sim_update(principal=request.principal, change=SimChange(iccid, imei_lock=locked)),
        success=_("IMEI lock turned on.") if locked else _("IMEI lock turned off."),
    )
    return redirect("connectivity:sim_detail", iccid=iccid)


# Configuration


def _configuration(
    request: HttpRequest,
    limits_form: LimitsForm | None = None,
    volume_form: VolumeNotificationsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = request.principal
    current = selectors.limits_get(principal=principal)
    context = {
        "network": selectors.network_settings(principal=principal),
        "limits": [(service, current[service]) for service in Service],
        "limits_form": limits_form or LimitsForm(current=current),
        "volume_form": volume_form or _volume_form(principal),
        "sim_count": selectors.sims_list(principal=principal).count(),
        "can_manage": principal.can(Permission.SIMS_MANAGE),
        "can_notify": principal.can(Permission.INTEGRATIONS_MANAGE),
    }
    return render(request, "connectivity/configuration.html", context, status=status)


def _volume_form(principal: Principal, data: dict | None = None) -> VolumeNotificationsForm:
    members = tenancy.members_list(principal=principal).order_by("user__last_name", "user__first_name")
    return VolumeNotificationsForm(
        data,
        current=selectors.volume_notifications_get(principal=principal),
        users=[(m.user_id, f"{m.user.full_name} ({m.user.email})") for m in members],
        disabled=not principal.can(Permission.INTEGRATIONS_MANAGE),
    )


@requires(Permission.VIEW)
def configuration(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":  # the volume notifications card, the one form that posts to the page itself
        return _volume_notifications(request)
    return _configuration(request)


@requires(Permission.INTEGRATIONS_MANAGE)
def _volume_notifications(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    form = _volume_form(principal, request.POST)
    done, _settings = _call(
        form,
        lambda d: services.volume_notifications_set(
            principal=principal, conditions=d["conditions"], user_ids=d["user_ids"]
        ),
    )
    if done:
        messages.success(request, _("Volume notifications saved."))
        return redirect(reverse("connectivity:configuration") + "#volume-notifications")
    return _configuration(request, volume_form=form, status=400)


@require_POST
@requires(Permission.SIMS_MANAGE)
def limits(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    form = LimitsForm(request.POST, current=selectors.limits_get(principal=principal))
    done, _limits = _call(form, lambda d: services.limits_set(principal=principal, **form.step_ids()))
    if done:
        messages.success(request, _("Monthly limits saved. They apply to every SIM from the next session on."))
        return redirect("connectivity:configuration")
    return _configuration(request, limits_form=form, status=400)


@require_POST
@requires(Permission.SIMS_MANAGE)
def imei_lock_all(request: HttpRequest) -> HttpResponse:
    locked = request.POST.get("locked") == "1"
    n = services.sims_set_imei_lock(principal=request.principal, locked=locked)
    if locked:
        message = ngettext(
            "IMEI lock is on for all SIMs (%(n)d changed).", "IMEI lock is on for all SIMs (%(n)d changed).", n
        )
    else:
        message = ngettext(
            "IMEI lock is off for all SIMs (%(n)d changed).", "IMEI lock is off for all SIMs (%(n)d changed).", n
        )
    messages.success(request, message % {"n": n})
    return redirect("connectivity:configuration")


# Organisation → SIM transfer


def _transfer_targets(own) -> list[tuple[int, str]]:
    family = [own, *tenancy.child_refs(organisation_id=own.id)]
    counts = selectors.sim_counts([o.id for o in family])
    labels = []
    for org in family:
        n = counts.get(org.id, 0)
        sims_text = ngettext("%(n)d SIM", "%(n)d SIMs", n) % {"n": n}
        name = _("%(name)s (master)") % {"name": org.company_name} if org.id == own.id else org.company_name
        labels.append((org.id, f"{name} · {sims_text}"))
    return labels


@requires(Permission.ORGANISATIONS_MANAGE)
def sim_transfer(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    own = tenancy.organisation_ref(organisation_id=principal.organisation_id)
    is_master = own is not None and own.kind is OrganisationKind.CUSTOMER
    form = None
    if is_master:
        form = TransferForm(request.POST or None, request.FILES or None, targets=_transfer_targets(own))
        if request.method == "POST":
            done, moved = _call(
                form,
                lambda d: services.sims_transfer(
                    principal=principal,
                    target_organisation_id=d["target_organisation"],
                    iccids=d["numbers"],
                    ranges=d["ranges"],
                ),
            )
            if done:
                messages.success(request, ngettext("%(n)d SIM moved.", "%(n)d SIMs moved.", moved) % {"n": moved})
                return redirect("connectivity:sim_transfer")
    elif request.method == "POST":
        raise PermissionDenied(_("SIMs are transferred by the master organisation of a customer."))
    status = 400 if form is not None and form.errors else 200
    return render(request, "connectivity/sim_transfer.html", {"form": form}, status=status)


# The operator's SIM inventory


def _require_operator(principal: Principal) -> None:
    if not operator_staff(principal):
        raise NotFound(_("Page not found."))


def _customers(principal: Principal) -> list[tuple[int, str]]:
    kinds = (OrganisationKind.CUSTOMER, OrganisationKind.SUB_ORGANISATION)
    return [
        (ref.id, f"{ref.company_name} · {ref.customer_number} · {KIND_LABELS[ref.kind]}")
        for ref in tenancy.descendant_refs(organisation_id=principal.organisation_id)
        if ref.kind in kinds
    ]


def _inventory(
    request: HttpRequest,
    *,
    import_form: ImportForm | None = None,
    assign_form: AssignForm | None = None,
    status: int = 200,
) -> HttpResponse:
    principal = request.principal
    try:
        page_number = max(1, int(request.GET.get("page", 1)))
    except ValueError:
        page_number = 1
    stock = paginate(selectors.sims_list(principal=principal), page=page_number, size=STOCK_PAGE)
    context = {
        "stock_count": selectors.stock_count(principal=principal),
        "stock": stock,
        "imports": selectors.sim_imports(principal=principal)[:20],
        "import_form": import_form or ImportForm(),
        "assign_form": assign_form or AssignForm(customers=_customers(principal)),
        "can_manage": principal.can(Permission.SIMS_MANAGE),
    }
    return render(request, "connectivity/inventory.html", context, status=status)


@requires(Permission.VIEW)
def inventory(request: HttpRequest) -> HttpResponse:
    _require_operator(request.principal)
    return _inventory(request)


@require_POST
@requires(Permission.SIMS_MANAGE)
def inventory_import(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    _require_operator(principal)
    form = ImportForm(request.POST, request.FILES)
    done, job = _call(
        form,
        lambda d: services.sim_import_start(
            principal=principal, file_name=d["file"].name, content=d["file"].read(), plan_id=d["plan_id"]
        ),
    )
    if done:
        return redirect("connectivity:inventory_import", import_id=job.pk)
    return _inventory(request, import_form=form, status=400)


@require_POST
@requires(Permission.SIMS_MANAGE)
def inventory_assign(request: HttpRequest) -> HttpResponse:
    principal = request.principal
    _require_operator(principal)
    form = AssignForm(request.POST, request.FILES, customers=_customers(principal))
    done, assigned = _call(
        form,
        lambda d: services.sims_assign(
            principal=principal,
            iccids=d["numbers"] + selectors.stock_in_ranges(principal=principal, ranges=d["ranges"]),
            organisation_id=d["organisation_id"],
        ),
    )
    if done:
        n = len(assigned)
        messages.success(request, ngettext("%(n)d SIM assigned.", "%(n)d SIMs assigned.", n) % {"n": n})
        return redirect("connectivity:inventory")
    return _inventory(request, assign_form=form, status=400)


@requires(Permission.VIEW)
def inventory_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The progress of one import; while it runs, htmx asks for the progress fragment every second."""
    _require_operator(request.principal)
    job = selectors.sim_import_get(principal=request.principal, import_id=import_id)
    context = {"job": job, "running": job.status in ("queued", "running")}
    if _targeted(request, "import-progress"):
        return render(request, "connectivity/import.html#progress", context)
    return render(request, "connectivity/import.html", context)
