"""WhatsApp webhook latency: p50/p95/p99 of signed POST /webhooks/whatsapp (target p99 < 100 ms).

    python bench/channels/webhook.py --quick              # CI: 300 requests, SQLite in a temp directory
    python bench/channels/webhook.py --requests 3000      # full run
    python bench/channels/webhook.py --postgres           # throwaway database caminante_bench_channels

Each request is a real-shaped Cloud API delivery (one text message from one of 500 numbers, plus
every fifth request a status callback), signed with the app secret, sent through Django's whole
middleware stack by the test client. The view verifies the signature, stores the message
(encrypted), dedupes, and queues the "chatbot" job; the answer itself is the worker's job, not
timed here. Every tenth request is a retry of an earlier message (deduplicated). Prints one line:

    channels_webhook db=sqlite requests=300 p50_ms=.. p95_ms=.. p99_ms=.. stored=.. duplicates=..
"""

import argparse
import hashlib
import hmac
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_DB = "caminante_bench_channels"
SECRET = "bench-app-secret"


def setup(args) -> str:
    os.environ["CAMINANTE_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "caminante.settings"
    os.environ["CAMINANTE_WHATSAPP_APP_SECRET"] = SECRET
    os.environ["CAMINANTE_LOG_LEVEL"] = "WARNING"
    if args.postgres:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{PG_DB}"')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["CAMINANTE_DATABASE_URL"] = PG_SERVER + PG_DB
    elif not os.environ.get("CAMINANTE_DATABASE_URL"):
        data_dir = Path(tempfile.mkdtemp(prefix="caminante-bench-channels-"))
        os.environ["CAMINANTE_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def envelope(sender: str, msg_id: str, text: str, statuses=()) -> dict:
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "demo-co"},
        "contacts": [{"profile": {"name": "X"}, "wa_id": sender}],
        "messages": [
            {"from": sender, "id": msg_id, "timestamp": str(int(time.time())), "type": "text", "text": {"body": text}}
        ],
    }
    if statuses:
        value["statuses"] = list(statuses)
    return {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": value}]}]}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--postgres", action="store_true")
    args = parser.parse_args(argv)
    n = 300 if args.quick else args.requests
    vendor = setup(args)

    from django.test import Client

    from caminante.channels.models import Message, WhatsAppNumber
    from caminante.core.catalogue import load_catalogue
    from caminante.core.models import NationalSociety

    load_catalogue()
    WhatsAppNumber.objects.get_or_create(
        national_society=NationalSociety.objects.get(country="CO"), defaults={"phone_number_id": "demo-co"}
    )
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(4)
    texts = ["Hola, ¿dónde queda el punto?", "Necesito un kit de higiene", "Quiero hablar con una persona", "menu"]
    senders = [f"57300{rng.randrange(10**7):07d}" for _ in range(500)]
    sent_ids: list[str] = []
    timings = []
    duplicates = 0
    for i in range(n + 20):
        if sent_ids and i % 10 == 9:
            msg_id = rng.choice(sent_ids)
            duplicates += 1
        else:
            msg_id = f"wamid.{uuid.uuid4().hex}"
            sent_ids.append(msg_id)
        statuses = [{"id": f"wamid.out{i}", "status": "delivered", "recipient_id": "1"}] if i % 5 == 0 else []
        raw = json.dumps(envelope(rng.choice(senders), msg_id, rng.choice(texts), statuses)).encode()
        signature = "sha256=" + hmac.new(SECRET.encode(), raw, hashlib.sha256).hexdigest()
        start = time.perf_counter()
        response = client.post(
            "/webhooks/whatsapp", data=raw, content_type="application/json", HTTP_X_HUB_SIGNATURE_256=signature
        )
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.content
        if i >= 20:  # warm-up
            timings.append(elapsed)
    q = statistics.quantiles(timings, n=100)
    print(
        f"channels_webhook db={vendor} requests={len(timings)} p50_ms={statistics.median(timings):.1f} "
        f"p95_ms={q[94]:.1f} p99_ms={q[98]:.1f} stored={Message.objects.count()} duplicates={duplicates}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
