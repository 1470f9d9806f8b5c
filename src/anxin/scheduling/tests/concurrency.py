"""Many booking attempts at the same moment, each on its own database connection."""

import threading
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import connection


def at_once(attempt: Callable[[object], object], arguments: Iterable) -> list[str]:
    """Run ``attempt(argument)`` for every argument in parallel threads released together;
    the sorted outcomes: "booked", "conflict" (refused on the start time), or what else
    happened."""
    arguments = list(arguments)
    barrier = threading.Barrier(len(arguments))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(argument):
        try:
            barrier.wait()
            attempt(argument)
            result = "booked"
        except ValidationError as exc:
            result = "conflict" if "start" in exc.message_dict else f"invalid {exc}"
        except BaseException as exc:
            result = f"error {exc!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sorted(outcomes)
