"""Real processes for the crash-safety test: the `caminante` CLI, gunicorn, `caminante worker`,
a fake SMS gateway + WhatsApp Cloud API, and a load generator that SIGKILLs the server while
requests are in flight. No Django import: everything here talks to subprocesses over HTTP."""

import hashlib
import hmac
import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
CAMINANTE = BIN / "caminante"
GUNICORN = BIN / "gunicorn"
ACCESS_TOKEN = "crash-access-token"
APP_SECRET = "crash-app-secret"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(data_dir: Path, database_url: str, provider_url: str) -> dict:
    """The environment of every process: production-like (no CAMINANTE_TESTING, no demo mode)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CAMINANTE_", "DJANGO_", "PYTEST"))}
    env.update(
        {
            "CAMINANTE_SECRET_KEY": "crash-" + secrets.token_hex(24),
            "CAMINANTE_DATA_DIR": str(data_dir),
            "CAMINANTE_DATABASE_URL": database_url,
            "CAMINANTE_SMS_GATEWAY_URL": f"{provider_url}/sms",
            "CAMINANTE_WHATSAPP_API_URL": provider_url,
            "CAMINANTE_WHATSAPP_ACCESS_TOKEN": ACCESS_TOKEN,
            "CAMINANTE_WHATSAPP_APP_SECRET": APP_SECRET,
            "CAMINANTE_OUTBOX_LEASE_SECONDS": "2",
            "CAMINANTE_OUTBOX_BACKOFF_SECONDS": "1",
            "CAMINANTE_HTTP_TIMEOUT_SECONDS": "5",
            "CAMINANTE_LOG_LEVEL": "WARNING",
            "PYTHONPATH": str(ROOT),  # `caminante shell -c` imports tests.crash.world
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def cli(env: dict, *args: str, timeout: float = 180, check: bool = True) -> subprocess.CompletedProcess:
    done = subprocess.run(
        [str(CAMINANTE), *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if check and done.returncode != 0:
        raise AssertionError(f"caminante {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
    return done


def shell_json(env: dict, out: Path, call: str) -> dict:
    """Run `tests.crash.world.<call>` inside `caminante shell` and read the JSON it wrote."""
    if out.exists():
        out.unlink()
    cli(env, "shell", "-c", f"from tests.crash import world; world.{call}")
    return json.loads(out.read_text())


def _group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (zombies waiting for their reaper do not count)."""
    proc = Path("/proc")
    if not proc.is_dir():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


