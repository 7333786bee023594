from django.urls import path

from . import views

app_name = "tenancy"

urlpatterns = [
    path("account/", views.account, name="account"),
    path("account/addresses/<int:address_id>/", views.address_edit, name="address_edit"),
    path("account/addresses/<int:address_id>/remove/", views.address_remove, name="address_remove"),
    path("users/", views.users, name="users"),
    path("users/<int:membership_id>/", views.user_edit, name="user_edit"),
    path("users/<int:membership_id>/remove/", views.user_remove, name="user_remove"),
    path("users/api-clients/<int:api_client_id>/revoke/", views.api_client_revoke, name="api_client_revoke"),
    path("organisation/", views.organisation, name="organisation"),
]
