"""The `caminante` command: a thin front to Django management commands.

caminante worker            deliver the outbox
caminante seed-demo         load demo data
caminante seed-load --people N
caminante audit verify      check the audit hash chain
caminante match ...         batch record matching (no database needed)
caminante <any django management command>
"""

import os
import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv if argv is None else argv)
    if len(argv) > 1 and argv[1] == "match":
        from caminante.matching.cli import main as match_main

        return match_main(argv[2:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "caminante.settings")
    if len(argv) > 2 and argv[1] == "audit":
        argv = [argv[0], f"audit_{argv[2]}", *argv[3:]]
    elif len(argv) > 1:
        argv[1] = argv[1].replace("-", "_")
    from django.core.management import execute_from_command_line

    execute_from_command_line(argv)
    return 0


if __name__ == "__main__":
    sys.exit(main())
