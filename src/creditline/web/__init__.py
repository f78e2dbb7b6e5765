"""The borrower web app (/app) and the operator console (/console): server-rendered pages over `app`.

Jinja2 templates (autoescaped, English and Chinese through gettext), htmx for the live drawdown
schedule, and one small script of our own for the passkey ceremonies. `mount(app)` adds them to the
API's FastAPI application; see docs/web.md.
"""

from creditline.web.site import mount

__all__ = ["mount"]
