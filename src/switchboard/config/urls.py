from django.contrib import admin
from django.urls import include, path

from switchboard.api.urls import urlpatterns as api_urls

handler403 = "switchboard.portal.errors.permission_denied"
handler404 = "switchboard.portal.errors.page_not_found"

urlpatterns = [
    *api_urls,
    path("admin/", admin.site.urls),
    path("", include("switchboard.tenancy.portal.urls")),
    path("", include("switchboard.connectivity.portal.urls")),
    path("", include("switchboard.aaa.portal.urls")),
    path("", include("switchboard.orders.portal.urls")),
    path("", include("switchboard.sms.portal.urls")),
    path("smsc/", include("switchboard.sms.urls")),
    path("audit/", include("switchboard.events.portal.urls")),
    path("", include("switchboard.events.portal.stream_urls")),
    path("", include("switchboard.portal.urls")),
]
