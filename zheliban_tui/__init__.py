"""Zheliban TUI: the citizen client (Textual TUI and scriptable command line)."""
