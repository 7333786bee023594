from django.urls import path

from . import views

app_name = "connectivity"

urlpatterns = [
    path("sims/", views.sims, name="sims"),
    path("sims/bulk/", views.sims_bulk, name="sims_bulk"),
    path("sims/export/<str:fmt>/", views.sims_export, name="sims_export"),
    path("sims/<str:iccid>/", views.sim_detail, name="sim_detail"),
    path("sims/<str:iccid>/label/", views.sim_label, name="sim_label"),
    path("sims/<str:iccid>/status/", views.sim_status, name="sim_status"),
    path("sims/<str:iccid>/reset/", views.sim_reset, name="sim_reset"),
    path("sims/<str:iccid>/imei-lock/", views.sim_imei_lock, name="sim_imei_lock"),
    path("configuration/", views.configuration, name="configuration"),
    path("configuration/limits/", views.limits, name="limits"),
    path("configuration/imei-lock/", views.imei_lock_all, name="imei_lock_all"),
    path("organisation/sim-transfer/", views.sim_transfer, name="sim_transfer"),
    path("inventory/", views.inventory, name="inventory"),
    path("inventory/imports/", views.inventory_import, name="inventory_import_start"),
    path("inventory/imports/<int:import_id>/", views.inventory_import_detail, name="inventory_import"),
    path("inventory/assign/", views.inventory_assign, name="inventory_assign"),
]
