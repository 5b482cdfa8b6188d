"""简体中文: the booking screens (merged into the one `zh` catalogue)."""

MESSAGES: dict[str, str] = {
}
