"""/my: the landlords' page on a phone, a small script over the JSON API (static/my.js, no inline script).

The page itself holds nothing personal: it is the same for everyone, and the script fetches what a
logged-in landlord may see with the bearer token it keeps in the tab's sessionStorage.
"""
from __future__ import annotations

from flask import Blueprint, Flask, render_template

bp = Blueprint("my", __name__)


@bp.get("/my")
def page():
    """The landlords' page (Chinese first; the script switches to English)."""
    return render_template("my.html")


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)
