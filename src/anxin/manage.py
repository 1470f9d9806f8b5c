"""The ``anxin`` console entry point: Django's management commands with our settings."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.config.settings.local")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv or sys.argv)
    except ImproperlyConfigured as exc:
        # Configuration problems (data directory, DATABASE_URL, keys) are the
        # operator's to fix: say what is wrong, without a traceback.
        sys.stderr.write(f"anxin: {exc}\n")
        sys.exit(2)
    except Exception as exc:
        from django.db.utils import OperationalError

        if isinstance(exc, OperationalError):
            sys.stderr.write(f"anxin: the database cannot be reached or used: {exc}\n")
            sys.exit(2)
        raise


if __name__ == "__main__":
    main()
