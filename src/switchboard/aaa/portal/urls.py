from django.urls import path

from . import views

app_name = "aaa"

urlpatterns = [
    path("network/radius/", views.clients, name="clients"),
    path("network/radius/clients/<int:client_id>/", views.client_edit, name="client_edit"),
    path("network/radius/clients/<int:client_id>/delete/", views.client_delete, name="client_delete"),
]
