"""Crash safety with real processes: SIGKILL the web server (gunicorn) in the middle of voucher
redemptions, household registrations and WhatsApp webhook deliveries, and the outbox worker
(`caminante worker`) in the middle of deliveries; then check that nothing is half-written and that
every outbox message reaches the (fake) provider, twice only where the protocol cannot prevent it.

Each database gets its own throwaway database and data directory, and every process is started
with one production-like environment (a random CAMINANTE_SECRET_KEY, no CAMINANTE_TESTING, no demo
mode, no message sink; the SMS gateway and the WhatsApp Cloud API are a fake provider on a local
port, see tests/crash/harness.py):

1. `caminante migrate`, then `tests/crash/world.py` (in `caminante shell`) builds the world through
   the services: a service point, a volunteer and a vendor with API tokens, a WhatsApp number, 40
   vouchers of 100.00 whose messages wait in the outbox (20 WhatsApp templates, 20 SMS).
2. The web server: 12 clients send a mix of POST /api/v1/cash/redemptions/ (an Idempotency-Key
   each, on 8 hot vouchers), POST /api/v1/households/ (1 to 4 members, each household marked by a
   unique family name) and signed POST /webhooks/whatsapp (40 inbound messages, some delivered
   twice as Meta does). Gunicorn, master and workers in one process group, is SIGKILLed 150, 800
   and 2000 ms after the first success, with requests in flight, and started again (one more
   kill at 500 ms, three at most, until one has caught the server inside a write transaction:
   pg_stat_activity on PostgreSQL, the write lock on SQLite, sampled just before). Then every
   request whose answer was lost is retried as its client would: a redemption with its key (200
   means it had committed before the kill, 201 that it had not), a webhook delivery until 200. A
   household POST has no idempotency key: a lost answer is not retried (a retry of one that had
   committed would register the household twice), the household must be there whole or not at all.
3. The worker: SIGKILLed twice while the fake provider holds its request (inside the HTTP call)
   and twice 20 and 100 ms after its first request (wherever it is: claiming, answering a chatbot
   job, sending, marking); each time a new worker starts (CAMINANTE_OUTBOX_LEASE_SECONDS=2), and a
   last one runs until the outbox is empty.
4. Checked, from the database (`caminante shell`) and the API:
   - redemptions: each key has exactly one redemption or none, the one its client was told; each
     voucher's redemptions chain from its value down to its balance; the API's balance agrees;
   - households: every household has at least one current member and exactly one head (database
     and API), has all the members that were sent, nobody exists outside a household, every 201
     is in the database;
   - outbox: every row is sent; every inbound message is stored once and answered once (the same
     number of replies in every conversation); every message reached the provider at least once;
     a message reached it twice only if it was the one in flight when its worker was killed, at
     most one per kill. That is at-least-once delivery for a send the worker could not record:
     the SMS carries the outbox row's id as Idempotency-Key (the same on the retry, so a gateway
     that honours it sends one SMS); the WhatsApp Cloud API has no idempotency key (the person
     may get that one message twice);
   - `caminante cash verify` and `caminante audit verify` exit 0 (real subprocesses); on SQLite
     `PRAGMA integrity_check` and `foreign_key_check` are clean.

Which databases: the one the suite runs on (PostgreSQL when CAMINANTE_DATABASE_URL is PostgreSQL:
a throwaway database on that server, created with psql and dropped at the end; else SQLite, a
temporary file), so each variant runs once when the suite runs on both.
CAMINANTE_CRASH_DATABASES=sqlite,postgresql runs both (PostgreSQL at CAMINANTE_CRASH_POSTGRES_URL,
default postgresql://postgres@127.0.0.1:5432/postgres). About 65 s on SQLite, 95 s on PostgreSQL
(most of it `migrate`) on 2 cores.

    CAMINANTE_TESTING=1 .venv/bin/pytest tests/test_crash_safety.py -s   # -s: what each kill hit
"""

