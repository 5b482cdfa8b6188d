"""The store: every SQL statement of the backend lives in this package."""
