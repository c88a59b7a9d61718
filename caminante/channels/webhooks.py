"""The WhatsApp Cloud API webhook: verification handshake and signed deliveries.

The POST is verified (HMAC-SHA256 of the raw body with the app secret, constant-time compare)
before anything is parsed; a bad or missing signature gets 403 and nothing is stored. The view
stores the messages and queues the work ("chatbot" outbox jobs), then answers 200 at once: the
worker answers the person after the commit.
"""

import hashlib
import hmac
import logging

from django.conf import settings
from django.http import HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from caminante.core.inputs import InvalidInput, read_json
from caminante.core.scoping import signed

from . import services

log = logging.getLogger(__name__)


def signature_ok(body: bytes, header: str) -> bool:
    secret = settings.WHATSAPP_APP_SECRET
    if not secret or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256=") :].strip().lower())


@csrf_exempt
@require_http_methods(["GET", "POST"])
@signed
def whatsapp_webhook(request):
    if request.method == "GET":
        token = request.GET.get("hub.verify_token", "")
        expected = settings.WHATSAPP_VERIFY_TOKEN
        if request.GET.get("hub.mode") == "subscribe" and expected and hmac.compare_digest(token, expected):
            return HttpResponse(request.GET.get("hub.challenge", ""), content_type="text/plain")
        return HttpResponseForbidden("forbidden")
    if not signature_ok(request.body, request.headers.get("X-Hub-Signature-256", "")):
        log.warning("whatsapp webhook: bad or missing signature")
        return HttpResponseForbidden("bad signature")
    try:
        envelope = read_json(request)
    except InvalidInput as exc:
        return JsonResponse({"code": exc.code, "error": exc.message}, status=400)
    counts = services.receive_whatsapp(envelope)
    return JsonResponse({"ok": True, **counts})
