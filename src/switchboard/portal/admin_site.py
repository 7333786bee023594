from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class OperatorAdminSite(admin.AdminSite):
    site_header = _("Switchboard operator administration")
    site_title = _("Switchboard admin")
    index_title = _("Operator administration")
