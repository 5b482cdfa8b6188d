-- The first schema of a sandbox. Portable SQL: it runs on SQLite and PostgreSQL alike.
-- Times are ISO 8601 text in +08:00 (lexical order = time order); dates YYYY-MM-DD; money integer fen.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- People: account holders and the relatives they act for are all citizens.
CREATE TABLE citizens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    id_number TEXT NOT NULL UNIQUE,
    gender TEXT NOT NULL CHECK (gender IN ('male', 'female')),
    birth_date TEXT NOT NULL,
    phone TEXT UNIQUE,
    password_hash TEXT,
    pay_pin_hash TEXT,
    realname_level INTEGER NOT NULL CHECK (realname_level BETWEEN 1 AND 3),
    created_at TEXT NOT NULL
);

CREATE TABLE family_links (
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    member_id TEXT NOT NULL REFERENCES citizens (id),
    relation TEXT NOT NULL,
    PRIMARY KEY (citizen_id, member_id),
    CHECK (citizen_id <> member_id)
);

-- Failed password / PIN entries and the locks they cause. kind: password | card_pin | pay_pin
CREATE TABLE credential_failures (
    id INTEGER PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    kind TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX credential_failures_by_citizen ON credential_failures (citizen_id, kind, at);

CREATE TABLE credential_locks (
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    kind TEXT NOT NULL,
    locked_until TEXT NOT NULL,
    PRIMARY KEY (citizen_id, kind)
);

-- SMS security codes (stored hashed) and the mock's SMS outbox.
CREATE TABLE otp_codes (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    code_hash TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    wrong_entries INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'used', 'voided', 'superseded'))
);
CREATE INDEX otp_codes_by_phone ON otp_codes (phone, sent_at);

CREATE TABLE sms_outbox (
    id INTEGER PRIMARY KEY,
    phone TEXT NOT NULL,
    text TEXT NOT NULL,
    sent_at TEXT NOT NULL
);

-- Login sessions: an access token names its session; refresh tokens rotate inside it.
CREATE TABLE auth_sessions (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    revoked_at TEXT,
    revoked_reason TEXT
);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES auth_sessions (id),
    issued_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX refresh_tokens_by_session ON refresh_tokens (session_id);

-- E-social-security cards, their QR codes, medical insurance.
CREATE TABLE cards (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL UNIQUE REFERENCES citizens (id),
    city_code TEXT NOT NULL,
    card_number TEXT NOT NULL UNIQUE,
    issue_date TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('normal', 'lost', 'cancelled')),
    bank_name TEXT NOT NULL,
    bank_card_number TEXT NOT NULL,
    pin_hash TEXT NOT NULL
);

CREATE TABLE qr_codes (
    id TEXT PRIMARY KEY,
    card_id TEXT NOT NULL REFERENCES cards (id),
    numeric_code TEXT NOT NULL UNIQUE,
    issued_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT,
    used_by TEXT
);
CREATE INDEX qr_codes_by_card ON qr_codes (card_id, issued_at);

CREATE TABLE insurance_accounts (
    citizen_id TEXT PRIMARY KEY REFERENCES citizens (id),
    balance_fen INTEGER NOT NULL CHECK (balance_fen >= 0),
    insured_place TEXT NOT NULL,
    insurance_type TEXT NOT NULL
);

CREATE TABLE insurance_settlements (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    settled_at TEXT NOT NULL,
    institution TEXT NOT NULL,
    kind TEXT NOT NULL,
    total_fen INTEGER NOT NULL CHECK (total_fen >= 0),
    fund_paid_fen INTEGER NOT NULL CHECK (fund_paid_fen >= 0),
    account_paid_fen INTEGER NOT NULL CHECK (account_paid_fen >= 0),
    self_paid_fen INTEGER NOT NULL CHECK (self_paid_fen >= 0)
);
CREATE INDEX insurance_settlements_by_citizen ON insurance_settlements (citizen_id, settled_at);

