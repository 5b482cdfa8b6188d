"""Textual's footer with each binding's description looked up in the current language.

Bindings name an i18n key as their description (`Binding("f1", "help", "key.help")`).
"""
from __future__ import annotations

from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from ..i18n import has_key, t


class LocalizedFooter(Footer):
    def compose(self):
        for widget in super().compose():
            if isinstance(widget, FooterKey) and has_key(widget.description):
                widget.description = t(widget.description)
            yield widget
