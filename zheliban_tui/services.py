"""The services of the home screen, in the app's order; each is also a command in the palette."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Service:
    id: str
    icon: str
    key: str          # the digit that opens it on the home screen
    main: bool        # shown in elder mode (适老版 keeps only the main services)

    @property
    def title_key(self) -> str:
        return f"service.{self.id}"

    @property
    def help_key(self) -> str:
        return f"service.{self.id}.help"


SERVICES: tuple[Service, ...] = (
    Service("card", "▣", "1", True),
    Service("utilities", "⚡", "2", True),
    Service("public_pay", "¥", "3", False),
    Service("insurance_pay", "◈", "4", False),
    Service("booking", "✚", "5", True),
    Service("appointments", "◷", "6", True),
    Service("payments", "≡", "7", False),
    Service("messages", "✉", "8", False),
)

SERVICE_BY_ID = {s.id: s for s in SERVICES}
