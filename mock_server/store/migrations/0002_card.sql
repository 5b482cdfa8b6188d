-- Show codes (展码) replaced by a newer code of the same card: they verify as expired, with a
-- detail that says why. Kept apart from used_at (a superseded code was never used at a counter).
ALTER TABLE qr_codes ADD COLUMN superseded_at TEXT;
