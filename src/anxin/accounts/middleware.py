class CurrentStoreMiddleware:
    """Sets ``request.store``: the store the user chose in this session, else their first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.store = None
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            stores = list(user.stores())
            chosen = request.session.get("store_id")
            request.store = next(
                (s for s in stores if s.pk == chosen), stores[0] if stores else None
            )
        return self.get_response(request)
