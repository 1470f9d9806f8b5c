"""Every refused request is a denied entry in the use log, by one mechanism (AUD-3, PRV-2).

A view refuses by raising ``PermissionDenied`` (403). Views that refuse a read of a particular
record log it themselves, with the record (e.g. ``clients.selectors``); for all other refusals
this middleware writes the one denied entry, naming the page and its arguments, so the
supervisor is alerted to every refused attempt whether or not the view remembered to log it.
"""

from django.core.exceptions import PermissionDenied

from .models import UseOutcome
from .services import denial_logged, use_log

RECORD_ID_MAX = 64
ACTION_MAX = 40


def log_refusal(request) -> None:
    """One denied use entry for this refused request, unless the view has logged one."""
    if denial_logged.get():
        return
    match = request.resolver_match
    view_name = (match.view_name if match else "") or request.path[:100]
    kwargs = match.kwargs if match else {}
    use_log(
        actor=getattr(request, "user", None),
        action=((match.url_name if match else "") or "view")[:ACTION_MAX],
        record_type=view_name[:100],
        record_id="/".join(str(v) for v in kwargs.values())[:RECORD_ID_MAX],
        outcome=UseOutcome.DENIED,
        request=request,
    )


class DeniedUseMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = denial_logged.set(False)
        try:
            return self.get_response(request)
        finally:
            denial_logged.reset(token)

    def process_exception(self, request, exception):
        if isinstance(exception, PermissionDenied):
            log_refusal(request)
        return None  # the 403 page as before
