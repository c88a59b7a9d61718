"""Pages of the channels app (included from caminante/urls.py)."""

from django.urls import path

from . import sink, views, webhooks

urlpatterns: list = [
    path("webhooks/whatsapp", webhooks.whatsapp_webhook, name="whatsapp-webhook"),
    path("chat/", views.webchat, name="webchat"),
    path("chat/messages", views.webchat_messages, name="webchat-messages"),
    path("inbox/", views.inbox, name="chat-inbox"),
    path("inbox/broadcasts/", views.broadcasts, name="chat-broadcasts"),
    path("inbox/faq/", views.faq_answers, name="chat-faq"),
    path("inbox/faq/labels/", views.topic_labels, name="chat-labels"),
    path("inbox/numbers/", views.numbers, name="chat-numbers"),
    path("inbox/sent/", sink.sent_messages, name="chat-sent-messages"),
    path("inbox/sent/<uuid:sent_id>/", sink.sent_message, name="chat-sent-message"),
    path("inbox/<uuid:conversation_id>/", views.conversation_detail, name="chat-conversation"),
]
