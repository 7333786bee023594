from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "switchboard.api"
    label = "switchboard_api"