-- Bills. family: utility | nontax | fine | insurance. kind: water | electricity | gas | nontax | fine | insurance
CREATE TABLE utility_providers (
    id TEXT PRIMARY KEY,
    city_code TEXT NOT NULL,
    city_name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('water', 'electricity', 'gas')),
    name TEXT NOT NULL
);

CREATE TABLE utility_accounts (
    account_number TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES utility_providers (id),
    holder_id TEXT NOT NULL REFERENCES citizens (id),
    holder_name TEXT NOT NULL,
    address TEXT NOT NULL,
    customer_type TEXT NOT NULL CHECK (customer_type IN ('resident', 'business')),
    prepaid_fen INTEGER NOT NULL DEFAULT 0 CHECK (prepaid_fen >= 0),
    PRIMARY KEY (provider_id, account_number)
);

CREATE TABLE bills (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    family TEXT NOT NULL CHECK (family IN ('utility', 'nontax', 'fine', 'insurance')),
    kind TEXT NOT NULL,
    provider_id TEXT REFERENCES utility_providers (id),
    account_number TEXT,
    pay_code TEXT UNIQUE,
    agency TEXT NOT NULL,
    item TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    period TEXT,
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    issued_at TEXT NOT NULL,
    due_date TEXT NOT NULL,
    expires_on TEXT,
    status TEXT NOT NULL DEFAULT 'unpaid' CHECK (status IN ('unpaid', 'paid')),
    paid_payment_id TEXT
);
CREATE INDEX bills_by_citizen ON bills (citizen_id, status);
CREATE INDEX bills_by_account ON bills (provider_id, account_number);

-- Bills a citizen may see besides their own and their family's: found by 户号 or payment code.
CREATE TABLE bill_access (
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    bill_id TEXT NOT NULL REFERENCES bills (id),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (citizen_id, bill_id)
);

CREATE TABLE payments (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    bill_id TEXT NOT NULL REFERENCES bills (id),
    payer_id TEXT NOT NULL REFERENCES citizens (id),
    amount_fen INTEGER NOT NULL CHECK (amount_fen > 0),
    owed_fen INTEGER NOT NULL CHECK (owed_fen >= 0),
    late_fee_fen INTEGER NOT NULL DEFAULT 0 CHECK (late_fee_fen >= 0),
    prepaid_fen INTEGER NOT NULL DEFAULT 0 CHECK (prepaid_fen >= 0),
    status TEXT NOT NULL CHECK (status IN ('pending', 'succeeded', 'failed')),
    channel TEXT NOT NULL,
    created_at TEXT NOT NULL,
    completed_at TEXT
);
-- A bill is charged at most once: the database refuses a second successful payment.
CREATE UNIQUE INDEX payments_one_success_per_bill ON payments (bill_id) WHERE status = 'succeeded';
CREATE INDEX payments_by_citizen ON payments (citizen_id, created_at);

CREATE TABLE receipts (
    payment_id TEXT PRIMARY KEY REFERENCES payments (id),
    bill_code TEXT NOT NULL,
    bill_number TEXT NOT NULL UNIQUE,
    check_code TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    amount_fen INTEGER NOT NULL,
    amount_in_words TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    agency TEXT NOT NULL,
    item TEXT NOT NULL
);

-- Idempotency keys of payments and bookings: the first result is kept and replayed.
CREATE TABLE idempotency_keys (
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    key TEXT NOT NULL,
    scope TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    response_body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (citizen_id, key)
);

-- Hospitals, departments, doctors, sessions and 30-minute windows.
CREATE TABLE hospitals (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    short_name TEXT NOT NULL,
    level TEXT NOT NULL,
    district TEXT NOT NULL,
    address TEXT NOT NULL,
    phone TEXT NOT NULL
);

CREATE TABLE departments (
    id TEXT PRIMARY KEY,
    hospital_id TEXT NOT NULL REFERENCES hospitals (id),
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    location TEXT NOT NULL,
    intro TEXT NOT NULL
);
CREATE INDEX departments_by_hospital ON departments (hospital_id);

CREATE TABLE doctors (
    id TEXT PRIMARY KEY,
    department_id TEXT NOT NULL REFERENCES departments (id),
    name TEXT NOT NULL,
    title TEXT NOT NULL,
    specialty TEXT NOT NULL,
    fee_fen INTEGER NOT NULL CHECK (fee_fen >= 0)
);
CREATE INDEX doctors_by_department ON doctors (department_id);

