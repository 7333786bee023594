"""The one import point of the task decorator, so moving to Django 6's `django.tasks` is a one-line change."""

from django_tasks import task

__all__ = ["task"]
