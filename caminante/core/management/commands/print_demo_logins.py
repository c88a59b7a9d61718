"""`caminante print-demo-logins`: the demo usernames by role and their password (demo mode only)."""

from django.core.management.base import BaseCommand

from caminante.core.demo import DEMO_PASSWORD, demo_usernames
from caminante.core.management.commands.seed_demo import demo_mode
from caminante.core.models import User


class Command(BaseCommand):
    help = "Print the demo logins (demo mode only)."

    def handle(self, *args, **options):
        if not demo_mode():
            self.stdout.write("Not in demo mode: there are no demo logins to print.")
            return
        grouped = demo_usernames()
        existing = set(
            User.objects.filter(username__in=[u for g in grouped.values() for u in g]).values_list(
                "username", flat=True
            )
        )
        if not existing:
            self.stdout.write("No demo users yet: run `caminante seed-demo` first.")
            return
        self.stdout.write("Demo logins (every user has the password below):")
        width = max(len(role) for role in grouped)
        for role, usernames in grouped.items():
            present = [u for u in usernames if u in existing]
            if present:
                self.stdout.write(f"  {role.ljust(width)}  {' '.join(present)}")
        self.stdout.write(f"  password{' ' * (width - 8)}  {DEMO_PASSWORD}")
