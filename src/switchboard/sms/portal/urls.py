from django.urls import path

from . import views

app_name = "sms"

urlpatterns = [
    path("network/smsc/", views.smsc_settings, name="smsc"),
    path("sims/<str:iccid>/sms/", views.sms_send, name="send"),
    path("sims/<str:iccid>/sms/log/", views.sms_log, name="log"),
    path("sims/<str:iccid>/sms/<int:sms_id>/cancel/", views.sms_cancel, name="cancel"),
]
