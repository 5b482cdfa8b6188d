"""Deterministic seed data: the same seed and start day give the same rows, IDs included.

What a sandbox holds after seeding:
- five fixed demo citizens (the README lists them) and random ones drawn from the seed, with valid
  ID numbers and phones, family members, cards (one reported lost), one citizen at real-name level 1
  and one banned from online booking after three no-shows;
- medical-insurance accounts and settlements;
- utility providers and accounts in three cities with monthly bills, some overdue; non-tax fees with
  payment codes (one expired), traffic fines, yearly insurance contributions;
- seven Hangzhou hospitals, their departments and doctors, and 14 days of morning and afternoon
  sessions cut into 30-minute windows; some sessions are full already (waitlist demos).
"""
from __future__ import annotations

import hashlib
import random
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from .clock import SHANGHAI, iso
from .domain.id_number import make_id_number
from .domain.pin_rules import pin_problem
from .domain.secrets import hash_secret
from .seed_data import (  # noqa: F401  (DEMO_* and CITIES are read from here by others)
    BANKS,
    CITIES,
    DEMO_CARD_PIN,
    DEMO_PASSWORD,
    DEMO_PAY_PIN,
    DEPARTMENTS,
    EXPERT_FEE_FEN,
    GIVEN,
    HOSPITALS,
    PERSONAS,
    PROVIDERS,
    REGIONS,
    SCHEDULE_DAYS,
    SESSION_TIMES,
    STREETS,
    SURNAMES,
    TITLES,
)
from .settings import Settings
from .store.db import Database


