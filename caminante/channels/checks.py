"""Start-up checks of the message providers: in production a channel without its provider fails
loudly when the platform starts (`caminante check`, `caminante worker`, `runserver`, `migrate`), not
message by message.

- channels.E001 (every check): a National Society has an active WhatsApp number but
  CAMINANTE_WHATSAPP_ACCESS_TOKEN is not set.
- `caminante check --deploy`: channels.E002 no SMS gateway (CAMINANTE_SMS_GATEWAY_URL), channels.E003
  an e-mail backend that only writes to the log (CAMINANTE_EMAIL_BACKEND), channels.W001 every
  message kept in the local sink (CAMINANTE_MESSAGE_SINK=1) outside demo mode.

In demo mode, with the sink, and in the test suite (CAMINANTE_TESTING) those messages go to the
local sink or nowhere on purpose, and nothing is reported.
"""

from django.conf import settings
from django.core import checks
from django.db import DatabaseError

from caminante.core import outbox

TAG = "messages"


def _messages_stay_here() -> bool:
    return bool(settings.DEMO_MODE or settings.MESSAGE_SINK or settings.TESTING)


@checks.register(TAG)
def whatsapp_numbers_have_a_token(app_configs=None, **kwargs) -> list:
    if _messages_stay_here() or settings.WHATSAPP_ACCESS_TOKEN:
        return []
    from .models import WhatsAppNumber

    try:
        names = sorted(
            WhatsAppNumber.objects.filter(active=True).values_list("national_society__country", flat=True).distinct()
        )
    except DatabaseError:  # not migrated yet: nothing configured to check
        return []
    if not names:
        return []
    return [
        checks.Error(
            f"WhatsApp numbers are configured ({', '.join(names)}) but CAMINANTE_WHATSAPP_ACCESS_TOKEN is not set: "
            "no WhatsApp message (vouchers, answers, referrals) can be sent.",
            hint="Set CAMINANTE_WHATSAPP_ACCESS_TOKEN to the Cloud API's access token, or deactivate the numbers "
            "at /inbox/numbers/ (CAMINANTE_MESSAGE_SINK=1 keeps every message in the local sink instead).",
            id="channels.E001",
        )
    ]


@checks.register(TAG, deploy=True)
def providers_are_configured(app_configs=None, **kwargs) -> list:
    issues: list = []
    if settings.MESSAGE_SINK and not (settings.DEMO_MODE or settings.TESTING):
        issues.append(
            checks.Warning(
                "CAMINANTE_MESSAGE_SINK=1: every WhatsApp, SMS and e-mail message stays in the local sink; "
                "nobody receives them.",
                hint="Unset CAMINANTE_MESSAGE_SINK outside training and staging servers.",
                id="channels.W001",
            )
        )
    if _messages_stay_here():
        return issues
    provider = outbox.providers()
    if "sms" in provider and not provider["sms"].configured():
        issues.append(
            checks.Error(
                "CAMINANTE_SMS_GATEWAY_URL is not set: SMS messages (vouchers and answers to people without "
                "WhatsApp, every message of a National Society without a WhatsApp number) wait in the outbox "
                "and are never sent.",
                hint="Set CAMINANTE_SMS_GATEWAY_URL to the SMS gateway's HTTP endpoint.",
                id="channels.E002",
            )
        )
    if "email" in provider and not provider["email"].configured():
        issues.append(
            checks.Error(
                f"The e-mail backend ({settings.EMAIL_BACKEND}) only writes messages to the log: alerts to staff "
                "and referrals to partners are never sent.",
                hint="Set CAMINANTE_EMAIL_BACKEND (for example django.core.mail.backends.smtp.EmailBackend) and "
                "CAMINANTE_EMAIL_FROM.",
                id="channels.E003",
            )
        )
    return issues
