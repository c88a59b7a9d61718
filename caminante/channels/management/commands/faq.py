"""`caminante faq ask "TEXT" [--lang xx] --json`: the FAQ assistant's answer to one message.

With no TEXT it reads one message per line from standard input and prints one JSON object per
line (for evaluations). The same engine serves the WhatsApp webhook and the web chat.

`caminante faq train --shipped` trains the safety and topic models on the shipped examples and
writes caminante/faq/data/{safety,topic}_model.npz (a developer's step after changing the training
data; a test fails while a shipped model is out of date). Without --shipped it retrains both with
the labels FAQ editors approved in the inbox, for this installation (the worker's `faq.learn`).
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
        parser.add_argument("action", choices=["ask", "train"])
        parser.add_argument("--shipped", action="store_true", help="train: write the shipped models")
        parser.add_argument("text", nargs="?", default=None)
        parser.add_argument("--lang", choices=["es", "pt", "en"], default=None)
        parser.add_argument("--json", action="store_true", help="print JSON (the default output)")

    def handle(self, *args, action, text=None, lang=None, shipped=False, **options):
        if action == "train":
            return self.train(shipped)
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

    def train(self, shipped: bool) -> None:
        from caminante.faq import safety_model, topic_model

        if not shipped:
            from caminante.channels.learning import learn_from_labels

            self.stdout.write(f"retrained with {learn_from_labels()} reviewed labels")
            return
        for module in (safety_model, topic_model):
            examples = module.read_examples()
            model = module.train(examples)
            model.save(module.SHIPPED)
            self.stdout.write(f"{module.SHIPPED.name}: {len(examples)} examples, trained on {model.trained_on}")
