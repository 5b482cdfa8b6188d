"""Backend benchmark: requests/s and p50/p99 over loopback, measured with wrk in one run.

    python bench/backend.py            # the full run (about 4 minutes)
    python bench/backend.py --quick    # shorter phases, for a smoke check

It starts `zheliban-mock` (one uvicorn process, the settings `zheliban-mock` uses), creates a
`bench` sandbox, adds synthetic citizens with cards, bills and a bench hospital to its SQLite file,
and then measures, side by side:

- the bare endpoint (`/healthz`, a FastAPI route returning a small dict) against reading a card and
  reading a department's schedule (target: reads >= 50 % of the bare rate);
- bookings and payments sustained for 30 s each (target: >= 1,500 a second);
- a release rush: 2,000 concurrent attempts at one 30-window session (target: exactly 30 bookings,
  every other attempt a clean refusal, p99 under 1 s);
- 200,000 mixed transactions (target: under 3 minutes).

Prints a table; writes the same figures as JSON to bench/results/backend.json.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mock_server.clock import SHANGHAI, iso  # noqa: E402
from mock_server.domain.access_token import sign_access_token  # noqa: E402
from mock_server.domain.id_number import make_id_number  # noqa: E402
from mock_server.domain.secrets import hash_secret  # noqa: E402
from mock_server.seed import DEMO_CARD_PIN, DEMO_PAY_PIN  # noqa: E402
from mock_server.settings import DEFAULT_SETTINGS  # noqa: E402

ADMIN_KEY = "bench-admin"
START = datetime(2026, 6, 15, 9, 0, tzinfo=SHANGHAI)  # a Monday
LUA = ROOT / "bench" / "wrk" / "flow.lua"
RESULTS = ROOT / "bench" / "results"


# --- the server -----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(db: Path, workers: int) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "mock_server", "--port", str(port), "--db", str(db), "--admin-key", ADMIN_KEY,
         "--start", iso(START), "--workers", str(workers)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return proc, url
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SystemExit("the server did not start:\n" + (proc.stdout.read() if proc.stdout else ""))


def http(method: str, url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    import httpx

    r = httpx.request(method, url, json=body, headers={"X-Admin-Key": ADMIN_KEY, **(headers or {})}, timeout=60)
    return r.status_code, (r.json() if r.content else {})


# --- synthetic data -----------------------------------------------------------------------------------
def prepare(sandbox_db: Path, citizens: int) -> dict:
    """Add synthetic citizens (card, unpaid bill, session token) and a bench hospital to the sandbox."""
    conn = sqlite3.connect(sandbox_db, isolation_level=None, timeout=30)
    secret = bytes.fromhex(conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()[0])
    pay_pin = hash_secret(DEMO_PAY_PIN, b"bench-pay-pin-salt", DEFAULT_SETTINGS.pin_hash_iterations)
    card_pin = hash_secret(DEMO_CARD_PIN, b"bench-card-pin-salt", DEFAULT_SETTINGS.pin_hash_iterations)
    now = iso(START)
    far = iso(START + timedelta(days=30))
    token_exp = int((START + timedelta(days=30)).timestamp())
    provider = conn.execute("SELECT id FROM utility_providers WHERE kind = 'electricity' ORDER BY id LIMIT 1").fetchone()[0]
    conn.execute("BEGIN IMMEDIATE")
    # a bench hospital: one department with big sessions for sustained booking, one 30-window rush session
    conn.execute("INSERT INTO hospitals VALUES ('HB1', '压测医院', '压测医院', '三级甲等', '杭州市上城区', '杭州市上城区压测路1号', '0571-00000000')")
    conn.execute("INSERT INTO departments VALUES ('HB1D01', 'HB1', '全科', '内科', '门诊1楼', 'bench')")
    conn.execute("INSERT INTO departments VALUES ('HB1D02', 'HB1', '专家门诊', '内科', '门诊2楼', 'bench')")
    conn.execute("INSERT INTO doctors VALUES ('HB1D01R1', 'HB1D01', '压测医生', '主治医师', '全科', 2500)")
    conn.execute("INSERT INTO doctors VALUES ('HB1D02R1', 'HB1D02', '热门专家', '知名专家 主任医师', '全科', 10000)")
    windows = []
    n = 0
    for day in range(1, 8):
        d = START.date() + timedelta(days=day)
        for period, first in (("am", 8 * 60), ("pm", 13 * 60 + 30)):
            sid = f"SB{day}{period}"
            conn.execute("INSERT INTO clinic_sessions VALUES (?, 'HB1D01R1', 'HB1D01', ?, ?)", (sid, d.isoformat(), period))
            for w in range(7):
                n += 1
                start = datetime.combine(d, datetime.min.time(), SHANGHAI) + timedelta(minutes=first + 30 * w)
                wid = f"WB{n:05d}"
                conn.execute("INSERT INTO time_windows (id, session_id, starts_at, ends_at, capacity) VALUES (?, ?, ?, ?, ?)",
                             (wid, sid, iso(start), iso(start + timedelta(minutes=30)), 100_000))
                windows.append(wid)
    rush_day = START.date() + timedelta(days=2)
    conn.execute("INSERT INTO clinic_sessions VALUES ('SBRUSH', 'HB1D02R1', 'HB1D02', ?, 'am')", (rush_day.isoformat(),))
    rush = []
    for w in range(30):
        start = datetime.combine(rush_day, datetime.min.time(), SHANGHAI) + timedelta(hours=7, minutes=30 * w)
        wid = f"WR{w:03d}"
        conn.execute("INSERT INTO time_windows (id, session_id, starts_at, ends_at, capacity) VALUES (?, ?, ?, ?, 1)",
                     (wid, "SBRUSH", iso(start), iso(start + timedelta(minutes=30))))
        rush.append(wid)
    rows, lines = [], []
    rng = random.Random(7)
    for i in range(citizens):
        cid = f"X{i:07d}"
        birth = date(1950, 1, 1) + timedelta(days=i // 400)
        idn = make_id_number("330106", birth, (i % 400) * 2 + 1)
        rows.append(cid)
        conn.execute("INSERT INTO citizens (id, name, id_number, gender, birth_date, phone, password_hash, pay_pin_hash, "
                     "realname_level, created_at) VALUES (?, ?, ?, 'male', ?, NULL, NULL, ?, 2, ?)",
                     (cid, "压测" + str(i), idn, birth.isoformat(), pay_pin, now))
        conn.execute("INSERT INTO cards VALUES (?, ?, '330100', ?, '2020-01-01', '2030-01-01', 'normal', '中国银行', "
                     "'6217850000000000000', ?)", (f"KX{i:07d}", cid, f"Z{i:08d}", card_pin))
        account = f"9{i:09d}"
        conn.execute("INSERT INTO utility_accounts VALUES (?, ?, ?, ?, '杭州市', 'resident', 0)",
                     (account, provider, cid, "压测" + str(i)))
        conn.execute("INSERT INTO bills (id, citizen_id, family, kind, provider_id, account_number, agency, item, payer_name, "
                     "period, amount_fen, issued_at, due_date) VALUES (?, ?, 'utility', 'electricity', ?, ?, '国网杭州供电公司', "
                     "'电费', ?, '2026-05', ?, ?, '2026-07-10')",
                     (f"BX{i:07d}", cid, provider, account, "压测" + str(i), 10_000 + i % 5000, now))
        sid = f"BS{i:07d}"
        conn.execute("INSERT INTO auth_sessions (id, citizen_id, created_at, expires_at) VALUES (?, ?, ?, ?)", (sid, cid, now, far))
        token = sign_access_token(secret, sid, token_exp)
        lines.append(f"{token} KX{i:07d} BX{i:07d} {windows[rng.randrange(len(windows))]}")
    conn.execute("COMMIT")
    conn.close()
    return {"lines": lines, "rush_windows": rush, "tokens": [ln.split()[0] for ln in lines]}


# --- wrk --------------------------------------------------------------------------------------------------
_UNITS = {"us": 1, "ms": 1000, "s": 1_000_000, "m": 60_000_000}


def _us(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    return float(m.group(1)) * _UNITS[m.group(2)]


def run_wrk(url: str, mode: str, seconds: float, *, lines_file: Path | None = None, connections: int = 64,
            threads: int = 2, limit: int = 0, path: str | None = None, token: str | None = None) -> dict:
    """One wrk run. With ``path`` a plain GET (no script: wrk at full speed); otherwise the Lua flow."""
    cmd = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, int(seconds))}s", "--timeout", "10s",
           "--latency"]
    env = dict(os.environ)
    if path:
        cmd += ["-H", "X-Sandbox-Id: bench"]
        if token:
            cmd += ["-H", f"Authorization: Bearer {token}"]
        cmd.append(url + path)
    else:
        env.update({"BENCH_MODE": mode, "BENCH_THREADS": str(threads), "BENCH_LIMIT": str(limit)})
        if lines_file:
            env["BENCH_LINES"] = str(lines_file)
        cmd += ["-s", str(LUA), url]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m),", out)
    if not total:
        raise SystemExit("wrk printed no result:\n" + out)
    requests, duration_us = int(total.group(1)), _us(total.group(2) + total.group(3))
    pct = dict(re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", out, re.M))  # "1.84s " ends in a space
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    print(f"  {mode:<9} {requests:>8,} requests in {duration_us / 1e6:5.1f} s = {requests / (duration_us / 1e6):7,.0f}/s, "
          f"p99 {_us(pct['99']) / 1000:.1f} ms, non-2xx {non2xx.group(1) if non2xx else 0}", flush=True)
    return {"requests": requests, "duration_us": duration_us, "rps": requests / (duration_us / 1e6),
            "p50_us": _us(pct["50"]), "p90_us": _us(pct["90"]), "p99_us": _us(pct["99"]),
            "status_errors": int(non2xx.group(1)) if non2xx else 0,
            "socket_errors": sum(map(int, socket_errors.groups())) if socket_errors else 0}


def run_mixed(url: str, pool: list[str], work: Path, total: int, chunk_s: int = 10,
              lines_per_chunk: int = 30_000, connections: int = 64, threads: int = 2) -> dict:
    """Replay ``total`` mixed transactions in wrk runs of ``chunk_s`` seconds at most, each on a fresh
    slice of citizens; the figure is the sum of the runs' own durations. wrk runs for the whole
    duration it is given, even once its threads have stopped, so the last run is given the time the
    remainder needs at the rate of the run before (whole seconds, rounded up)."""
    done = duration_us = non2xx = runs = 0
    worst_p99 = 0.0
    used = 0
    rate = None
    while done < total:
        if used + lines_per_chunk > len(pool) + lines_per_chunk // 2:
            raise SystemExit("bench: not enough synthetic citizens for the mixed phase (raise --citizens)")
        chunk = work / f"mixed-{runs}.lines"
        chunk.write_text("\n".join(pool[used: used + lines_per_chunk]) + "\n")
        left = total - done
        seconds = chunk_s if rate is None else max(1, min(chunk_s, math.ceil(left / rate)))
        # a thread stops once it has asked for ``limit`` requests, counting the first one of each connection
        limit = left // threads + connections // threads + 1
        r = run_wrk(url, "mixed", seconds, lines_file=chunk, limit=limit, connections=connections, threads=threads)
        # three citizens' lines of ten requests (two bookings, two payments); never reuse a line
        used += int(r["requests"] * 0.35) + 500
        if r["requests"] == 0:
            break  # wrk stopped at once: the remainder is below one request a thread
        done += r["requests"]
        duration_us += r["duration_us"]
        non2xx += r["status_errors"]
        worst_p99 = max(worst_p99, r["p99_us"])
        runs += 1
        rate = r["requests"] / (r["duration_us"] / 1e6)
    return {"requests": done, "duration_us": duration_us, "rps": done / (duration_us / 1e6),
            "p50_us": 0.0, "p99_us": worst_p99, "status_errors": non2xx, "runs": runs}


# --- the release rush: 2,000 concurrent attempts ---------------------------------------------------------------
async def rush(url: str, tokens: list[str], windows: list[str], attempts: int) -> dict:
    host, port = url.removeprefix("http://").split(":")
    start_gate = asyncio.Event()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    codes: dict[str, int] = {}

    async def attempt(i: int) -> None:
        body = json.dumps({"window_id": windows[i % len(windows)]}).encode()
        head = (f"POST /api/v1/appointments HTTP/1.1\r\nHost: {host}\r\nX-Sandbox-Id: bench\r\n"
                f"Authorization: Bearer {tokens[i]}\r\nIdempotency-Key: rush-{i:06d}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
        reader, writer = await asyncio.open_connection(host, int(port))
        await start_gate.wait()
        t0 = time.perf_counter()
        writer.write(head + body)
        await writer.drain()
        raw = await reader.read()
        latencies.append(time.perf_counter() - t0)
        writer.close()
        status = int(raw.split(b" ", 2)[1])
        statuses[status] = statuses.get(status, 0) + 1
        payload = raw.split(b"\r\n\r\n", 1)[1]
        try:
            code = json.loads(payload).get("code", "BOOKED") if status != 201 else "BOOKED"
        except ValueError:
            code = "UNREADABLE"
        codes[code] = codes.get(code, 0) + 1

    tasks = [asyncio.create_task(attempt(i)) for i in range(attempts)]
    await asyncio.sleep(0.5)  # every connection open before the release
    t0 = time.perf_counter()
    start_gate.set()
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - t0
    latencies.sort()
    return {"attempts": attempts, "elapsed_s": elapsed, "statuses": statuses, "codes": codes,
            "p50_ms": latencies[len(latencies) // 2] * 1000, "p99_ms": latencies[int(len(latencies) * 0.99)] * 1000}


# --- main -------------------------------------------------------------------------------------------------
def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="short phases (a smoke run, not the figures)")
    ap.add_argument("--citizens", type=int, default=None)
    ap.add_argument("--workers", type=int, default=2, help="server worker processes (default 2: both cores)")
    args = ap.parse_args()
    if shutil.which("wrk") is None:
        print("bench: wrk is missing; install it with `apt-get install wrk`", file=sys.stderr)
        return 2
    read_s, write_s = (3, 5) if args.quick else (10, 30)
    mixed_total = 20_000 if args.quick else 200_000
    citizens = args.citizens or (40_000 if args.quick else 240_000)
    work = Path(tempfile.mkdtemp(prefix="zheliban-bench-"))
    proc, url = start_server(work / "mock.sqlite", args.workers)
    results: dict = {"citizens": citizens, "workers": args.workers}
    try:
        status, _ = http("POST", f"{url}/admin/sandboxes", {"id": "bench", "seed": 2025, "start": iso(START)})
        assert status == 201, status
        t0 = time.perf_counter()
        data = prepare(work / "mock.sandboxes" / "bench.sqlite", citizens)
        print(f"prepared {citizens:,} synthetic citizens in {time.perf_counter() - t0:.1f} s", flush=True)
        tomorrow = (START.date() + timedelta(days=1)).isoformat()
        schedule = f"/api/v1/departments/H01D01/schedule?date={tomorrow}"
        lines = data["lines"]
        # separate pools so that no phase finds another's writes
        quarter = citizens // 4
        pools = {"book": lines[:quarter], "pay": lines[quarter: 2 * quarter], "mixed": lines[2 * quarter:],
                 "read": lines[:5000]}
        files = {}
        for name, pool in pools.items():
            files[name] = work / f"{name}.lines"
            files[name].write_text("\n".join(pool) + "\n")

        print("warming up ...", flush=True)
        reader = pools["read"][0].split()
        card_path = f"/api/v1/cards/{reader[1]}"
        run_wrk(url, "hello", 2, path="/healthz")
        run_wrk(url, "card", 2, path=card_path, token=reader[0])
        results["hello"] = run_wrk(url, "hello", read_s, path="/healthz")
        results["card"] = run_wrk(url, "card", read_s, path=card_path, token=reader[0])
        results["schedule"] = run_wrk(url, "schedule", read_s, path=schedule)
        results["book"] = run_wrk(url, "book", write_s, lines_file=files["book"])
        results["pay"] = run_wrk(url, "pay", write_s, lines_file=files["pay"])
        rush_tokens = [ln.split()[0] for ln in pools["read"][:2000]]
        results["rush"] = asyncio.run(rush(url, rush_tokens, data["rush_windows"], 2000))
        print(f"  rush      {results['rush']}", flush=True)
        results["mixed"] = run_mixed(url, pools["mixed"], work, mixed_total)
        # what the database holds afterwards
        conn = sqlite3.connect(work / "mock.sandboxes" / "bench.sqlite")
        results["db"] = {
            "rush_booked": conn.execute("SELECT SUM(booked) FROM time_windows WHERE session_id = 'SBRUSH'").fetchone()[0],
            "rush_appointments": conn.execute("SELECT COUNT(*) FROM appointments WHERE session_id = 'SBRUSH' AND status = 'booked'").fetchone()[0],
            "over_capacity_windows": conn.execute("SELECT COUNT(*) FROM time_windows WHERE booked > capacity").fetchone()[0],
            "double_charged_bills": conn.execute("SELECT COUNT(*) FROM (SELECT bill_id FROM payments WHERE status = 'succeeded' GROUP BY bill_id HAVING COUNT(*) > 1)").fetchone()[0],
        }
        conn.close()
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(work, ignore_errors=True)
    report(results, write_s)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "backend.json").write_text(json.dumps(results, indent=2))
    return 0


def report(r: dict, write_s: int) -> None:
    hello = r["hello"]["rps"]
    print()
    print(f"{'phase':<34}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'non-2xx':>9}  target")
    def row(name, x, target):
        print(f"{name:<34}{x['rps']:>10,.0f}{x['p50_us'] / 1000:>9.2f}{x['p99_us'] / 1000:>9.2f}{x['status_errors']:>9}  {target}")
    row("bare endpoint /healthz", r["hello"], "reference")
    row("read card", r["card"], f">= {hello / 2:,.0f} (50 %): {'ok' if r['card']['rps'] >= hello / 2 else 'MISSED'} ({r['card']['rps'] / hello:.0%})")
    row("read schedule (a full department)", r["schedule"], f">= {hello / 2:,.0f} (50 %): {'ok' if r['schedule']['rps'] >= hello / 2 else 'MISSED'} ({r['schedule']['rps'] / hello:.0%})")
    row(f"book, sustained {write_s} s", r["book"], f">= 1,500/s: {'ok' if r['book']['rps'] >= 1500 else 'MISSED'}")
    row(f"pay, sustained {write_s} s", r["pay"], f">= 1,500/s: {'ok' if r['pay']['rps'] >= 1500 else 'MISSED'}")
    ru = r["rush"]
    booked = ru["codes"].get("BOOKED", 0)
    clean = all(code in ("BOOKED", "SLOT_FULL") for code in ru["codes"])
    print(f"{'release rush: 2,000 at 30 windows':<34}{ru['attempts'] / ru['elapsed_s']:>10,.0f}{ru['p50_ms']:>9.2f}{ru['p99_ms']:>9.2f}"
          f"{ru['attempts'] - booked:>9}  exactly 30 booked: {booked} in API, {r['db']['rush_appointments']} in DB; "
          f"refusals {ru['codes']}; p99 < 1 s: {'ok' if ru['p99_ms'] < 1000 and booked == 30 and clean else 'MISSED'}")
    m = r["mixed"]
    seconds = m["duration_us"] / 1e6
    print(f"{'mixed: ' + format(m['requests'], ',') + ' transactions':<34}{m['rps']:>10,.0f}{'':>9}"
          f"{m['p99_us'] / 1000:>9.2f}{m['status_errors']:>9}  {format(m['requests'], ',')} in {seconds:.0f} s "
          f"(< 180 s for 200,000: {'ok' if seconds * 200_000 / m['requests'] < 180 else 'MISSED'})")
    print(f"database after the run: over-capacity windows {r['db']['over_capacity_windows']}, "
          f"double-charged bills {r['db']['double_charged_bills']}")


if __name__ == "__main__":
    raise SystemExit(main())