-- period: am | pm
CREATE TABLE clinic_sessions (
    id TEXT PRIMARY KEY,
    doctor_id TEXT NOT NULL REFERENCES doctors (id),
    department_id TEXT NOT NULL REFERENCES departments (id),
    date TEXT NOT NULL,
    period TEXT NOT NULL CHECK (period IN ('am', 'pm')),
    UNIQUE (doctor_id, date, period)
);
CREATE INDEX clinic_sessions_by_department ON clinic_sessions (department_id, date);

CREATE TABLE time_windows (
    id TEXT PRIMARY KEY,
    session_id TEXT NOT NULL REFERENCES clinic_sessions (id),
    starts_at TEXT NOT NULL,
    ends_at TEXT NOT NULL,
    capacity INTEGER NOT NULL CHECK (capacity >= 0),
    booked INTEGER NOT NULL DEFAULT 0,
    CHECK (booked >= 0 AND booked <= capacity)
);
CREATE INDEX time_windows_by_session ON time_windows (session_id, starts_at);

-- status: booked | cancelled | attended | no_show
CREATE TABLE appointments (
    id TEXT PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    patient_id TEXT NOT NULL REFERENCES citizens (id),
    window_id TEXT NOT NULL REFERENCES time_windows (id),
    session_id TEXT NOT NULL REFERENCES clinic_sessions (id),
    department_id TEXT NOT NULL REFERENCES departments (id),
    date TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('booked', 'cancelled', 'attended', 'no_show')),
    booking_number TEXT NOT NULL UNIQUE,
    queue_number INTEGER NOT NULL,
    checkin_at TEXT NOT NULL,
    checkin_place TEXT NOT NULL,
    fee_fen INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    cancelled_at TEXT,
    from_waitlist INTEGER NOT NULL DEFAULT 0
);
-- One live booking per patient per department per day, enforced by the database.
CREATE UNIQUE INDEX appointments_one_per_department_day
    ON appointments (patient_id, department_id, date) WHERE status <> 'cancelled';
-- A queue number is handed out once per session.
CREATE UNIQUE INDEX appointments_queue_number ON appointments (session_id, queue_number);
CREATE INDEX appointments_by_citizen ON appointments (citizen_id, date);
CREATE INDEX appointments_by_patient ON appointments (patient_id, date, status);

-- Live bookings per patient per day (the across-hospitals daily limit, kept by conditional updates).
CREATE TABLE patient_day_bookings (
    patient_id TEXT NOT NULL REFERENCES citizens (id),
    date TEXT NOT NULL,
    live INTEGER NOT NULL DEFAULT 0 CHECK (live >= 0),
    PRIMARY KEY (patient_id, date)
);

-- status: waiting | promoted | cancelled
CREATE TABLE waitlist_entries (
    id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL UNIQUE,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    patient_id TEXT NOT NULL REFERENCES citizens (id),
    session_id TEXT NOT NULL REFERENCES clinic_sessions (id),
    status TEXT NOT NULL CHECK (status IN ('waiting', 'promoted', 'cancelled')),
    created_at TEXT NOT NULL,
    appointment_id TEXT REFERENCES appointments (id)
);
CREATE UNIQUE INDEX waitlist_one_per_patient_session
    ON waitlist_entries (patient_id, session_id) WHERE status = 'waiting';
CREATE INDEX waitlist_by_session ON waitlist_entries (session_id, status, seq);

-- Messages to citizens. kind: payment | booking | cancellation | waitlist_promoted | waitlist_joined | system
CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    citizen_id TEXT NOT NULL REFERENCES citizens (id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    ref_type TEXT,
    ref_id TEXT,
    created_at TEXT NOT NULL,
    read_at TEXT
);
CREATE INDEX messages_by_citizen ON messages (citizen_id, created_at);

-- Counters for human-readable numbers (booking numbers, bill numbers ...).
CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value INTEGER NOT NULL
);
