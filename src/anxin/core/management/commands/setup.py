"""``anxin setup``: a real shop's first start — the first store and its administrator."""

import getpass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from anxin.accounts.models import Store, User
from anxin.accounts.services import role_assign, roles_ensure_defaults, store_create, user_create
from anxin.core.seeding import categories_ensure_defaults

from ._util import require_migrated


class Command(BaseCommand):
    help = "Create the first store and its system administrator (interactive)."

    def add_arguments(self, parser):
        parser.add_argument("--store-name")
        parser.add_argument("--store-code")
        parser.add_argument("--username")
        parser.add_argument("--full-name")

    def ask(self, prompt, value):
        while not value:
            try:
                value = input(prompt).strip()
            except EOFError:
                raise CommandError("setup needs answers; none came (no terminal?).") from None
        return value

    def handle(self, *args, **opts):
        require_migrated()
        if User.objects.filter(is_superuser=True).exists():
            raise CommandError("an administrator exists already; add accounts through the web UI.")
        store_name = self.ask("Store name: ", opts["store_name"])
        store_code = self.ask("Store short code (e.g. BJ01): ", opts["store_code"])
        username = self.ask("Administrator username: ", opts["username"])
        full_name = self.ask("Administrator full name: ", opts["full_name"])
        probe = User(username=username, full_name=full_name)
        for _attempt in range(3):
            password = getpass.getpass("Password: ")
            if password != getpass.getpass("Password again: "):
                self.stderr.write("The two passwords differ.")
                continue
            try:
                validate_password(password, probe)
            except ValidationError as exc:
                self.stderr.write(" ".join(exc.messages))
                continue
            break
        else:
            raise CommandError("no acceptable password given; nothing was created.")
        try:
            with transaction.atomic():
                roles_ensure_defaults()
                store = Store.objects.filter(short_code=store_code.upper()).first() or store_create(
                    name=store_name, short_code=store_code
                )
                user = user_create(
                    username=username, password=password, full_name=full_name, is_superuser=True
                )
                role_assign(user=user, store=store, role_key="system_admin")
                categories_ensure_defaults(actor=user)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(self.style.SUCCESS(f"Created {username}, administrator of {store}."))
