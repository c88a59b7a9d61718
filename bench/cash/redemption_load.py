"""Cash benchmark: approval of a big distribution list, then concurrent redemptions with
deliberate double-spend attempts, then `caminante cash verify`.

    python bench/cash/redemption_load.py --quick                    # CI: SQLite, 1,000 vouchers, 8 threads
    python bench/cash/redemption_load.py --vouchers 10000 --clients 64 --postgres           # in-process
    python bench/cash/redemption_load.py --vouchers 10000 --clients 64 --postgres --serve   # gunicorn, HTTP
    python bench/cash/redemption_load.py ... --serve --server runserver|gunicorn --workers 2 --threads 4
    python bench/cash/redemption_load.py --vouchers 10000 --clients 64 --postgres --url http://127.0.0.1:8000

Steps: load N one-person households, create a programme, prepare the cycle's list (rules and the
registry's duplicate check), approve it (N entitlements, vouchers and ledger entries, one
transaction), then run `clients` concurrent vendor clients (vendors spread over `vendors` shops)
that redeem across the vouchers. A share of requests are attacks: the same voucher from several
vendors at once, replays with the same Idempotency-Key, and the same spend with a new key. Without
--url/--serve the clients call `services.redeem` in threads (each with its own database
connection); with --serve the script starts gunicorn (default: 2 workers x 8 threads, gthread) or
Django's runserver on the bench database, and with --url it loads a running server that uses the
same database (CAMINANTE_DATABASE_URL). Over HTTP the clients are `clients` keep-alive connections
driven by one asyncio loop in this process (`POST /api/v1/cash/redemptions/` with vendor tokens).
Prints one line per phase:

    cash_approve db=.. entitlements=10000 prepare_s=.. approve_s=..
    cash_redeem db=.. mode=http-gunicorn-2w8t clients=64 requests=.. redemptions=.. per_s=..
        redeemed_per_s=.. p50_ms=.. p95_ms=.. p99_ms=.. overspend=0 elapsed_s=.. client_cpu_s=..
        server_cpu_s=.. pg_cpu_s=.. load1=..->..
    cash_verify ok=True

client_cpu_s is this process's CPU during the run (the load generator over HTTP; everything
in-process), server_cpu_s the server's processes', pg_cpu_s the PostgreSQL backends' of the bench
database, load1 the one-minute load average before and after: the three share the machine.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432/"
PG_DB = "caminante_bench_cash"


def _setup(args) -> str:
    os.environ["CAMINANTE_TESTING"] = "1"
    os.environ["DJANGO_SETTINGS_MODULE"] = "caminante.settings"
    if args.postgres:
        import psycopg

        with psycopg.connect(PG_SERVER + "postgres", autocommit=True) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
                conn.execute(f'DROP DATABASE "{PG_DB}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{PG_DB}"')
        os.environ["CAMINANTE_DATABASE_URL"] = PG_SERVER + PG_DB
    elif not os.environ.get("CAMINANTE_DATABASE_URL"):
        data_dir = Path(tempfile.gettempdir()) / "caminante-bench-cash"
        data_dir.mkdir(parents=True, exist_ok=True)
        for name in ("caminante.sqlite3", "caminante.sqlite3-wal", "caminante.sqlite3-shm"):
            (data_dir / name).unlink(missing_ok=True)
        os.environ["CAMINANTE_DATA_DIR"] = str(data_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from django.db import connection

    return connection.vendor


def _world(n_vouchers: int, n_vendors: int):
    """Households, officers, a programme, vendors with users: (cycle, officer, approver, vendor users)."""
    from datetime import date, timedelta

    from caminante.cash import services
    from caminante.core.catalogue import load_catalogue
    from caminante.core.models import NationalSociety, ServicePoint, User
    from caminante.core.roles import Role
    from caminante.registry.models import Household, Membership, Person

    load_catalogue()
    ns = NationalSociety.objects.get(country="CO")
    sp = ServicePoint.objects.create(
        national_society=ns,
        code="bench-co",
        name="Bench",
        city="Cúcuta",
        latitude=7.9,
        longitude=-72.5,
        time_zone=ns.time_zone,
    )

    def user(name, role):
        u = User(username=name, role=role, national_society=ns, service_point=sp if role == Role.VOLUNTEER else None)
        u.set_unusable_password()
        u.save()
        return u

    officer, approver = user("bench.officer", Role.OFFICER), user("bench.approver", Role.OFFICER)
    rng = random.Random(7)
    given = ["Yusmary", "José", "María", "Luis", "Ana", "Carlos", "Rosa", "Pedro", "Daniela", "Jhon", "Karla"]
    family = ["González", "Pérez", "Rodríguez", "Hernández", "García", "Martínez", "López", "Díaz", "Suárez"]
    people, homes, members = [], [], []
    for i in range(n_vouchers):
        p = Person(
            national_society=ns,
            service_point=sp,
            code=f"CO-B{i:07d}",
            sex="female",
            given_names=f"{rng.choice(given)} {i}",
            family_name_1=f"{rng.choice(family)}{i}",
            birth_date=date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
        )
        h = Household(national_society=ns, service_point=sp, code=f"CO-H{i:07d}")
        people.append(p)
        homes.append(h)
        members.append(Membership(household=h, person=p, relationship="head"))
    Person.objects.bulk_create(people, batch_size=2000)
    Household.objects.bulk_create(homes, batch_size=2000)
    Membership.objects.bulk_create(members, batch_size=2000)
    today = date.today()
    programme = services.create_programme(
        officer,
        ns,
        services.ProgrammeInput(
            name="Bench",
            kind="value_voucher",
            currency="COP",
            budget_ceiling=Decimal(n_vouchers) * 100,
            fixed_amount=Decimal("100.00"),
        ),
        cycles=[(today, today + timedelta(days=30))],
    )
    vendor_users = []
    for v in range(n_vendors):
        shop = services.onboard_vendor(officer, ns, name=f"Shop {v}", programmes=[programme])
        vu = user(f"bench.vendor{v}", Role.VENDOR)
        services.add_vendor_user(officer, shop, vu)
        vendor_users.append(vu)
    return programme.cycles.get(), officer, approver, vendor_users


def _plan(codes: list[str], n_requests: int, rng: random.Random) -> list[tuple]:
    """(code, amount, key_tag) requests: mostly honest partial redemptions of 20.00, plus attacks."""
    plan = []
    for i in range(n_requests):
        code = rng.choice(codes)
        roll = rng.random()
        if roll < 0.10:  # the same voucher from several vendors at once: whole value, new keys
            plan += [(code, "100.00", f"burst-{i}-{k}", k) for k in range(4)]
        elif roll < 0.15:  # replay with the same key (a retrying client)
            plan += [(code, "20.00", f"replay-{i}", 0)] * 3
        else:  # honest partial redemption; a second spend with a new key if the client "retries badly"
            plan.append((code, "20.00", f"r-{i}", None))
    return plan


def _run_inprocess(plan, vendor_users, clients):
    from django.db import OperationalError, connection

    from caminante.cash import services

    latencies, outcomes, lock = [], {}, threading.Lock()
    chunks = [plan[i::clients] for i in range(clients)]

    def worker(idx):
        local_lat, local_out = [], {}
        try:
            for code, amount, key, vendor_slot in chunks[idx]:
                user = vendor_users[(idx if vendor_slot is None else vendor_slot) % len(vendor_users)]
                t0 = time.perf_counter()
                for _retry in range(50):
                    try:
                        services.redeem(user, code=code, amount=amount, idempotency_key=key)
                        result = "ok"
                        break
                    except services.RedemptionError as exc:
                        result = exc.code
                        break
                    except OperationalError:  # SQLite busy: retry like a client
                        time.sleep(0.002)
                else:
                    result = "gave_up"
                local_lat.append(time.perf_counter() - t0)
                local_out[result] = local_out.get(result, 0) + 1
        finally:
            connection.close()
        with lock:
            latencies.extend(local_lat)
            for k, v in local_out.items():
                outcomes[k] = outcomes.get(k, 0) + v

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, outcomes


def _run_http(plan, vendor_users, clients, url, rate=0.0):
    """`clients` keep-alive HTTP/1.1 connections driven by one asyncio loop in this process (a
    load generator that costs little CPU: it shares the machine with the server and PostgreSQL).
    A server that answers `Connection: close` (gunicorn's sync workers) is reconnected to.

    rate 0: each client sends its next request as soon as it has the answer (a closed loop: with
    64 clients, mean latency = 64 / throughput). rate R: the clients together send R requests per
    second on a fixed schedule (vendors at tills do not queue behind each other), and a latency
    is counted from the scheduled time, so a server that falls behind is not flattered."""
    import asyncio
    from urllib.parse import urlparse

    from rest_framework.authtoken.models import Token

    tokens = [Token.objects.get_or_create(user=u)[0].key for u in vendor_users]
    target = urlparse(url)
    host, port = target.hostname, target.port or 80
    latencies, outcomes = [], {}
    chunks = [plan[i::clients] for i in range(clients)]

    def request_bytes(code, amount, key, token):
        body = json.dumps({"voucher_code": code, "amount": amount}).encode()
        head = (
            f"POST /api/v1/cash/redemptions/ HTTP/1.1\r\nHost: {host}:{port}\r\nAuthorization: Token {token}\r\n"
            f"Content-Type: application/json\r\nIdempotency-Key: {key}\r\nContent-Length: {len(body)}\r\n\r\n"
        )
        return head.encode() + body

    async def exchange(conn, payload):
        reader, writer = conn
        writer.write(payload)
        status_line = await reader.readline()
        if not status_line:
            raise ConnectionResetError("closed")
        status = int(status_line.split()[1])
        length, close = 0, False
        while True:
            line = await reader.readline()
            if line in (b"\r\n", b"\n", b""):
                break
            name, _sep, value = line.decode("latin-1").partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "connection" and value.strip().lower() == "close":
                close = True
        data = await reader.readexactly(length) if length else b""
        return status, data, close

    async def worker(idx, start):
        conn = None
        for n, (code, amount, key, vendor_slot) in enumerate(chunks[idx]):
            token = tokens[(idx if vendor_slot is None else vendor_slot) % len(tokens)]
            payload = request_bytes(code, amount, key, token)
            t0 = time.perf_counter()
            if rate:
                t0 = start + (n * clients + idx) / rate  # this request's turn
                if t0 > time.perf_counter():
                    await asyncio.sleep(t0 - time.perf_counter())
            status, data = 599, b"{}"
            for _attempt in range(2):  # a keep-alive connection the server closed: once more on a new one
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(host, port)
                    status, data, close = await exchange(conn, payload)
                    if close:
                        conn[1].close()
                        conn = None
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError, IndexError):
                    if conn is not None:
                        conn[1].close()
                    conn = None
            latencies.append(time.perf_counter() - t0)
            result = "ok" if status in (200, 201) else (json.loads(data or b"{}").get("code") or str(status))
            outcomes[result] = outcomes.get(result, 0) + 1
        if conn is not None:
            conn[1].close()

    async def run_all():
        start = time.perf_counter()
        await asyncio.gather(*(worker(i, start) for i in range(clients)))

    start = time.perf_counter()
    asyncio.run(run_all())
    return time.perf_counter() - start, latencies, outcomes


def _cpu_seconds(root_pid: int = 0, cmdline_has: str = "") -> float:
    """User + system CPU seconds (Linux /proc; 0 elsewhere) of a process and its children, or of
    every process whose command line contains `cmdline_has` (PostgreSQL's backends show their
    database's name)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats = []
    try:
        entries = [e for e in os.listdir("/proc") if e.isdigit()]
    except OSError:
        return 0.0
    for entry in entries:
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().decode(errors="replace") if cmdline_has else ""
        except OSError:
            continue
        stats.append((int(entry), int(fields[1]), int(fields[11]) + int(fields[12]), cmd))
    if cmdline_has:
        return sum(cpu for _pid, _ppid, cpu, cmd in stats if cmdline_has in cmd) / ticks
    tree = {root_pid} | {pid for pid, ppid, _cpu, _cmd in stats if ppid == root_pid}  # gunicorn: master, workers
    return sum(cpu for pid, _ppid, cpu, _cmd in stats if pid in tree) / ticks


def _serve(server_kind: str, workers: int, threads: int):
    """Start the server on the bench database and wait until it answers: gunicorn (the production
    server; `threads` > 1 uses its gthread worker, keep-alive) or Django's runserver."""
    import subprocess
    import urllib.request

    port = 8765
    env = {**os.environ, "CAMINANTE_DEBUG": "0"}
    if server_kind == "gunicorn":
        command = [sys.executable, "-m", "gunicorn", "caminante.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        command += ["--workers", str(workers), "--threads", str(threads), "--backlog", "2048"]
        command += ["--keep-alive", "30", "--log-level", "warning"]
    else:
        command = [sys.executable, "-m", "caminante.cli", "runserver", "--noreload", f"127.0.0.1:{port}"]
    server = subprocess.Popen(command, env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # noqa: S603
    url = f"http://127.0.0.1:{port}"
    for _ in range(150):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=2)  # noqa: S310 - local
            break
        except OSError:
            time.sleep(0.2)
    if server_kind == "gunicorn":  # every worker up (each answers its first request slower)
        for _ in range(4 * workers):
            urllib.request.urlopen(url + "/healthz", timeout=5)  # noqa: S310 - local
    return server, url


def _overspend() -> Decimal:
    from django.db.models import Sum

    from caminante.cash.models import Voucher

    over = Decimal("0")
    spent = dict(Voucher.objects.annotate(s=Sum("redemptions__amount")).values_list("pk", "s"))
    for pk, value, balance in Voucher.objects.values_list("pk", "value", "balance"):
        used = spent.get(pk) or Decimal("0")
        over += max(used - value, Decimal("0")) + abs(value - used - balance)
    return over


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI: 1,000 vouchers, 8 clients, SQLite")
    parser.add_argument("--vouchers", type=int, default=10000)
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--vendors", type=int, default=8)
    parser.add_argument("--requests", type=int, default=0, help="redemption requests (default 2 per voucher)")
    parser.add_argument("--postgres", action="store_true", help="a throwaway PostgreSQL database")
    parser.add_argument("--url", default="", help="a running server on the same database: load it over HTTP")
    parser.add_argument("--serve", action="store_true", help="start a server on the bench database, load it over HTTP")
    parser.add_argument("--server", choices=["gunicorn", "runserver"], default="gunicorn", help="with --serve")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=8, help="threads per gunicorn worker (gthread if > 1)")
    parser.add_argument(
        "--rate", type=float, default=0, help="over HTTP: requests per second on a fixed schedule (0: closed loop)"
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.vouchers, args.clients, args.requests = min(args.vouchers, 1000), min(args.clients, 8), 800
    db = _setup(args)
    from caminante.cash import services
    from caminante.cash.models import Voucher

    cycle, officer, approver, vendor_users = _world(args.vouchers, args.vendors)
    t0 = time.perf_counter()
    dlist = services.prepare_distribution_list(officer, cycle)
    t1 = time.perf_counter()
    services.approve_distribution_list(approver, dlist)
    t2 = time.perf_counter()
    n = Voucher.objects.count()
    print(f"cash_approve db={db} entitlements={n} prepare_s={t1 - t0:.2f} approve_s={t2 - t1:.2f}", flush=True)

    codes = list(Voucher.objects.values_list("code", flat=True))
    plan = _plan(codes, args.requests or 2 * len(codes), random.Random(11))
    server, server_cpu = None, ""
    if args.serve:
        server, args.url = _serve(args.server, args.workers, args.threads)
    load_before = os.getloadavg()
    pg_name = os.environ.get("CAMINANTE_DATABASE_URL", "").rsplit("/", 1)[-1] if db == "postgresql" else ""
    pg_cpu0 = _cpu_seconds(cmdline_has=f" {pg_name} ") if pg_name else 0.0
    cpu0 = time.process_time()
    if args.url:
        try:
            server_cpu0 = _cpu_seconds(server.pid) if server is not None else 0.0
            elapsed, latencies, outcomes = _run_http(plan, vendor_users, args.clients, args.url, args.rate)
            if server is not None:
                server_cpu = f" server_cpu_s={_cpu_seconds(server.pid) - server_cpu0:.1f}"
            if pg_name:  # before the server's connections close
                server_cpu += f" pg_cpu_s={_cpu_seconds(cmdline_has=f' {pg_name} ') - pg_cpu0:.1f}"
        finally:
            if server is not None:
                server.terminate()
                server.wait(timeout=30)
        mode = "http"
        if server is not None:
            mode = "http-runserver" if args.server == "runserver" else f"http-gunicorn-{args.workers}w{args.threads}t"
        if args.rate:
            mode += f"-rate{args.rate:g}"
    else:
        elapsed, latencies, outcomes = _run_inprocess(plan, vendor_users, args.clients)
        mode = "inprocess"
    client_cpu = time.process_time() - cpu0
    load_after = os.getloadavg()
    latencies.sort()

    def pct(q):
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000

    from caminante.cash.models import Redemption

    redemptions = Redemption.objects.count()
    print(
        f"cash_redeem db={db} mode={mode} clients={args.clients} requests={len(plan)} redemptions={redemptions} "
        f"per_s={len(plan) / elapsed:.0f} redeemed_per_s={redemptions / elapsed:.0f} "
        f"p50_ms={statistics.median(latencies) * 1000:.1f} p95_ms={pct(0.95):.1f} "
        f"p99_ms={pct(0.99):.1f} overspend={_overspend()} elapsed_s={elapsed:.1f} "
        f"client_cpu_s={client_cpu:.1f}{server_cpu} load1={load_before[0]:.1f}->{load_after[0]:.1f} "
        f"outcomes={json.dumps(outcomes, sort_keys=True)}",
        flush=True,
    )
    from caminante.cash.ledger import violations

    problems = list(violations())
    print(f"cash_verify ok={not problems}" + (f" first={problems[0]}" if problems else ""), flush=True)
    return 1 if problems or _overspend() else 0


if __name__ == "__main__":
    sys.exit(main())
