import uuid

from django.http import HttpResponseNotAllowed

from anxin.core import marks


class RequestIdMiddleware:
    """Gives every request an id (logged with each use of personal data, echoed in a header),
    and its scope for the stores' change marks (``core.marks``: each read once per request)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.request_id = uuid.uuid4().hex
        with marks.request_scope():
            response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


class NoStoreMiddleware:
    """Pages shown to a signed-in user may hold personal data: never cached by browser or proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            response["Cache-Control"] = "no-store, private"
            response["Pragma"] = "no-cache"
        return response


class MethodAllowlistMiddleware:
    """Only GET, HEAD and POST reach a page; TRACE, OPTIONS and anything else get 405 here,
    once for every page, instead of each view rendering itself for them."""

    ALLOWED = ("GET", "HEAD", "POST")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in self.ALLOWED:
            return HttpResponseNotAllowed(self.ALLOWED)
        return self.get_response(request)


class SqlMeterMiddleware:
    """Benchmarks only (``ANXIN_BENCH=1``): ``X-Anxin-SQL: <statements>;<milliseconds>`` on
    every response, the SQL this request ran (on its own connection, so threads do not mix)."""

    HEADER = "X-Anxin-SQL"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        import time

        from django.db import connection

        meter = {"count": 0, "seconds": 0.0}

        def measure(execute, sql, params, many, context):
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                meter["count"] += 1
                meter["seconds"] += time.perf_counter() - started

        with connection.execute_wrapper(measure):
            response = self.get_response(request)
        response[self.HEADER] = f"{meter['count']};{meter['seconds'] * 1000:.2f}"
        return response
