"""Every rule default of the mock backend, as named settings.

The values are the defaults of ``../shared/DOMAIN.md``. Domain and route code read them from the
``Settings`` object of the running app; none of these numbers is written anywhere else.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import time


@dataclass(frozen=True)
class Settings:
    # --- login -----------------------------------------------------------------------------
    sms_code_length: int = 6
    sms_code_ttl_s: int = 300
    sms_resend_after_s: int = 60
    sms_max_sends_per_day: int = 5
    sms_max_wrong_entries: int = 5
    password_min_length: int = 8
    password_max_length: int = 20
    password_max_failures: int = 5
    password_failure_window_s: int = 5 * 60
    password_lock_s: int = 30 * 60
    access_token_ttl_s: int = 30 * 60
    refresh_token_ttl_s: int = 12 * 60 * 60
    secret_hash_iterations: int = 20_000  # passwords
    # Six-digit PINs: a million values fall to any hash cost offline, so the lockout protects them,
    # not the hash; a light PBKDF2 only keeps them out of sight in the database.
    pin_hash_iterations: int = 100
    # --- card ------------------------------------------------------------------------------
    card_pin_max_failures: int = 5
    card_pin_lock_s: int = 30 * 60
    qr_ttl_s: int = 60
    insurance_recent_settlements: int = 10  # shown beside the card; the full list is paged
    # --- payment ---------------------------------------------------------------------------
    pay_pin_max_failures: int = 5
    pay_pin_lock_s: int = 30 * 60
    late_fee_rate_ppm_per_day: int = 1000  # 0.1 % of the arrears a day
    late_fee_minimum_fen: int = 100  # at least 1 yuan
    max_payment_fen: int = 100_000_000  # 1,000,000 yuan: larger amounts are refused
    # --- booking ---------------------------------------------------------------------------
    booking_min_days_ahead: int = 1
    booking_max_days_ahead: int = 7
    booking_release_time: time = time(7, 0)
    booking_max_per_patient_per_day: int = 2
    booking_max_per_patient_department_day: int = 1
    cancel_deadline_time: time = time(15, 0)  # on the day before the visit
    no_show_limit: int = 3
    no_show_window_days: int = 90
    no_show_ban_days: int = 90
    window_minutes: int = 30
    checkin_minutes_before: int = 30  # check in this long before the window starts
    # --- people ----------------------------------------------------------------------------
    max_family_members: int = 8
    min_realname_level_for_services: int = 2
    # --- server ----------------------------------------------------------------------------
    timezone: str = "Asia/Shanghai"
    max_body_bytes: int = 64 * 1024
    default_sandbox: str = "demo"
    default_seed: int = 2025
    default_start: str = "2026-06-15T09:00:00+08:00"  # a Monday; sandboxes made by QA start here
    journal_size: int = 1000
    extra: dict = field(default_factory=dict)

    def with_overrides(self, **changes) -> "Settings":
        return replace(self, **changes)


DEFAULT_SETTINGS = Settings()