class _Ids:
    """Sequential, readable IDs: the same order of creation gives the same IDs."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def next(self, prefix: str, width: int) -> str:
        n = self.counts.get(prefix, 0) + 1
        self.counts[prefix] = n
        return f"{prefix}{n:0{width}d}"


@lru_cache(maxsize=1024)
def _seed_hash(secret: str, salt_text: str, iterations: int) -> str:
    """Hash a seeded secret. The salt depends on the citizen's id and the secret's kind, not on the
    seed, so that sandboxes of other seeds reuse the work (PBKDF2 is slow on purpose)."""
    salt = hashlib.sha256(f"zheliban-seed|{salt_text}".encode()).digest()[:16]
    return hash_secret(secret, salt, iterations)


def _stamp(day: date, at: time = time(9, 0)) -> str:
    return iso(datetime.combine(day, at, SHANGHAI))


class _Seeder:
    def __init__(self, db: Database, seed: int, start_day: date, settings: Settings) -> None:
        self.db = db
        self.rng = random.Random(seed)
        self.seed = seed
        self.day0 = start_day
        self.settings = settings
        self.ids = _Ids()
        self.used_ids: set[str] = set()
        self.used_phones: set[str] = {p.phone for p in PERSONAS}
        self.holders: list[str] = []  # account holders (can log in)
        self.everyone: list[dict] = []
        self.names: dict[str, str] = {}

    # --- helpers -----------------------------------------------------------------------------
    def hash(self, secret: str, *parts: str) -> str:
        iterations = (self.settings.secret_hash_iterations if parts[-1] == "password"
                      else self.settings.pin_hash_iterations)
        return _seed_hash(secret, "|".join(parts), iterations)

    def id_number(self, region: str, birth: date, male: bool) -> str:
        while True:
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            value = make_id_number(region, birth, seq)
            if value in self.used_ids:
                continue
            if pin_problem(DEMO_CARD_PIN, value) or pin_problem(DEMO_PAY_PIN, value):
                continue
            self.used_ids.add(value)
            return value

    def random_name(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def random_phone(self) -> str:
        while True:
            phone = "1" + self.rng.choice("356789") + "".join(str(self.rng.randrange(10)) for _ in range(9))
            if phone not in self.used_phones:
                self.used_phones.add(phone)
                return phone

    def add_citizen(self, name: str, region: str, birth: date, male: bool, level: int,
                    phone: str | None) -> str:
        cid = self.ids.next("C", 4)
        idn = self.id_number(region, birth, male)
        self.db.execute(
            "INSERT INTO citizens (id, name, id_number, gender, birth_date, phone, password_hash, "
            "pay_pin_hash, realname_level, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (cid, name, idn, "male" if male else "female", birth.isoformat(), phone,
             self.hash(DEMO_PASSWORD, cid, "password") if phone else None,
             self.hash(DEMO_PAY_PIN, cid, "pay_pin") if phone else None,
             level, _stamp(self.day0 - timedelta(days=400 + self.rng.randrange(900)))),
        )
        self.names[cid] = name
        self.everyone.append({"id": cid, "level": level, "region": region, "holder": phone is not None})
        if phone:
            self.holders.append(cid)
        return cid

    def add_family(self, holder: str, relation: str, name: str, birth: date, male: bool) -> str:
        member = self.add_citizen(name, self.rng.choice(REGIONS), birth, male, 2, None)
        self.db.execute("INSERT INTO family_links (citizen_id, member_id, relation) VALUES (?, ?, ?)",
                        (holder, member, relation))
        return member

    # --- people ------------------------------------------------------------------------------
    def people(self) -> None:
        for p in PERSONAS:
            self.add_citizen(p.name, p.region, p.birth, p.male, p.level, p.phone)
        zhang, li = "C0001", "C0002"
        self.add_family(zhang, "配偶", "刘婷", date(1991, 8, 12), False)
        self.add_family(zhang, "子女", "张梓轩", date(2018, 4, 2), True)
        self.add_family(zhang, "父母", "张建国", date(1962, 2, 28), True)
        self.add_family(li, "子女", "周一诺", date(2015, 10, 9), False)
        self.add_family(li, "父母", "李卫东", date(1956, 12, 1), True)
        for _ in range(20):
            male = self.rng.random() < 0.5
            birth = date(1950 + self.rng.randrange(55), 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
            holder = self.add_citizen(self.random_name(), self.rng.choice(REGIONS), birth, male,
                                      self.rng.choice([2, 2, 3]), self.random_phone())
            if self.rng.random() < 0.35:
                kid_birth = date(2008 + self.rng.randrange(15), 1 + self.rng.randrange(12), 1 + self.rng.randrange(28))
                self.add_family(holder, "子女", self.names[holder][0] + self.rng.choice(GIVEN),
                                kid_birth, self.rng.random() < 0.5)

    # --- cards and insurance -------------------------------------------------------------------
    def cards(self) -> None:
        for person in self.everyone:
            if person["level"] < self.settings.min_realname_level_for_services:
                continue
            cid = person["id"]
            card_id = self.ids.next("K", 4)
            bank, prefix = self.rng.choice(BANKS)
            issued = self.day0 - timedelta(days=200 + self.rng.randrange(2500))
            city = "330100" if self.rng.random() < 0.8 else self.rng.choice(["330200", "330300"])
            status = "lost" if cid == "C0003" else "normal"
            self.db.execute(
                "INSERT INTO cards (id, citizen_id, city_code, card_number, issue_date, valid_until, status, "
                "bank_name, bank_card_number, pin_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (card_id, cid, city, f"{self.rng.choice('ABCDEFGH')}{self.rng.randrange(10**8):08d}",
                 issued.isoformat(), issued.replace(year=issued.year + 10).isoformat() if not (issued.month == 2 and issued.day == 29) else issued.replace(year=issued.year + 10, day=28).isoformat(),
                 status, bank, prefix + "".join(str(self.rng.randrange(10)) for _ in range(13)),
                 self.hash(DEMO_CARD_PIN, cid, "card_pin")),
            )
            self.db.execute(
                "INSERT INTO insurance_accounts (citizen_id, balance_fen, insured_place, insurance_type) "
                "VALUES (?, ?, ?, ?)",
                (cid, 20_000 + self.rng.randrange(800_000), "杭州市本级",
                 self.rng.choice(["职工基本医疗保险", "城乡居民基本医疗保险"])),
            )
            for _ in range(self.rng.randrange(2, 6)):
                total = 2_000 + self.rng.randrange(60_000)
                fund = total * self.rng.randrange(40, 80) // 100
                account = (total - fund) * self.rng.randrange(0, 100) // 100
                when = datetime.combine(self.day0 - timedelta(days=1 + self.rng.randrange(90)),
                                        time(8 + self.rng.randrange(9), self.rng.randrange(60)), SHANGHAI)
                self.db.execute(
                    "INSERT INTO insurance_settlements (id, citizen_id, settled_at, institution, kind, total_fen, "
                    "fund_paid_fen, account_paid_fen, self_paid_fen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (self.ids.next("ST", 5), cid, iso(when), self.rng.choice(HOSPITALS)[0] if self.rng.random() < 0.7
                     else self.rng.choice(["杭州老百姓大药房", "杭州华东大药房", "社区卫生服务中心"]),
                     self.rng.choice(["门诊", "门诊", "购药", "住院"]), total, fund, account, total - fund - account),
                )

    # --- bills -------------------------------------------------------------------------------
    def bills(self) -> None:
        providers: dict[tuple[str, str], str] = {}
        for city_code, city_name in CITIES:
            for kind, name in PROVIDERS[city_code]:
                pid = self.ids.next("P", 3)
                providers[(city_code, kind)] = pid
                self.db.execute(
                    "INSERT INTO utility_providers (id, city_code, city_name, kind, name) VALUES (?, ?, ?, ?, ?)",
                    (pid, city_code, city_name, kind, name))
        used_accounts: set[str] = set()
        used_codes: set[str] = set()

        def account_number() -> str:
            while True:
                value = "33" + "".join(str(self.rng.randrange(10)) for _ in range(8))
                if value not in used_accounts:
                    used_accounts.add(value)
                    return value

        def pay_code(prefix: str, length: int) -> str:
            alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
            while True:
                value = prefix + "".join(self.rng.choice(alphabet) for _ in range(length - len(prefix)))
                if value not in used_codes:
                    used_codes.add(value)
                    return value

        def add_bill(citizen: str, family: str, kind: str, agency: str, item: str, amount: int,
                     issued: date, due: date, *, provider: str | None = None, account: str | None = None,
                     code: str | None = None, period: str | None = None, expires: date | None = None) -> str:
            bid = self.ids.next("BL", 5)
            self.db.execute(
                "INSERT INTO bills (id, citizen_id, family, kind, provider_id, account_number, pay_code, agency, "
                "item, payer_name, period, amount_fen, issued_at, due_date, expires_on) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (bid, citizen, family, kind, provider, account, code, agency, item, self.names[citizen], period,
                 amount, _stamp(issued), due.isoformat(), expires.isoformat() if expires else None))
            return bid

        month_start = self.day0.replace(day=1)
        prev_month_end = month_start - timedelta(days=1)
        prev_prev_end = prev_month_end.replace(day=1) - timedelta(days=1)
        kind_names = {"water": "水费", "electricity": "电费", "gas": "燃气费"}
        for holder in self.holders:
            city = "330100" if holder <= "C0005" or self.rng.random() < 0.7 else self.rng.choice(["330200", "330300"])
            street = self.rng.choice(STREETS)
            address = f"{dict(CITIES)[city]}{street}{self.rng.randrange(1, 400)}号{self.rng.randrange(1, 30)}幢{self.rng.randrange(101, 2800)}室"
            for kind in ("electricity", "water", "gas"):
                if kind == "gas" and self.rng.random() < 0.3 and holder != "C0001":
                    continue
                provider = providers[(city, kind)]
                acct = account_number()
                self.db.execute(
                    "INSERT INTO utility_accounts (account_number, provider_id, holder_id, holder_name, address, "
                    "customer_type, prepaid_fen) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (acct, provider, holder, self.names[holder], address, "resident",
                     self.rng.randrange(0, 5_000) if kind != "water" else 0))
                base = {"electricity": 18_000, "water": 6_000, "gas": 9_000}[kind]
                # this month's bill: due in the future
                add_bill(holder, "utility", kind, dict(PROVIDERS[city])[kind], kind_names[kind],
                         base + self.rng.randrange(base), prev_month_end, prev_month_end + timedelta(days=25),
                         provider=provider, account=acct, period=prev_month_end.strftime("%Y-%m"))
                # some accounts also carry last month's unpaid bill: overdue, with a late fee
                if holder == "C0001" or self.rng.random() < 0.4:
                    add_bill(holder, "utility", kind, dict(PROVIDERS[city])[kind], kind_names[kind],
                             base + self.rng.randrange(base), prev_prev_end, prev_prev_end + timedelta(days=25),
                             provider=provider, account=acct, period=prev_prev_end.strftime("%Y-%m"))
            # a fully settled account: look-up answers "nothing owed"
            if holder in ("C0001", "C0002"):
                acct = account_number()
                self.db.execute(
                    "INSERT INTO utility_accounts (account_number, provider_id, holder_id, holder_name, address, "
                    "customer_type, prepaid_fen) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (acct, providers[("330100", "water")], holder, self.names[holder],
                     address.replace("室", "室(车库)"), "resident", 0))

        nontax = [
            ("杭州市公安局出入境管理局", "普通护照工本费", 12_000),
            ("杭州市不动产登记服务中心", "不动产登记费", 8_000),
            ("浙江省教育考试院", "全国大学英语四六级考试报名费", 3_000),
            ("杭州市市场监督管理局", "计量检定费", 15_050),
            ("浙江大学", "学费", 550_000),
        ]
        fines = [
            ("机动车违反禁止标线指示", 10_000), ("机动车违反规定停放", 15_000),
            ("驾驶机动车超过规定时速未达20%", 20_000), ("驾驶机动车不按导向车道行驶", 10_000),
        ]
        for n, holder in enumerate(self.holders):
            if holder == "C0001" or self.rng.random() < 0.5:
                agency, item, amount = self.rng.choice(nontax) if holder != "C0001" else nontax[0]
                issued = self.day0 - timedelta(days=self.rng.randrange(1, 20))
                add_bill(holder, "nontax", "nontax", agency, item, amount, issued, issued + timedelta(days=30),
                         code=pay_code("33", 20), expires=issued + timedelta(days=30))
            if holder == "C0001" or self.rng.random() < 0.4:
                item, amount = self.rng.choice(fines)
                issued = self.day0 - timedelta(days=self.rng.randrange(1, 12))
                add_bill(holder, "fine", "fine", "杭州市公安局交通警察支队", item, amount, issued,
                         issued + timedelta(days=15),
                         code="3301" + "".join(str(self.rng.randrange(10)) for _ in range(12)),
                         expires=issued + timedelta(days=15))
        # an expired payment code: refused at look-up and payment
        issued = self.day0 - timedelta(days=45)
        add_bill("C0001", "nontax", "nontax", nontax[1][0], nontax[1][1], nontax[1][2], issued,
                 issued + timedelta(days=30), code=pay_code("33", 20), expires=issued + timedelta(days=30))
        # yearly insurance contributions: for holders and their family members
        year = self.day0.year + (1 if self.day0.month >= 9 else 0)
        contribution = 46_500
        rows = self.db.all("SELECT citizen_id, member_id FROM family_links ORDER BY citizen_id, member_id")
        insured = [(h, h) for h in self.holders if h in ("C0001", "C0002") or self.rng.random() < 0.5]
        insured += [(r["citizen_id"], r["member_id"]) for r in rows]
        for owner, person in insured:
            add_bill(person, "insurance", "insurance", "国家税务总局杭州市税务局",
                     f"{year}年度城乡居民基本医疗保险", contribution,
                     self.day0 - timedelta(days=20),
                     date(year - 1, 12, 31) if year > self.day0.year else self.day0 + timedelta(days=60),
                     period=str(year))
        # 李娜's shop: a business electricity account with an overdue bill; only resident accounts pay a
        # late fee. Fixed values, no random draw (the rest of the seed keeps its numbers); "34..." lies
        # outside the "33..." account numbers drawn above.
        shop_provider = providers[("330100", "electricity")]
        self.db.execute(
            "INSERT INTO utility_accounts (account_number, provider_id, holder_id, holder_name, address, "
            "customer_type, prepaid_fen) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ("3400000001", shop_provider, "C0002", self.names["C0002"], "杭州市江南大道588号1层商铺", "business", 0))
        add_bill("C0002", "utility", "electricity", dict(PROVIDERS["330100"])["electricity"], kind_names["electricity"],
                 52_030, prev_prev_end, prev_prev_end + timedelta(days=25), provider=shop_provider,
                 account="3400000001", period=prev_prev_end.strftime("%Y-%m"))

    # --- hospitals ---------------------------------------------------------------------------
    def hospitals(self) -> None:
        window_n = 0
        session_n = 0
        self.expert_sessions: list[tuple[str, str, date, list[tuple[str, str, str]]]] = []
        for h_index, (name, short, level, district, address, phone) in enumerate(HOSPITALS, start=1):
            hid = f"H{h_index:02d}"
            self.db.execute(
                "INSERT INTO hospitals (id, name, short_name, level, district, address, phone) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (hid, name, short, level, f"杭州市{district}", f"杭州市{district}{address}", phone))
            chosen = DEPARTMENTS[:6] + self.rng.sample(DEPARTMENTS[6:], 1) if hid != "H07" else \
                [DEPARTMENTS[8], DEPARTMENTS[1], DEPARTMENTS[2], DEPARTMENTS[5], DEPARTMENTS[6], DEPARTMENTS[7]]
            for d_index, (dname, category, intro) in enumerate(chosen, start=1):
                did = f"{hid}D{d_index:02d}"
                floor = self.rng.randrange(1, 8)
                location = f"门诊{self.rng.choice('ABC')}区{floor}楼"
                self.db.execute(
                    "INSERT INTO departments (id, hospital_id, name, category, location, intro) VALUES (?, ?, ?, ?, ?, ?)",
                    (did, hid, dname if hid != "H07" or dname == "儿科" else "儿童" + dname, category, location, intro))
                n_doctors = 3 + self.rng.randrange(2)
                for r_index in range(1, n_doctors + 1):
                    rid = f"{did}R{r_index}"
                    title, fee, capacity = TITLES[min(r_index - 1, 2)] if r_index > 1 else TITLES[0]
                    expert = r_index == 1
                    if expert:
                        fee = EXPERT_FEE_FEN
                        capacity = 1
                        title = "主任医师"
                    specialty = "、".join(self.rng.sample(intro.split("、"), 2))
                    self.db.execute(
                        "INSERT INTO doctors (id, department_id, name, title, specialty, fee_fen) VALUES (?, ?, ?, ?, ?, ?)",
                        (rid, did, self.random_name(), ("知名专家 " if expert else "") + title, specialty, fee))
                    days = [d for d in range(SCHEDULE_DAYS) if (self.day0 + timedelta(days=d)).weekday() < 6]
                    for offset in days:
                        day = self.day0 + timedelta(days=offset)
                        for period, (first, count) in SESSION_TIMES.items():
                            if self.rng.random() < (0.35 if expert else 0.55):
                                continue
                            session_n += 1
                            sid = f"S{session_n:05d}"
                            self.db.execute(
                                "INSERT INTO clinic_sessions (id, doctor_id, department_id, date, period) VALUES (?, ?, ?, ?, ?)",
                                (sid, rid, did, day.isoformat(), period))
                            windows = []
                            for w in range(count):
                                window_n += 1
                                wid = f"W{window_n:06d}"
                                start = datetime.combine(day, first, SHANGHAI) + timedelta(minutes=30 * w)
                                end = start + timedelta(minutes=self.settings.window_minutes)
                                windows.append((wid, iso(start), iso(end)))
                            self.db.executemany(
                                "INSERT INTO time_windows (id, session_id, starts_at, ends_at, capacity) VALUES (?, ?, ?, ?, ?)",
                                [(wid, sid, s, e, capacity) for wid, s, e in windows])
                            if expert and 1 <= offset <= 3:
                                self.expert_sessions.append((sid, did, day, windows))

    # --- appointments already on the books -------------------------------------------------------
    def next_counter(self, name: str) -> int:
        row = self.db.one("SELECT value FROM counters WHERE name = ?", (name,))
        value = (row["value"] if row else 0) + 1
        self.db.execute("INSERT INTO counters (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                        (name, value))
        return value

    def add_appointment(self, citizen: str, patient: str, window: tuple[str, str, str], session: str,
                        department: str, day: date, status: str, queue: int, created: str) -> None:
        aid = f"AP{self.next_counter('appointment'):07d}"
        place = self.db.one("SELECT h.short_name, d.location FROM departments d JOIN hospitals h ON h.id = d.hospital_id "
                            "WHERE d.id = ?", (department,))
        location = f"{place['short_name']} {place['location']}"  # check-in place: hospital + department location
        fee = self.db.scalar("SELECT d.fee_fen FROM doctors d JOIN clinic_sessions s ON s.doctor_id = d.id WHERE s.id = ?",
                             (session,))
        checkin = datetime.fromisoformat(window[1]) - timedelta(minutes=self.settings.checkin_minutes_before)
        self.db.execute(
            "INSERT INTO appointments (id, citizen_id, patient_id, window_id, session_id, department_id, date, status, "
            "booking_number, queue_number, checkin_at, checkin_place, fee_fen, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (aid, citizen, patient, window[0], session, department, day.isoformat(), status,
             f"{day.strftime('%y%m%d')}{self.next_counter('booking_number'):06d}", queue, iso(checkin),
             location, fee, created))
        if status == "booked":
            self.db.execute("UPDATE time_windows SET booked = booked + 1 WHERE id = ?", (window[0],))
            self.db.execute(
                "INSERT INTO patient_day_bookings (patient_id, date, live) VALUES (?, ?, 1) "
                "ON CONFLICT (patient_id, date) DO UPDATE SET live = patient_day_bookings.live + 1",
                (patient, day.isoformat()))

    def appointments(self) -> None:
        # Fill two popular experts' sessions completely (the waitlist demo), with random citizens.
        others = [h for h in self.holders if h > "C0005"]
        chosen, seen = [], set()
        for sid, did, day, windows in self.expert_sessions:
            if (did, day) not in seen and len(chosen) < 2:
                seen.add((did, day))
                chosen.append((sid, did, day, windows))
        for sid, did, day, windows in chosen:
            patients = self.rng.sample(others, len(windows))
            for queue, (window, patient) in enumerate(zip(windows, patients), start=1):
                self.add_appointment(patient, patient, window, sid, did, day, "booked", queue,
                                     _stamp(self.day0, time(7, 0, queue)))
        # Past visits: one attended visit for 张伟, three no-shows for 赵磊 (booking ban).
        doctor = self.db.one("SELECT id, department_id FROM doctors ORDER BY id LIMIT 1 OFFSET 2")
        for n, (patient, ago, status) in enumerate(
                [("C0001", 20, "attended"), ("C0005", 70, "no_show"), ("C0005", 40, "no_show"), ("C0005", 10, "no_show")]):
            day = self.day0 - timedelta(days=ago)
            sid = f"SP{n + 1:04d}"
            self.db.execute("INSERT INTO clinic_sessions (id, doctor_id, department_id, date, period) VALUES (?, ?, ?, ?, ?)",
                            (sid, doctor["id"], doctor["department_id"], day.isoformat(), "am"))
            start = datetime.combine(day, time(9, 0), SHANGHAI)
            wid = f"WP{n + 1:05d}"
            window = (wid, iso(start), iso(start + timedelta(minutes=self.settings.window_minutes)))
            self.db.execute("INSERT INTO time_windows (id, session_id, starts_at, ends_at, capacity, booked) VALUES (?, ?, ?, ?, ?, ?)",
                            (wid, sid, window[1], window[2], 3, 0))
            self.add_appointment(patient, patient, window, sid, doctor["department_id"], day, status, 1,
                                 _stamp(day - timedelta(days=3)))

    # --- messages ----------------------------------------------------------------------------
    def messages(self) -> None:
        for holder in self.holders:
            self.db.execute(
                "INSERT INTO messages (citizen_id, kind, title, body, created_at) VALUES (?, ?, ?, ?, ?)",
                (holder, "system", "欢迎使用浙里办", "您可以在这里出示电子社保卡、缴纳生活费用、预约挂号。",
                 _stamp(self.day0 - timedelta(days=1))))


def seed_database(db: Database, *, seed: int, start_day: date, settings: Settings) -> None:
    """Fill an empty, migrated database. Deterministic in (seed, start_day)."""
    seeder = _Seeder(db, seed, start_day, settings)
    with db.write():
        seeder.people()
        seeder.cards()
        seeder.bills()
        seeder.hospitals()
        seeder.appointments()
        seeder.messages()
