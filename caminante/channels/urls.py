"""Pages of the channels app (included from caminante/urls.py)."""

from django.urls import path

from . import webhooks

urlpatterns: list = [
    path("webhooks/whatsapp", webhooks.whatsapp_webhook, name="whatsapp-webhook"),
]
