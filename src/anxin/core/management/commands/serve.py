"""``anxin serve``: what ``make run`` starts. Migrates, loads demo data on the first start,
then runs the production web server (gunicorn, static files by whitenoise) and the task worker
until Ctrl-C, which stops both."""

import os
import signal
import socket
import subprocess
import sys
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db.utils import OperationalError

# The access log shows the path only: query strings may hold search terms (names, phones).
ACCESS_LOG_FORMAT = '%(h)s %(t)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'


def port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


class Command(BaseCommand):
    help = "Migrate, load demo data on first start, and run the web server and task worker."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ANXIN_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=None)
        parser.add_argument("--no-worker", action="store_true", help="do not start the task worker")

    def handle(self, *args, host, port, no_worker, **options):
        if port is None:
            raw = os.environ.get("ANXIN_PORT", "8000")
            if not raw.isdigit() or not 0 < int(raw) < 65536:
                raise CommandError(f"ANXIN_PORT must be a port number (1-65535), not '{raw}'.")
            port = int(raw)
        if not port_free(host, port):
            raise CommandError(
                f"port {port} on {host} is already in use. Stop what uses it, "
                "or choose another port: ANXIN_PORT=8001 make run"
            )
        try:
            call_command("migrate", interactive=False, verbosity=0)
        except OperationalError as exc:
            raise CommandError(
                f"the database cannot be reached ({exc}). Check DATABASE_URL."
            ) from exc
        call_command("collectstatic", interactive=False, verbosity=0)

        from anxin.accounts.models import Store

        if os.environ.get("ANXIN_DEMO", "1") != "0" and not Store.objects.exists():
            call_command(
                "demo", scale=os.environ.get("ANXIN_DEMO_SCALE", "small"), stdout=self.stdout
            )
        elif not Store.objects.exists():
            self.stdout.write("No store yet: create the first administrator with 'anxin setup'.")

        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": os.environ["DJANGO_SETTINGS_MODULE"],
            # The master process imports the views and compiles the templates once before it
            # forks the workers (anxin.core.warm): no worker's first requests are slow.
            "ANXIN_WARM": "1",
        }
        workers = os.environ.get("ANXIN_WEB_WORKERS", "3")
        web = [
            sys.executable,
            "-m",
            "gunicorn",
            "anxin.config.wsgi:application",
            "--bind",
            f"{host}:{port}",
            "--workers",
            workers,
            "--threads",
            "4",
            "--worker-class",
            "gthread",
            "--access-logfile",
            "-",
            "--access-logformat",
            ACCESS_LOG_FORMAT,
            "--preload",
            "--graceful-timeout",
            "10",
            # gunicorn 27's control socket: one per data directory, not one per machine.
            "--control-socket",
            str(settings.DATA_DIR / "gunicorn.ctl"),
        ]
        procs = {"web server": subprocess.Popen(web, env=env)}
        if not no_worker:
            procs["task worker"] = subprocess.Popen(
                [sys.executable, "-m", "anxin.manage", "run_huey", "--quiet"], env=env
            )
        self.stdout.write(
            self.style.SUCCESS(f"Anxin is running at http://{host}:{port}/  (Ctrl-C stops it)")
        )
        self.stdout.write(f"Data directory: {settings.DATA_DIR}")
        self.stdout.flush()
        stop = {"signal": None}

        def on_signal(signum, frame):
            stop["signal"] = signum

        signal.signal(signal.SIGINT, on_signal)
        signal.signal(signal.SIGTERM, on_signal)
        failed = None
        while stop["signal"] is None and failed is None:
            for name, proc in procs.items():
                if proc.poll() is not None:
                    failed = name
            time.sleep(0.3)
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
        if failed:
            raise CommandError(f"the {failed} stopped unexpectedly; see the messages above.")
        self.stdout.write("Stopped.")
