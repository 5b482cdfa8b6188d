"""Reusable widgets; import each from its own module (e.g. `zheliban_tui.widgets.qr_code`)."""
