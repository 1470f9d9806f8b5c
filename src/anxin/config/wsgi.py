import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anxin.config.settings.local")
application = get_wsgi_application()

if os.environ.get("ANXIN_WARM") == "1":
    # Set by ``anxin serve``, which preloads this module in gunicorn's master process: every
    # worker is forked from a warm copy (anxin.core.warm).
    from anxin.core.warm import warm

    warm()
