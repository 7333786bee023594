from django.urls import path

from . import views

app_name = "orders"

urlpatterns = [
    path("cart/", views.cart, name="cart"),
    path("cart/add/", views.cart_add, name="cart_add"),
    path("cart/lines/<int:line_id>/", views.cart_line, name="cart_line"),
    path("cart/lines/<int:line_id>/remove/", views.cart_line_remove, name="cart_line_remove"),
    path("cart/lines/<int:line_id>/attach/", views.cart_line_attach, name="cart_line_attach"),
    path("cart/order/", views.cart_place, name="cart_place"),
    path("orders/", views.orders, name="orders"),
    path("orders/top-up/", views.topup, name="topup"),
    path("orders/extension/", views.extension, name="extension"),
    path("orders/auto-top-up/", views.auto_top_up, name="auto_top_up"),
    path("orders/documents/<str:number>/", views.document, name="document"),
    path("orders/<int:number>/", views.order, name="order_detail"),
    path("orders/<int:number>/reorder/", views.order_reorder, name="order_reorder"),
    path("orders/<int:number>/affected-sims/", views.affected_sims, name="affected_sims"),
    path("contracts/", views.contracts, name="contracts"),
    path("contracts/<int:contract_id>/reorder/", views.contract_reorder, name="contract_reorder"),
    path("back-office/orders/", views.back_office, name="back_office"),
    path("back-office/orders/<int:number>/", views.back_office_order, name="back_office_order"),
    path("back-office/orders/<int:number>/complete/", views.back_office_complete, name="back_office_complete"),
    path("back-office/orders/<int:number>/cancel/", views.back_office_cancel, name="back_office_cancel"),
    path("back-office/orders/<int:number>/correction/", views.back_office_correction, name="back_office_correction"),
]
