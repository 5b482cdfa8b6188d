"""English: the payments screens (merged into the one `en` catalogue)."""

MESSAGES: dict[str, str] = {
}
