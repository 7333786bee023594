from django.urls import path, re_path
from django.views.generic import RedirectView
from oauth2_provider import views as oauth2_views

from . import management
from .api import api
from .errors import not_found
from .management_api import api as management_api

urlpatterns = [
    path("api/v1/", api.urls),
    path("api/docs", RedirectView.as_view(url="/api/v1/docs", permanent=False)),
    path("management-api/oauth/token", management.token, name="management-token"),
    path("management-api/", management_api.urls),
    path("o/token/", oauth2_views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    re_path(r"^(api|management-api)/", not_found),
]