import itertools
import json
import os
import random
import shutil
import sqlite3
import subprocess
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.crash.harness import (
    GUNICORN,
    FakeProvider,
    Gunicorn,
    Worker,
    canonical,
    cli,
    hammer,
    process_env,
    request,
    shell_json,
    sign,
)

pytestmark = pytest.mark.slow

SUITE_URL = os.environ.get("CAMINANTE_DATABASE_URL", "")
SUITE_ENGINE = "postgresql" if SUITE_URL.startswith(("postgres://", "postgresql://")) else "sqlite"
WANTED = {name.strip() for name in os.environ.get("CAMINANTE_CRASH_DATABASES", SUITE_ENGINE).split(",")}
VOUCHERS = 40
HOT_VOUCHERS = 8
INBOUND = 40
CLIENTS = 12
WEB_KILL_DELAYS = (0.15, 0.8, 2.0)


def _postgres_admin_url() -> str:
    if SUITE_ENGINE == "postgresql":
        return SUITE_URL
    return os.environ.get("CAMINANTE_CRASH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, parts.fragment))


def _psql(url: str, sql: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True, timeout=60, check=False
    )


@dataclass
class World:
    engine: str
    base: Path
    env: dict
    provider: FakeProvider
    vendor_token: str = ""
    volunteer_token: str = ""
    vouchers: list = field(default_factory=list)
    processes: list = field(default_factory=list)
    sampler: object = None

    def gunicorn(self) -> Gunicorn:
        server = Gunicorn(self.env, self.base / "gunicorn.log")
        self.processes.append(server)
        return server

    def worker(self) -> Worker:
        worker = Worker(self.env, self.base / "worker.log")
        self.processes.append(worker)
        return worker

    def sample(self):
        return self.sampler() if self.sampler else None

    def snapshot(self) -> dict:
        out = self.base / "snapshot.json"
        return shell_json(self.env, out, f"snapshot({str(out)!r})")

    def note(self, text: str) -> None:
        print(f"[crash {self.engine}] {text}")


@pytest.fixture(params=["postgresql", "sqlite"])
def world(request, tmp_path_factory):
    engine = request.param
    if engine not in WANTED:
        pytest.skip(
            f"the suite runs on {SUITE_ENGINE}: the {engine} crash test runs in the {engine} run of the suite "
            f"(or set CAMINANTE_CRASH_DATABASES={engine})"
        )
    if not GUNICORN.exists():
        pytest.skip(f"gunicorn is not installed at {GUNICORN}")
    if engine == "postgresql" and shutil.which("psql") is None:
        pytest.skip("psql is not installed: the PostgreSQL crash test creates its database with it")
    base = tmp_path_factory.mktemp(f"crash-{engine}")
    provider = FakeProvider()
    cleanup = [provider.close]
    w = None
    try:
        if engine == "postgresql":
            admin = _postgres_admin_url()
            name = f"caminante_crash_{uuid.uuid4().hex[:12]}"
            created = _psql(admin, f"CREATE DATABASE {name}")
            if created.returncode != 0:
                pytest.skip(f"cannot create a PostgreSQL database at {admin}: {created.stderr.strip()}")
            cleanup.append(lambda: _psql(admin, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            database_url = _with_database(admin, name)
        else:
            database_url = f"sqlite:///{base / 'crash.sqlite3'}"
        w = World(engine, base, process_env(base / "data", database_url, provider.url), provider)
        started = time.monotonic()
        cli(w.env, "migrate", "--no-input", "-v0")
        out = base / "world.json"
        built = shell_json(w.env, out, f"build({str(out)!r}, {VOUCHERS})")
        w.vendor_token, w.volunteer_token, w.vouchers = (
            built["vendor_token"],
            built["volunteer_token"],
            built["vouchers"],
        )
        assert len(w.vouchers) == VOUCHERS and built["outbox"] == VOUCHERS, built
        w.sampler = _sampler(engine, database_url, base / "crash.sqlite3", cleanup)
        w.note(f"migrated and built in {time.monotonic() - started:.1f}s")
        yield w
    finally:
        for process in w.processes if w else ():
            if process.alive():
                process.kill()
        for step in reversed(cleanup):
            step()


def _sampler(engine: str, database_url: str, sqlite_path: Path, cleanup: list):
    """Whether the server is inside a write transaction right now (taken just before each kill):
    PostgreSQL: its connections with an open transaction; SQLite: 1 when the write lock is held."""
    if engine == "postgresql":
        sql = (
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        try:
            import psycopg
        except ImportError:
            return lambda: int(_psql(database_url, sql).stdout.strip() or 0)
        conn = psycopg.connect(database_url, autocommit=True)
        cleanup.append(conn.close)
        return lambda: conn.execute(sql).fetchone()[0]

    def sqlite_writer() -> int:
        conn = sqlite3.connect(sqlite_path, timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return 0
        except sqlite3.OperationalError:  # database is locked: a writer is in the middle of a transaction
            return 1
        finally:
            conn.close()

    return sqlite_writer


def test_crash_safety(world):
    started = time.monotonic()
    web = web_server_kills(world)
    world.note(f"web server kills done at {time.monotonic() - started:.1f}s")
    kills = worker_kills(world)
    world.note(f"worker kills done at {time.monotonic() - started:.1f}s")
    state = world.snapshot()
    check_redemptions(world, web, state)
    check_households(world, web, state)
    check_outbox(world, web, kills, state)
    check_database(world)
    world.note(f"all done in {time.monotonic() - started:.1f}s")


# ---- the web server: redemptions, households and webhooks in flight ------------------------------

REDEEM = "/api/v1/cash/redemptions/"
RELATIONSHIPS = ["head", "spouse", "child", "child"]


def _household_payload(n: int) -> dict:
    size = 1 + n % 4
    members = []
    for index, relationship in enumerate(RELATIONSHIPS[:size]):
        person = {
            "given_names": ["Yusmary", "Wilmer", "Ana", "José"][index],
            "family_name_1": "Hogar",
            "family_name_2": f"Crash{n:05d}",
            "sex": ["female", "male", "female", "male"][index],
            "consents": ["assistance"],
            "relationship": relationship,
        }
        if relationship == "child":
            person["estimated_age"] = 3 + index
        else:
            person["birth_date"] = f"19{80 + n % 15}-0{1 + index}-1{n % 10}"
        members.append(person)
    return {"members": members}


def _envelope(n: int) -> bytes:
    wa_id = f"5730055{n:05d}"
    message = {"from": wa_id, "id": f"wamid.crash{n:04d}", "timestamp": str(int(time.time())), "type": "text"}
    message["text"] = {"body": "hola"}
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": "crash-co"},
        "contacts": [{"profile": {"name": f"Crash {n}"}, "wa_id": wa_id}],
        "messages": [message],
    }
    envelope = {"object": "whatsapp_business_account", "entry": [{"id": "1", "changes": [{"value": value}]}]}
    return json.dumps(envelope).encode()


@dataclass
class Web:
    outcomes: list  # every first attempt (Outcome), in all rounds
    final: dict  # redemption key -> (status, body) after the retries
    api_balance: dict  # voucher code -> balance the vendor API shows
    listed: list  # GET /api/v1/households/ (every page)
    inbound: set  # inbound message numbers delivered to the webhook


def web_server_kills(w: World) -> Web:
    rng = random.Random(20240611)
    hot = [v["code"] for v in w.vouchers[:HOT_VOUCHERS]]
    vendor = {"Authorization": f"Token {w.vendor_token}"}
    volunteer = {"Authorization": f"Token {w.volunteer_token}"}
    households, inbound = itertools.count(), itertools.count()

    def next_item():
        kind = rng.choices(["redeem", "household", "webhook"], weights=[5, 3, 2])[0]
        if kind == "redeem":
            return {
                "kind": kind,
                "key": f"crash-{uuid.uuid4().hex}",
                "code": rng.choice(hot),
                "amount": rng.choice(["0.50", "1.25", "2"]),
            }
        if kind == "household":
            return {"kind": kind, "n": next(households)}
        n = next(inbound)  # mostly new messages; now and then Meta delivers one again
        if n >= INBOUND or (n > 3 and rng.random() < 0.2):
            n = rng.randrange(min(n, INBOUND))
        return {"kind": kind, "n": n}

    def send(port, item):
        if item["kind"] == "redeem":
            body = {"voucher_code": item["code"], "amount": item["amount"]}
            return request(port, "POST", REDEEM, body, {**vendor, "Idempotency-Key": item["key"]})
        if item["kind"] == "household":
            return request(port, "POST", "/api/v1/households/", _household_payload(item["n"]), volunteer)
        raw = _envelope(item["n"])
        return request(port, "POST", "/webhooks/whatsapp", headers={"X-Hub-Signature-256": sign(raw)}, raw=raw)

    outcomes = []
    mid_transaction, delays, extra = 0, list(WEB_KILL_DELAYS), 0
    while delays:
        delay = delays.pop(0)
        r = hammer(w.gunicorn(), send, next_item, clients=CLIENTS, delay=delay, sample=w.sample)
        outcomes += r.outcomes
        mid_transaction += r.in_transaction or 0
        lost = Counter(o.item["kind"] for o in r.outcomes if not o.known)
        w.note(f"web server {r.summary()}; answers lost: {dict(lost)}")
        if not delays and not mid_transaction and extra < 3:  # no kill caught a transaction yet: again
            delays.append(0.5)
            extra += 1
    assert mid_transaction, "no kill landed inside a transaction"
    for outcome in outcomes:
        assert outcome.status is None or outcome.status < 500, outcome

    server = w.gunicorn()
    final, replayed, fresh = {}, 0, 0
    for outcome in outcomes:
        item = outcome.item
        if item["kind"] == "redeem":
            if outcome.known:
                final[item["key"]] = (outcome.status, outcome.body)
                continue
            final[item["key"]] = status_body = _retry(send, server, item)
            replayed += status_body[0] == 200  # it had committed before the kill; the answer was lost
            fresh += status_body[0] == 201
    sent = {o.item["n"] for o in outcomes if o.item["kind"] == "webhook"}
    delivered = {o.item["n"] for o in outcomes if o.item["kind"] == "webhook" and o.status == 200}
    for n in sorted(sent - delivered) + sorted(delivered)[:5]:  # Meta retries until 200, and repeats some
        status, body = _retry(send, server, {"kind": "webhook", "n": n})
        assert status == 200, body
    w.note(f"redemptions whose answer was lost: {replayed} had committed (replayed), {fresh} had not")
    api_balance = {}
    for code in hot:
        status, body = request(server.port, "GET", f"/api/v1/cash/vendor/vouchers/{code}/", headers=vendor)
        assert status in (200, 409), body
        api_balance[code] = Decimal(body["balance"]) if status == 200 else Decimal("0")
    listed, url = [], "/api/v1/households/?limit=200"
    while url:
        status, body = request(server.port, "GET", url, headers=volunteer)
        assert status == 200, body
        listed += body["results"]
        url = body["next"] and "{0.path}?{0.query}".format(urlsplit(body["next"]))
    assert server.stop() == 0, server.tail()
    return Web(outcomes, final, api_balance, listed, sent)


def _retry(send, server, item, attempts: int = 5):
    for _ in range(attempts):
        try:
            return send(server.port, item)
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"retry of {item} kept failing:\n{server.tail()}")


# ---- the worker: kills inside and outside the provider call --------------------------------------


def worker_kills(w: World) -> list[dict]:
    kills = []
    w.provider.hold = 0.8  # the worker waits inside the HTTP call: kill it there
    for _ in range(2):
        kills.append(_kill_worker(w, in_http=True))
    w.provider.hold = 0.0  # kill it wherever it is
    for delay in (0.02, 0.1):
        kills.append(_kill_worker(w, in_http=False, delay=delay))
    for kill in kills:
        w.note(f"worker kill: {kill['what']}")
    last = w.worker()
    deadline = time.monotonic() + 120
    while True:
        busy = [r for r in w.snapshot()["outbox"] if r["status"] in ("pending", "sending")]
        if not busy or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert last.stop() == 0, last.tail()
    assert not busy, f"{len(busy)} outbox rows never delivered: {busy[:3]}\n{last.tail()}"
    return kills


def _kill_worker(w: World, *, in_http: bool, delay: float = 0.0) -> dict:
    provider = w.provider
    start = provider.count()
    worker = w.worker()
    got = provider.wait(lambda p: len(p.arrivals) > start and (p.in_flight > 0 or not in_http), 90)
    assert got, f"the worker sent nothing within 90 s:\n{worker.tail()}"
    time.sleep(delay)
    with provider.lock:
        in_flight = provider.in_flight
    worker.kill()
    time.sleep(0.1)  # a request already on the wire still arrives
    with provider.lock:
        mine = provider.arrivals[start:]
    where = "inside the HTTP call" if in_flight else "outside the HTTP call"
    return {"last": mine[-1].identity if mine else None, "what": f"after {len(mine)} requests, {where}"}


# ---- the checks ----------------------------------------------------------------------------------


def check_redemptions(w: World, web: Web, state: dict) -> None:
    first = {o.item["key"]: o for o in web.outcomes if o.item["kind"] == "redeem"}
    in_db = {}
    for code, voucher in state["vouchers"].items():
        for row in voucher["redemptions"]:
            assert row["key"] not in in_db, f"two redemptions with one key: {row}"
            in_db[row["key"]] = {**row, "code": code}
    for key, (status, body) in web.final.items():
        item = first[key].item
        if status in (200, 201):
            row = in_db.get(key)
            assert row is not None, f"redemption {body} answered {status} is not in the database"
            assert row["id"] == body["id"] and row["code"] == item["code"], (row, body)
            assert Decimal(row["amount"]) == Decimal(item["amount"])
        else:
            assert status == 409 and body["code"] in {"insufficient_balance", "used_up"}, (status, body)
            assert key not in in_db, f"refused redemption {key} ({body}) was recorded"
        if first[key].status in (200, 201):  # what a client was told before the kill survived it
            assert first[key].body["id"] == body["id"]
    assert set(in_db) <= set(web.final), "redemptions that no client asked for"
    for code, voucher in state["vouchers"].items():
        running = Decimal(voucher["value"])
        for row in sorted(voucher["redemptions"], key=lambda r: Decimal(r["balance_after"]), reverse=True):
            running -= Decimal(row["amount"])
            assert Decimal(row["balance_after"]) == running, f"{code}: balances do not chain: {voucher}"
        assert Decimal(voucher["balance"]) == running, (
            f"{code}: balance {voucher['balance']}, redemptions say {running}"
        )
        if code in web.api_balance:
            assert web.api_balance[code] == running, code
    assert len(in_db) > 20, "too few redemptions to say anything"
    w.note(f"redemptions: {len(in_db)} recorded, each once, balances chained")


def check_households(w: World, web: Web, state: dict) -> None:
    db = state["households"]
    for household_id, members in db.items():
        heads = [m for m in members if m[2] == "head"]
        assert members and len(heads) == 1, f"household {household_id} half-written: {members}"
    assert not state["orphans"], f"people registered without their household: {state['orphans']}"
    assert len(web.listed) == len(db), "the API does not list every household"
    for household in web.listed:
        assert [m["relationship"] for m in household["members"]].count("head") == 1, household

    by_marker = {}
    for household_id, members in db.items():
        if members[0][0] != "Hogar":  # the world's own households
            continue
        markers = {m[1] for m in members}
        assert len(markers) == 1, f"household {household_id} mixes people of several requests: {members}"
        marker = markers.pop()
        assert marker not in by_marker, f"request {marker} registered twice"
        by_marker[marker] = (household_id, sorted(m[2] for m in members))
    outcomes = [o for o in web.outcomes if o.item["kind"] == "household"]
    sent = set()
    for outcome in outcomes:
        payload = _household_payload(outcome.item["n"])
        marker = payload["members"][0]["family_name_2"]
        sent.add(marker)
        assert outcome.status in (None, 201), f"household refused: {outcome.status} {outcome.body}"
        if marker in by_marker:
            expected = sorted(m["relationship"] for m in payload["members"])
            assert by_marker[marker][1] == expected, f"household {marker} lost members: {by_marker[marker]}"
        if outcome.status == 201:
            assert marker in by_marker and by_marker[marker][0] == outcome.body["id"], f"201 {marker} lost"
    assert set(by_marker) <= sent, "households that no client sent"
    lost = [o for o in outcomes if not o.known]
    committed = sum(1 for o in lost if f"Crash{o.item['n']:05d}" in by_marker)
    w.note(
        f"households: {len(by_marker)} registered whole; of {len(lost)} answers lost, {committed} had committed "
        f"and {len(lost) - committed} left nothing"
    )
    assert len(by_marker) >= 3, "too few households to say anything"


def check_outbox(w: World, web: Web, kills: list[dict], state: dict) -> None:
    rows = state["outbox"]
    not_sent = [r for r in rows if r["status"] != "sent"]
    assert not not_sent, f"outbox rows not sent: {not_sent[:3]}"
    channels = Counter(r["channel"] for r in rows)
    assert sorted(state["inbound"]) == sorted(f"wamid.crash{n:04d}" for n in web.inbound), "inbound messages lost"
    assert channels["chatbot"] == len(web.inbound), f"not one chatbot job per inbound message: {channels}"
    assert all(m["processed"] for m in state["inbound"].values())
    replies = Counter(state["replies"].get(m["conversation"], 0) for m in state["inbound"].values())
    assert len(replies) == 1 and min(replies) >= 1, f"conversations answered unevenly (a job ran twice?): {replies}"

    provider = w.provider
    arrivals = defaultdict(list)
    for arrival in provider.arrivals:
        arrivals[arrival.identity].append(arrival)
    expected = Counter()
    for row in rows:
        if row["channel"] == "chatbot":
            continue
        if row["channel"] == "sms":
            identity = row["id"]
        else:
            body, fallback = row["payload"]["body"], row["payload"].get("fallback")
            identity = canonical(body) if canonical(body) in arrivals or not fallback else canonical(fallback)
        expected[identity] += 1
        assert arrivals.get(identity), f"outbox row {row['id']} is sent but never reached the provider: {row}"
        assert row["provider_message_id"] in {a.reply_id for a in arrivals[identity]}, row
    assert set(arrivals) <= set(expected), "the provider received messages that are not in the outbox"
    in_flight_at_kill = [k["last"] for k in kills if k["last"] is not None]
    duplicates = {i: len(arrivals[i]) - n for i, n in expected.items() if len(arrivals[i]) > n}
    for identity, extra in duplicates.items():
        assert identity in in_flight_at_kill, f"sent twice but not in flight at a kill: {arrivals[identity]}"
        assert extra <= in_flight_at_kill.count(identity)
    assert sum(duplicates.values()) <= len(kills)
    sms = {r["id"] for r in rows if r["channel"] == "sms"}
    assert {a.key for a in provider.arrivals if a.channel == "sms"} == sms, "an SMS retry changed its key"
    by_channel = Counter(arrivals[i][0].channel for i in duplicates)
    w.note(
        f"outbox: {len(rows)} rows {dict(channels)}, all sent; {len(provider.arrivals)} provider requests; "
        f"sent twice (in flight at a kill): {dict(by_channel) or 'none'}"
    )


def check_database(w: World) -> None:
    cash = cli(w.env, "cash", "verify")
    audit = cli(w.env, "audit", "verify")
    w.note(f"{cash.stdout.strip()}; {audit.stdout.strip()}")
    if w.engine == "sqlite":
        with sqlite3.connect(w.base / "crash.sqlite3") as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
