"""The `caminante` command: a thin front to Django management commands.

An error is one line on standard error, `caminante: error: ...`, never a traceback: exit code 2
for the configuration (settings, database) with the variable to set, 1 for a command's own error
(printed as the command wrote it) or anything unexpected. `--traceback` shows the traceback.
"""

import os
import re
import sys

CONFIG_ERROR = 2
COMMAND_ERROR = 1
USAGE = """usage: caminante <command> [options]    (caminante help <command> for its options)

  worker [--once]           deliver the outbox and run the periodic jobs
  seed-demo                 load the demo data (demo mode only)
  seed-load --people N      bulk synthetic data for benchmarks
  audit verify              check the audit log's hash chain
  match dedupe|link ...     batch record matching on CSV files (no database needed)
  find-duplicates           queue possible duplicates for review
  improve-matching          re-learn the matching model from reviewers' answers
  rebuild-blocking-keys     recompute the stored duplicate-check keys
  cash verify|expire        check the cash ledger / expire due vouchers
  faq ask "TEXT"            the FAQ assistant's answer
  check [--deploy]          the start-up checks (message providers, security)
  migrate | runserver | ... any Django management command (listed below)
"""


class _CommandFailed(Exception):
    """A command's CommandError, carried past Django's own printing of it."""

    def __init__(self, error):
        super().__init__(str(error))
        self.returncode = getattr(error, "returncode", COMMAND_ERROR)


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def _database_url() -> str:
    """The configured database URL without its password."""
    url = os.environ.get("CAMINANTE_DATABASE_URL") or "the SQLite file in CAMINANTE_DATA_DIR"
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _error(message: str, code: int) -> int:
    sys.stderr.write(f"caminante: error: {_one_line(message)}\n")
    sys.stderr.flush()
    return code


def _run_django(argv: list[str]) -> None:
    from django.core.management import ManagementUtility
    from django.core.management.base import CommandError, SystemCheckError

    class Utility(ManagementUtility):
        def fetch_command(self, subcommand):
            command = super().fetch_command(subcommand)
            execute = command.execute

            def guarded(*args, **options):
                try:
                    return execute(*args, **options)
                except SystemCheckError:
                    raise  # Django prints the report of the checks itself
                except CommandError as exc:
                    if options.get("traceback"):
                        raise
                    raise _CommandFailed(exc) from exc

            command.execute = guarded
            return command

    Utility(argv).execute()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "match":
        from caminante.matching.cli import main as match_main

        return match_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caminante.settings")
    if len(argv) > 2 and argv[1] == "audit":
        argv = [argv[0], f"audit_{argv[2]}", *argv[3:]]
    elif len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    if len(argv) == 1 or argv[1:] in (["--help"], ["-h"], ["help"]):
        sys.stdout.write(USAGE + "\n")
    if "--traceback" in argv:
        _run_django(argv)
        return 0

    from django.core.exceptions import ImproperlyConfigured
    from django.db import DatabaseError, InterfaceError, OperationalError, ProgrammingError

    try:
        _run_django(argv)
    except _CommandFailed as exc:
        return _error(str(exc), exc.returncode)
    except ImproperlyConfigured as exc:
        message = str(exc)
        if "CAMINANTE_" not in message:
            message += " (check the CAMINANTE_ variables, see README: Configuration)"
        return _error(message, CONFIG_ERROR)
    except (OperationalError, InterfaceError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if re.search(r"no such table|does not exist", reason):
            return _error(f"the database is not migrated ({reason}): run `caminante migrate`", CONFIG_ERROR)
        return _error(
            f"cannot use the database {_database_url()}: {reason}. Check CAMINANTE_DATABASE_URL", CONFIG_ERROR
        )
    except ProgrammingError as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if re.search(r"does not exist|no such table", reason):
            return _error(f"the database is not migrated ({reason}): run `caminante migrate`", CONFIG_ERROR)
        return _error(f"database error: {reason} (run again with --traceback for details)", COMMAND_ERROR)
    except DatabaseError as exc:
        return _error(f"database error: {exc} (run again with --traceback for details)", COMMAND_ERROR)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - a command line shows one line, never a traceback
        return _error(f"{type(exc).__name__}: {exc} (run again with --traceback for details)", COMMAND_ERROR)
    return 0


if __name__ == "__main__":
    sys.exit(main())
