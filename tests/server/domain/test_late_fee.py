from datetime import date, datetime

import pytest

from mock_server.domain.late_fee import days_overdue, late_fee_fen


def test_nothing_when_not_overdue_or_nothing_owed():
    assert late_fee_fen(140950, 0) == 0
    assert late_fee_fen(140950, -3) == 0
    assert late_fee_fen(0, 10) == 0
    assert late_fee_fen(-500, 10) == 0


def test_minimum_applies():
    assert late_fee_fen(10000, 1) == 100  # 10 fen computed, 1 yuan minimum
    assert late_fee_fen(1, 1) == 100
    assert late_fee_fen(99_999, 1) == 100  # 99.999 fen -> 100


def test_above_minimum():
    assert late_fee_fen(140950, 1) == 141  # 140.95 -> 141
    assert late_fee_fen(140950, 10) == 1410  # 1409.5 -> 1410 (half up)
    assert late_fee_fen(200_000, 1) == 200
    assert late_fee_fen(1_000_000, 30) == 30_000


def test_round_half_up_boundaries():
    # minimum 0 to expose rounding: 1500 fen * 0.1% = 1.5 -> 2; 1499 -> 1.499 -> 1
    assert late_fee_fen(1500, 1, minimum_fen=0) == 2
    assert late_fee_fen(1499, 1, minimum_fen=0) == 1
    assert late_fee_fen(500, 1, minimum_fen=0) == 1  # 0.5 -> 1
    assert late_fee_fen(499, 1, minimum_fen=0) == 0


def test_custom_rate_and_minimum():
    assert late_fee_fen(100_000, 2, rate_per_day_ppm=500) == 100  # exactly the minimum
    assert late_fee_fen(100_000, 2, rate_per_day_ppm=500, minimum_fen=50) == 100
    assert late_fee_fen(100_000, 3, rate_per_day_ppm=500, minimum_fen=0) == 150
    assert late_fee_fen(100_000, 3, rate_per_day_ppm=0, minimum_fen=0) == 0
    assert late_fee_fen(100_000, 3, rate_per_day_ppm=0) == 100


def test_large_values_exact():
    assert late_fee_fen(10**12, 365) == 365 * 10**9


def test_invalid_arguments():
    with pytest.raises(ValueError):
        late_fee_fen(1000, 1, rate_per_day_ppm=-1)
    with pytest.raises(ValueError):
        late_fee_fen(1000, 1, minimum_fen=-1)
    with pytest.raises(TypeError):
        late_fee_fen(1000.0, 1)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        late_fee_fen(1000, 1.5)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        late_fee_fen(1000, True)  # type: ignore[arg-type]


def test_days_overdue():
    assert days_overdue(date(2025, 6, 19), date(2025, 6, 19)) == 0
    assert days_overdue(date(2025, 6, 19), date(2025, 6, 20)) == 1
    assert days_overdue(date(2025, 6, 19), date(2025, 6, 18)) == 0
    assert days_overdue(date(2025, 2, 28), date(2025, 3, 1)) == 1
    assert days_overdue(date(2024, 2, 28), date(2024, 3, 1)) == 2
    assert days_overdue(date(2024, 12, 31), date(2025, 12, 31)) == 365


def test_days_overdue_rejects_datetimes():
    with pytest.raises(TypeError):
        days_overdue(datetime(2025, 6, 19, 23, 0), date(2025, 6, 20))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        days_overdue(date(2025, 6, 19), datetime(2025, 6, 20, 1, 0))  # type: ignore[arg-type]
