"""`caminante` errors are one line on standard error and a non-zero exit, never a traceback: real
subprocesses with a clean environment (no CAMINANTE_DEMO, no CAMINANTE_TESTING)."""

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

CAMINANTE = str(Path(sys.executable).with_name("caminante"))


def run(*args, tmp_path, **env):
    clean = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    clean.setdefault("CAMINANTE_DATA_DIR", str(tmp_path / "var"))
    clean.update(env)
    return subprocess.run(  # noqa: S603 - our own command
        [CAMINANTE, *args], capture_output=True, text=True, env=clean, cwd=tmp_path, timeout=120, check=False
    )


def assert_one_line_error(result, code: int, *words: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("caminante: error: "), lines[0]
    for word in words:
        assert word in lines[0], lines[0]
    assert result.returncode == code, (result.returncode, result.stderr)
    return lines[0]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_outside_the_demo_without_a_secret_key(tmp_path):
    result = run("cash", "verify", tmp_path=tmp_path)
    assert_one_line_error(result, 2, "CAMINANTE_SECRET_KEY", "CAMINANTE_DEMO=1")


def test_the_demo_key_given_outside_the_demo(tmp_path):
    result = run(
        "worker", "--once", tmp_path=tmp_path, CAMINANTE_SECRET_KEY="caminante-demo-secret-key-not-for-production"
    )
    assert_one_line_error(result, 2, "CAMINANTE_SECRET_KEY is the demo key")


def test_an_unreachable_database(tmp_path):
    url = f"postgresql://caminante:s3cret@127.0.0.1:{closed_port()}/caminante"
    result = run("cash", "verify", tmp_path=tmp_path, CAMINANTE_SECRET_KEY="k" * 50, CAMINANTE_DATABASE_URL=url)
    line = assert_one_line_error(result, 2, "CAMINANTE_DATABASE_URL", "127.0.0.1")
    assert "s3cret" not in line


def test_a_database_url_that_is_not_one(tmp_path):
    result = run("migrate", tmp_path=tmp_path, CAMINANTE_SECRET_KEY="k" * 50, CAMINANTE_DATABASE_URL="pg:/oops")
    assert_one_line_error(result, 2, "CAMINANTE_DATABASE_URL is not a database URL")


def test_a_number_that_is_not_one(tmp_path):
    result = run("worker", "--once", tmp_path=tmp_path, CAMINANTE_DEMO="1", CAMINANTE_OUTBOX_MAX_ATTEMPTS="many")
    assert_one_line_error(result, 2, "CAMINANTE_OUTBOX_MAX_ATTEMPTS must be a number")


def test_a_data_directory_that_cannot_be_created(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    result = run("cash", "verify", tmp_path=tmp_path, CAMINANTE_DEMO="1", CAMINANTE_DATA_DIR=str(blocker / "var"))
    assert_one_line_error(result, 2, "CAMINANTE_DATA_DIR")


def test_a_database_not_migrated_yet(tmp_path):
    result = run("cash", "verify", tmp_path=tmp_path, CAMINANTE_DEMO="1")
    assert_one_line_error(result, 2, "caminante migrate")


def test_a_command_error_prints_as_the_command_wrote_it(tmp_path):
    result = run("find-duplicates", "--threshold", "7", tmp_path=tmp_path, CAMINANTE_DEMO="1")
    line = assert_one_line_error(result, 1)
    assert line == "caminante: error: --threshold must be a probability between 0 and 1"


def test_traceback_on_request(tmp_path):
    result = run("find-duplicates", "--threshold", "7", "--traceback", tmp_path=tmp_path, CAMINANTE_DEMO="1")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_help_and_match_still_work_without_configuration(tmp_path):
    result = run("--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: caminante <command>")
    assert "worker [--once]" in result.stdout
    assert "Traceback" not in result.stderr
    result = run("match", "--help", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dedupe" in result.stdout


def test_match_runs_without_a_database(tmp_path):
    source = tmp_path / "people.csv"
    source.write_text(
        "record_id,given_names,family_names,sex,birth_date,birth_year,nationality,place_of_origin,phone,document_number\n"
        "1,Ana María,Pérez,F,1990-01-02,,VE,Caracas,,\n"
        "2,Ana Maria,Perez,F,1990-01-02,,VE,Caracas,,\n",
        encoding="utf-8",
    )
    result = run("match", "dedupe", str(source), "--out", str(tmp_path / "pairs.csv"), tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "pairs.csv").read_text().startswith("record_id_a,record_id_b,score")


@pytest.mark.parametrize("env", [{}, {"CAMINANTE_SMS_GATEWAY_URL": "https://sms.example.org/send"}])
def test_check_deploy_flags_a_missing_message_provider(tmp_path, env):
    result = run("check", "--deploy", tmp_path=tmp_path, CAMINANTE_SECRET_KEY="k" * 50, **env)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert "channels.E003" in result.stderr  # the console e-mail backend
    assert ("channels.E002" in result.stderr) is not bool(env)
    assert "CAMINANTE_SMS_GATEWAY_URL" in result.stderr or env


def test_check_in_the_demo_reports_no_provider_problem(tmp_path):
    result = run("check", "--deploy", tmp_path=tmp_path, CAMINANTE_DEMO="1")
    assert "channels." not in result.stderr + result.stdout
