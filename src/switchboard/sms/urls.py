from django.urls import path

from . import callbacks

app_name = "smsc"

urlpatterns = [
    path("kannel/mo", callbacks.kannel_mo, name="kannel_mo"),
    path("kannel/dlr", callbacks.kannel_dlr, name="kannel_dlr"),
]
