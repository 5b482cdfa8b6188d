"""Thin FastAPI routers, one per domain. The rules live in ``mock_server.domain`` and the store."""
