"""The mock 浙里办 government backend: FastAPI + SQLite, seeded, sandboxed, with a virtual clock."""

__version__ = "0.1.0"
