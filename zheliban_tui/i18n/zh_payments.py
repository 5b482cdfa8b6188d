"""简体中文: the payments screens (merged into the one `zh` catalogue)."""

MESSAGES: dict[str, str] = {
}