class Process:
    """A server process in its own process group (gunicorn's master and workers die together)."""

    def __init__(self, argv: list[str], env: dict, log: Path):
        self.log = log
        with open(log, "ab") as handle:
            self.proc = subprocess.Popen(  # noqa: S603
                argv, env=env, cwd=ROOT, stdout=handle, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.started = time.monotonic()

    def alive(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL the whole process group, and wait until none of it is left."""
        self.signal_kill()
        self.wait_dead()

    def signal_kill(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def wait_dead(self) -> None:
        self.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if not _group_alive(self.proc.pid):
                return
            time.sleep(0.02)
        raise AssertionError(f"process group {self.proc.pid} survived SIGKILL")

    def stop(self, timeout: float = 20) -> int:
        """Graceful stop (SIGTERM), SIGKILL if it does not stop in time."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return self.proc.returncode

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Gunicorn(Process):
    def __init__(self, env: dict, log: Path, workers: int = 2, threads: int = 4):
        self.port = free_port()
        argv = [str(GUNICORN), "caminante.wsgi:application", "--bind", f"127.0.0.1:{self.port}"]
        argv += [
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--timeout",
            "60",
            "--graceful-timeout",
            "3",
            "--no-control-socket",
        ]
        super().__init__(argv, env, log)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise AssertionError(f"gunicorn exited {self.proc.returncode}:\n{self.tail()}")
            try:
                status, _body = request(self.port, "GET", "/healthz", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError(f"gunicorn did not answer /healthz within {timeout}s:\n{self.tail()}")


class Worker(Process):
    def __init__(self, env: dict, log: Path):
        super().__init__([str(CAMINANTE), "worker", "--interval", "0.2"], env, log)


def request(port: int, method: str, path: str, body=None, headers=None, timeout: float = 15, raw: bytes | None = None):
    """One HTTP request on a new connection: (status, parsed JSON or text). OSError when the
    connection fails or breaks (the outcome is then unknown to the client)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        all_headers = {"Content-Type": "application/json", **(headers or {})}
        conn.request(method, path, body=data, headers=all_headers)
        response = conn.getresponse()
        text = response.read().decode(errors="replace")
        try:
            return response.status, json.loads(text)
        except ValueError:
            return response.status, text
    except http.client.HTTPException as exc:  # a response cut short by the kill
        raise ConnectionError(f"{type(exc).__name__}: {exc}") from exc
    finally:
        conn.close()


@dataclass
class Outcome:
    """What one client saw for one request: a status and body, or an error (unknown outcome)."""

    item: dict
    status: int | None = None
    body: object = None
    error: str = ""

    @property
    def known(self) -> bool:
        return self.status is not None


@dataclass
class Round:
    delay: float
    outcomes: list[Outcome] = field(default_factory=list)
    in_transaction: int | None = None  # server connections inside a write transaction just before the kill

    def summary(self) -> str:
        statuses = Counter(o.status if o.known else "unknown" for o in self.outcomes)
        return f"kill after {self.delay * 1000:.0f} ms: {dict(statuses)}, mid-transaction: {self.in_transaction}"


def hammer(server: Gunicorn, send, next_item, *, clients: int, delay: float, sample=None) -> Round:
    """`clients` threads send requests (`send(port, item) -> (status, body)`, items from
    `next_item()`) as fast as they can; `delay` seconds after the first 2xx answer the server is
    SIGKILLed while requests are in flight. Returns what every client saw."""
    result = Round(delay)
    lock = threading.Lock()
    first_ok, stop = threading.Event(), threading.Event()

    def client():
        while not stop.is_set():
            with lock:
                item = next_item()
            outcome = Outcome(item)
            try:
                outcome.status, outcome.body = send(server.port, item)
                if 200 <= outcome.status < 300:
                    first_ok.set()
            except OSError as exc:
                outcome.error = f"{type(exc).__name__}: {exc}"
            with lock:
                result.outcomes.append(outcome)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    if not first_ok.wait(60):
        stop.set()
        server.kill()
        raise AssertionError(f"no request succeeded before the kill: {result.outcomes[:3]}\n{server.tail()}")
    time.sleep(delay)
    if sample is not None:
        result.in_transaction = sample()
    server.signal_kill()
    stop.set()
    server.wait_dead()
    for thread in threads:
        thread.join(30)
    return result


def sign(raw: bytes) -> str:
    return "sha256=" + hmac.new(APP_SECRET.encode(), raw, hashlib.sha256).hexdigest()


def canonical(body) -> str:
    return json.dumps(body, sort_keys=True, separators=(",", ":"))


@dataclass
class Arrival:
    index: int
    channel: str
    identity: str  # SMS: the Idempotency-Key; WhatsApp: the canonical JSON body
    key: str
    body: dict
    reply_id: str
    at: float


class FakeProvider:
    """The SMS gateway (POST /sms, JSON {"to","text"}, honours Idempotency-Key) and the WhatsApp
    Cloud API (POST /<version>/<phone_number_id>/messages, bearer token, no idempotency) on one
    local port. Every request that arrives is recorded before the answer: for the provider it is
    sent, whether or not the caller lives to read the answer. `hold` seconds of delay before
    answering keep a request in flight so the caller can be killed while it waits."""

    def __init__(self):
        self.hold = 0.0
        self.arrivals: list[Arrival] = []
        self.in_flight = 0
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                try:
                    body = json.loads(raw)
                except ValueError:
                    return self._answer(400, {"error": "not json"})
                parts = self.path.strip("/").split("/")
                if self.path.rstrip("/").endswith("/sms"):
                    channel, key = "sms", self.headers.get("Idempotency-Key", "")
                    identity = key
                    if not key or not body.get("to") or not body.get("text"):
                        return self._answer(400, {"error": "bad sms"})
                elif len(parts) == 3 and parts[2] == "messages":
                    channel, key, identity = "whatsapp", "", canonical(body)
                    if self.headers.get("Authorization") != f"Bearer {ACCESS_TOKEN}":
                        return self._answer(401, {"error": {"message": "bad token", "code": 190}})
                else:
                    return self._answer(404, {"error": "unknown path"})
                reply_id = f"{'sms' if channel == 'sms' else 'wamid'}.{uuid.uuid4().hex}"
                with outer.changed:
                    outer.arrivals.append(
                        Arrival(len(outer.arrivals), channel, identity, key, body, reply_id, time.monotonic())
                    )
                    outer.in_flight += 1
                    hold = outer.hold
                    outer.changed.notify_all()
                try:
                    if hold:
                        time.sleep(hold)
                    if channel == "sms":
                        self._answer(200, {"id": reply_id})
                    else:
                        self._answer(
                            200,
                            {
                                "messaging_product": "whatsapp",
                                "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                                "messages": [{"id": reply_id}],
                            },
                        )
                except OSError:  # the caller died while we held its request
                    pass
                finally:
                    with outer.changed:
                        outer.in_flight -= 1
                        outer.changed.notify_all()

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def count(self) -> int:
        with self.lock:
            return len(self.arrivals)

    def wait(self, predicate, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(lambda: predicate(self), timeout)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
