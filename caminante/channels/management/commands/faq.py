"""`caminante faq ask "TEXT" [--lang xx] --json`: the FAQ assistant's answer to one message.

With no TEXT it reads one message per line from standard input and prints one JSON object per
line (for evaluations). The same engine serves the WhatsApp webhook and the web chat.

`caminante faq train-safety --shipped` trains the safety model on the shipped examples and writes
caminante/faq/data/safety_model.npz (a developer's step after changing the training data; a test
fails while the shipped model is out of date).
"""

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from caminante.channels.faq_content import current_engine
from caminante.faq import default_engine


class Command(BaseCommand):
    help = 'Ask the FAQ assistant: caminante faq ask "TEXT" [--lang es|pt|en] --json (no TEXT: read stdin)'

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["ask", "train-safety"])
        parser.add_argument("--shipped", action="store_true", help="train-safety: write the shipped model")
        parser.add_argument("text", nargs="?", default=None)
        parser.add_argument("--lang", choices=["es", "pt", "en"], default=None)
        parser.add_argument("--json", action="store_true", help="print JSON (the default output)")

    def handle(self, *args, action, text=None, lang=None, shipped=False, **options):
        if action == "train-safety":
            return self.train_safety(shipped)
        try:
            engine = current_engine()  # the answers as edited by programme staff
        except DatabaseError:  # no database here (an evaluation machine): the shipped answers
            engine = default_engine()
        if text is not None:
            if not text.strip():
                raise CommandError("empty message")
            self.stdout.write(json.dumps(engine.classify(text, lang).as_dict(), ensure_ascii=False))
            return
        for line in sys.stdin:
            line = line.rstrip("\n")
            if not line.strip():
                continue
            self.stdout.write(json.dumps(engine.classify(line, lang).as_dict(), ensure_ascii=False))

    def train_safety(self, shipped: bool) -> None:
        from caminante.faq import safety_model

        if not shipped:
            raise CommandError("train-safety needs --shipped (the worker retrains with the inbox labels)")
        examples = safety_model.read_examples()
        model = safety_model.train(examples)
        model.save(safety_model.SHIPPED)
        self.stdout.write(f"{safety_model.SHIPPED}: {len(examples)} examples, trained on {model.trained_on}")
