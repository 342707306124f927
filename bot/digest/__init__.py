"""The practitioners' weekly digest: ``compute`` the figures, then render them.

Renderers live in their own modules (telegram, html, csv, chart) so that importing
the figures does not pull in matplotlib or Jinja2.
"""

from bot.digest.compute import compute
from bot.digest.model import Digest

__all__ = ["Digest", "compute"]
