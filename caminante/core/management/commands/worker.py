import signal
import socket
import time
import uuid

from django.core.management.base import BaseCommand

from caminante.core.jobs import run_due
from caminante.core.outbox import channel_report, deliver_due, waiting_channels


class Command(BaseCommand):
    help = (
        "Deliver the outbox (WhatsApp, SMS, e-mail, webhooks) with retries and run the periodic jobs "
        "(overdue alerts, reminders). Several may run at once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
        parser.add_argument("--interval", type=float, default=2.0, help="seconds between polls when idle")

    def handle(self, *args, once=False, interval=2.0, **options):
        worker_id = f"{socket.gethostname()}-{uuid.uuid4().hex[:8]}"
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"worker {worker_id} started")
        waiting = waiting_channels()
        for line in channel_report():
            if line.split(":", 1)[0] in waiting:  # no provider: say it once, loudly, not per message
                self.stderr.write(f"worker: {line}")
            else:
                self.stdout.write(f"worker: {line}")
        while not stopping:
            for summary in run_due():
                self.stdout.write(summary)
            sent = deliver_due(worker_id)
            if once:
                self.stdout.write(f"delivered {sent}")
                return
            if not sent:
                time.sleep(interval)
        self.stdout.write(f"worker {worker_id} stopped")
