"""The transactional outbox and its worker, against a small local HTTP receiver."""

import json
import socket
import threading
from collections import Counter
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone

from caminante.core import outbox
from caminante.core.models import OutboxMessage


class Receiver:
    """A partner's webhook endpoint: answers the scripted statuses in order, then 200."""

    def __init__(self, statuses=()):
        self.statuses = list(statuses)
        self.hits: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.hits.append(
                        {
                            "path": self.path,
                            "json": json.loads(body),
                            "key": self.headers.get("Idempotency-Key"),
                            "content_type": self.headers.get("Content-Type"),
                            "status": status,
                        }
                    )
                    number = len(receiver.hits)
                reply = json.dumps({"id": f"rcv-{number}"} if status < 300 else {"error": "nope"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made = []

    def make(statuses=()):
        r = Receiver(statuses)
        made.append(r)
        return r

    yield make
    for r in made:
        r.close()


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


@pytest.mark.django_db
def test_enqueue_in_rolled_back_transaction_leaves_no_message():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("webhook", "http://127.0.0.1:9/x", {"a": 1})
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change failed")
    assert OutboxMessage.objects.count() == 0


@pytest.mark.django_db
def test_enqueue_unknown_channel_and_idempotency_key():
    with pytest.raises(ValueError, match="unknown outbox channel"):
        outbox.enqueue("pigeon", "x", {})
    first = outbox.enqueue("webhook", "http://127.0.0.1:9/x", {"a": 1}, idempotency_key="k-1")
    second = outbox.enqueue("webhook", "http://127.0.0.1:9/x", {"a": 2}, idempotency_key="k-1")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_worker_once_delivers_webhook(receiver, keep_signal_handlers, capsys):
    r = receiver()
    message = outbox.enqueue("webhook", r.url, {"event": "person.registered", "code": "CO-7K3M-9QF", "n": 1})
    call_command("worker", "--once")
    assert "delivered 1" in capsys.readouterr().out
    assert len(r.hits) == 1
    hit = r.hits[0]
    assert hit["path"] == "/hook"
    assert hit["json"] == {"event": "person.registered", "code": "CO-7K3M-9QF", "n": 1}
    assert hit["content_type"] == "application/json"
    assert hit["key"] == str(message.pk)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 1
    assert message.sent_at is not None
    assert message.provider_message_id == "rcv-1"
    assert message.lease_until is None
    # Nothing is due any more: a second run sends nothing.
    call_command("worker", "--once")
    assert len(r.hits) == 1


@pytest.mark.django_db
@override_settings(OUTBOX_BACKOFF_BASE_SECONDS=10)
def test_failing_receiver_that_recovers_is_retried_with_backoff(receiver):
    r = receiver([503, 503])
    message = outbox.enqueue("webhook", r.url, {"n": 1})

    before = timezone.now()
    assert outbox.deliver_due("w1") == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 1)
    assert "503" in message.last_error
    first_delay = (message.next_attempt_at - before).total_seconds()
    assert 10 * 0.8 - 1 <= first_delay <= 10 * 1.2 + 1

    # Not due yet: the worker leaves it alone.
    assert outbox.deliver_due("w1") == 0
    assert len(r.hits) == 1

    _make_due(message)
    before = timezone.now()
    assert outbox.deliver_due("w1") == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.PENDING, 2)
    second_delay = (message.next_attempt_at - before).total_seconds()
    assert 20 * 0.8 - 1 <= second_delay <= 20 * 1.2 + 1

    _make_due(message)
    assert outbox.deliver_due("w1") == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
    assert message.attempts == 3
    assert message.last_error == ""
    assert [h["status"] for h in r.hits] == [503, 503, 200]
    assert {h["key"] for h in r.hits} == {str(message.pk)}


def test_backoff_is_exponential_and_capped():
    with override_settings(OUTBOX_BACKOFF_BASE_SECONDS=30):
        for attempts, base in ((1, 30), (2, 60), (3, 120), (4, 240)):
            seconds = outbox.backoff(attempts).total_seconds()
            assert base * 0.8 <= seconds <= base * 1.2
        assert outbox.backoff(40).total_seconds() <= 6 * 3600 * 1.2


@pytest.mark.django_db
def test_client_error_is_a_permanent_failure(receiver):
    r = receiver([400])
    message = outbox.enqueue("webhook", r.url, {"n": 1})
    assert outbox.deliver_due("w1") == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 1
    assert "HTTP 400" in message.last_error
    _make_due(message)
    assert outbox.deliver_due("w1") == 0
    assert len(r.hits) == 1


@pytest.mark.django_db
def test_too_many_requests_is_retried(receiver):
    r = receiver([429])
    message = outbox.enqueue("webhook", r.url, {"n": 1})
    outbox.deliver_due("w1")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING


def _closed_port_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}/hook"


