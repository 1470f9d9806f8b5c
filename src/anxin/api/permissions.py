from anxin.accounts.permissions import USE_API

__all__ = ["USE_API"]
