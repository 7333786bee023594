from django.urls import path

from . import streams as views

app_name = "streams"

STREAM = "configuration/streams/<int:stream_id>/"

urlpatterns = [
    path("configuration/streams/", views.streams, name="streams"),
    path(STREAM, views.stream, name="stream"),
    path(STREAM + "pause/", views.stream_pause, name="stream_pause"),
    path(STREAM + "resume/", views.stream_resume, name="stream_resume"),
    path(STREAM + "test/", views.stream_test, name="stream_test"),
    path(STREAM + "rotate-secret/", views.stream_rotate_secret, name="stream_rotate_secret"),
    path(STREAM + "replay/", views.stream_replay, name="stream_replay"),
    path(STREAM + "delete/", views.stream_delete, name="stream_delete"),
    path("configuration/sms-forwarding/", views.sms_forwarding, name="sms_forwarding"),
    path("configuration/sms-forwarding/delete/", views.sms_forwarding_delete, name="sms_forwarding_delete"),
]