@pytest.mark.django_db
def test_receiver_down_keeps_the_message_pending():
    message = outbox.enqueue("webhook", _closed_port_url(), {"n": 1})
    assert outbox.deliver_due("w1") == 1
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.PENDING
    assert message.attempts == 1
    assert message.last_error
    assert message.next_attempt_at > timezone.now()
    assert message.payload == {"n": 1}
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_gives_up_after_max_attempts():
    message = outbox.enqueue("webhook", _closed_port_url(), {"n": 1})
    outbox.deliver_due("w1")
    _make_due(message)
    outbox.deliver_due("w1")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 2


@pytest.mark.django_db
def test_not_an_http_url_fails_permanently():
    message = outbox.enqueue("webhook", "ftp://example.org/x", {"n": 1})
    outbox.deliver_due("w1")
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED


@pytest.mark.django_db
def test_expired_lease_is_reclaimed_and_live_lease_is_not(receiver):
    r = receiver()
    now = timezone.now()
    stale = outbox.enqueue("webhook", r.url, {"which": "stale"})
    live = outbox.enqueue("webhook", r.url, {"which": "live"})
    OutboxMessage.objects.filter(pk=stale.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_by="dead-worker", lease_until=now - timedelta(seconds=5)
    )
    OutboxMessage.objects.filter(pk=live.pk).update(
        status=OutboxMessage.Status.SENDING, claimed_by="busy-worker", lease_until=now + timedelta(minutes=5)
    )
    assert outbox.deliver_due("w2") == 1
    stale.refresh_from_db()
    live.refresh_from_db()
    assert (stale.status, stale.claimed_by) == (OutboxMessage.Status.SENT, "w2")
    assert live.status == OutboxMessage.Status.SENDING
    assert live.claimed_by == "busy-worker"
    assert [h["json"]["which"] for h in r.hits] == ["stale"]


@pytest.mark.django_db
def test_late_result_of_a_worker_that_lost_its_lease_is_ignored(receiver):
    """A worker whose lease expired and was reclaimed must not overwrite the new owner's row."""
    r = receiver()
    message = outbox.enqueue("webhook", r.url, {"n": 1})
    claimed = outbox.claim_next("slow")
    assert claimed.claimed_by == "slow"
    OutboxMessage.objects.filter(pk=message.pk).update(claimed_by="other")
    outbox.deliver(claimed)
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENDING
    assert message.claimed_by == "other"


@pytest.mark.django_db(transaction=True)
def test_concurrent_workers_never_send_a_message_twice(receiver):
    r = receiver()
    messages = [outbox.enqueue("webhook", r.url, {"n": i}) for i in range(40)]
    errors = []
    start = threading.Barrier(3)
    statement_lock = threading.Lock()

    def one_statement_at_a_time(execute, sql, params, many, context):
        # The test database on SQLite is in memory with a shared cache, where a lock conflict
        # fails at once instead of waiting like a database file does (busy timeout). Serialise
        # single statements, as SQLite's file locking would, and let readers skip table read
        # locks; the workers still interleave between their SELECT and their conditional UPDATE,
        # which is the race under test.
        with statement_lock:
            return execute(sql, params, many, context)

    def work(worker_id):
        try:
            start.wait()
            if connection.vendor == "sqlite":
                with connection.cursor() as cursor:
                    cursor.execute("PRAGMA read_uncommitted = 1")
                with connection.execute_wrapper(one_statement_at_a_time):
                    while outbox.deliver_due(worker_id, limit=5):
                        pass
            else:
                while outbox.deliver_due(worker_id, limit=5):
                    pass
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors
    hits = Counter(h["key"] for h in r.hits)
    assert set(hits) == {str(m.pk) for m in messages}
    assert max(hits.values()) == 1
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.SENT).count() == 40
    # The work was shared: more than one worker sent messages.
    assert len(set(OutboxMessage.objects.values_list("claimed_by", flat=True))) >= 2


@pytest.mark.django_db
@override_settings(OUTBOX_MAX_ATTEMPTS=2)
def test_a_message_whose_sending_kills_every_worker_ends_failed(receiver):
    """A worker killed mid-attempt leaves the row SENDING; the next claim counts that attempt,
    so a message that crashes every worker stops at the maximum instead of looping forever."""
    r = receiver()
    message = outbox.enqueue("webhook", r.url, {"poison": True})
    for attempt in range(1, 3):
        OutboxMessage.objects.filter(pk=message.pk).update(
            status=OutboxMessage.Status.SENDING,
            claimed_by=f"killed-{attempt}",
            lease_until=timezone.now() - timedelta(seconds=1),
            next_attempt_at=timezone.now(),
        )
        claimed = outbox.claim_next("w")
        message.refresh_from_db()
        if attempt == 1:
            assert claimed is not None and message.attempts == 1 and message.status == OutboxMessage.Status.SENDING
    assert claimed is None
    assert message.status == OutboxMessage.Status.FAILED
    assert message.attempts == 2 and "worker stopped" in message.last_error
    assert r.hits == []
