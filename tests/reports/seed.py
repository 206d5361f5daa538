"""A seeded province for the report and purge tests, described as data (the spec) and written through the
system's own paths: lists imported from CSV files by the importer, campaigns by the repository, answers by
the ledger, hotline calls by the hotline store. Attempts are written as rows, with the times and outcomes
of each scenario (what the dialer would have recorded).

Times in the spec are naive local times (Hanoi); ``D`` is the report day. The tests compute their expected
figures from this spec in plain Python (tests/reports/expected.py), never from the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update

from ivr.contacts.importer import ContactImporter
from ivr.storage import models as m
from ivr.storage.hotline import HotlineStore
from ivr.storage.repo import Repository

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
D = dt.date(2021, 7, 15)


def t(day: int, hhmm: str) -> dt.datetime:
    """Local (Hanoi) time on day D+day, naive."""
    h, mi = map(int, hhmm.split(":"))
    return dt.datetime.combine(D + dt.timedelta(days=day), dt.time(h, mi))


def utc(local: dt.datetime) -> dt.datetime:
    return local.replace(tzinfo=ZONE).astimezone(dt.timezone.utc)


@dataclass(frozen=True)
class Person:
    name: str
    phone: str  # national, as the list has it
    birth: int
    address: str
    ward: str
    district: str  # "" = not given on the list

    @property
    def e164(self) -> str:
        return "+84" + self.phone[1:]


PEOPLE = {
    "an": Person("Nguyễn Văn An", "0912000001", 1985, "Thôn 3", "Quảng Thịnh", "TP Thanh Hóa"),
    "binh": Person("Lê Thị Bình", "0912000002", 1990, "Số 12 Lê Lai", "Đông Vệ", "TP Thanh Hóa"),
    "cuong": Person("Trần Văn Cường", "0912000003", 1978, "Thôn Đông", "Hoằng Quang", "Hoằng Hóa"),
    "dung": Person("Trần Thị Dung", "0912000003", 1980, "Thôn Đông", "Hoằng Quang", "Hoằng Hóa"),  # same phone
    "em": Person("Phạm Văn Em", "0912000005", 2001, "Xóm 2", "Hoằng Quang", "Hoằng Hóa"),
    "giang": Person("Vũ Thị Giang", "0912000006", 1995, "Ngõ 4", "", ""),
    "lan": Person("Lý Thị Lan", "0912000007", 1992, "Thôn 1", "Quảng Tâm", "TP Thanh Hóa"),
    "minh": Person("Mai Văn Minh", "0912000008", 1975, "Phố Mới", "Lam Sơn", "TP Thanh Hóa"),
    "nam": Person("Phan Văn Nam", "0912000009", 1987, "Thôn 1", "Quảng Hưng", "TP Thanh Hóa"),
    "oanh": Person("Trịnh Thị Oanh", "0912000010", 1960, "Thôn 2", "Đông Sơn", "TP Thanh Hóa"),
    "phong": Person("Lương Văn Phong", "0912000011", 1979, "Thôn 9", "Quảng Thành", "TP Thanh Hóa"),
    "quan": Person("Hồ Minh Quân", "0912000012", 2010, "Thôn Tây", "Hoằng Đạo", "Hoằng Hóa"),
    "son": Person("Hồ Văn Sơn", "0912000013", 1959, "Thôn Tây", "Hoằng Đạo", "Hoằng Hóa"),
    "tuan": Person("Cao Văn Tùng", "0912000014", 1970, "Xóm 5", "Quảng Tâm", "TP Thanh Hóa"),
    "hai": Person("Đỗ Văn Hải", "0912000015", 1988, "Xóm 3", "Quảng Tâm", "TP Thanh Hóa"),
    "hoa": Person("Bùi Thị Hoa", "0912000016", 1999, "Thôn 7", "Hoằng Quang", "Hoằng Hóa"),
    "khanh": Person("Ngô Văn Khánh", "0912000017", 1983, "Thôn 8", "Đông Vệ", "TP Thanh Hóa"),
}

# The lists: (day, category) -> people on it, in file order (the first of a household is the one called).
LISTS = {
    (-1, "F1"): ["an", "son", "tuan"],
    (0, "F1"): ["an", "binh", "cuong", "dung", "em", "giang", "lan", "minh", "nam", "oanh", "phong", "quan"],
    (0, "F2"): ["hai", "hoa", "khanh"],
    (1, "F1"): ["an", "binh"],
}
# Campaigns: key -> (script, category, list day)
CAMPAIGNS = {"f1_prev": ("f1_daily", "F1", -1), "f1": ("f1_daily", "F1", 0), "f2": ("f2_daily", "F2", 0),
             "f1_next": ("f1_daily", "F1", 1)}

HEALTHY_F1 = {"identity": "yes", "at_address": "yes", "fever": "no", "cough": "no", "breathing": "no",
              "sore_throat": "no", "taste_smell": "no", "tested": "no"}


@dataclass(frozen=True)
class Att:
    """One attempt: due at ``scheduled``; dialled at ``started`` (None: never); ``answered`` or not."""

    scheduled: dt.datetime
    started: dt.datetime | None
    answered: bool
    outcome: str | None
    status: str = "done"
    answers: dict[str, str] = field(default_factory=dict)
    ended: dt.datetime | None = None  # default: one minute after the start

    @property
    def end(self) -> dt.datetime | None:
        if self.ended is not None:
            return self.ended
        return self.started + dt.timedelta(minutes=1) if self.started and self.status == "done" else None


def done(start: dt.datetime, outcome: str, answered: bool = True, **answers: str) -> Att:
    return Att(start, start, answered, outcome, answers=answers)


SCENARIOS: dict[tuple[str, str], list[Att]] = {
    ("f1_prev", "an"): [done(t(-1, "08:00"), "completed", **HEALTHY_F1)],
    ("f1_prev", "son"): [done(t(-1, "20:00"), "no_answer", False),
                         Att(t(-1, "20:30"), t(0, "07:31"), True, "completed", answers=HEALTHY_F1)],
    ("f1_prev", "tuan"): [done(t(-1, "09:00"), "busy", False),
                          Att(t(-1, "09:30"), None, False, "opted_out", ended=t(0, "11:30"))],
    ("f1", "an"): [done(t(0, "08:00"), "completed", **HEALTHY_F1)],
    ("f1", "binh"): [Att(t(0, "08:00"), t(0, "08:05"), True, "symptomatic",
                         answers={**HEALTHY_F1, "fever": "yes", "breathing": "yes"})],
    ("f1", "cuong"): [Att(t(0, "08:00"), t(0, "08:10"), False, "no_answer"),
                      done(t(0, "08:40"), "no_answer", False), done(t(0, "09:10"), "no_answer", False)],
    ("f1", "em"): [Att(t(0, "08:00"), t(0, "09:00"), True, "hung_up_early",
                       answers={"identity": "yes", "at_address": "yes", "fever": "yes"}),
                   Att(t(0, "09:30"), t(1, "00:30"), False, "no_answer")],
    ("f1", "giang"): [Att(t(0, "08:00"), t(0, "10:00"), False, "busy"), done(t(0, "10:30"), "completed", **HEALTHY_F1)],
    ("f1", "lan"): [Att(t(0, "08:00"), t(0, "11:00"), True, "wrong_person", answers={"identity": "no"})],
    ("f1", "minh"): [Att(t(0, "08:00"), t(0, "11:30"), True, "opted_out")],
    ("f1", "nam"): [Att(t(0, "08:00"), t(0, "23:30"), False, "rejected")],
    ("f1", "oanh"): [Att(t(0, "08:00"), t(0, "12:00"), False, None, status="dialing")],
    ("f1", "phong"): [Att(t(0, "13:00"), None, False, None, status="pending")],
    ("f1", "quan"): [Att(t(0, "07:40"), t(0, "07:45"), False, "congestion"),
                     Att(t(1, "08:00"), None, False, None, status="pending")],
    ("f2", "hai"): [done(t(0, "08:20"), "completed", identity="yes", any_symptom="no")],
    ("f2", "hoa"): [done(t(0, "08:25"), "symptomatic", identity="yes", any_symptom="yes")],
    ("f2", "khanh"): [done(t(0, "08:30"), "no_input", identity="yes"),
                      Att(t(0, "09:00"), t(1, "09:00"), True, "completed", answers={"identity": "yes",
                                                                                   "any_symptom": "no"})],
    ("f1_next", "an"): [done(t(1, "08:00"), "completed", **HEALTHY_F1)],
    ("f1_next", "binh"): [done(t(1, "08:10"), "completed", **HEALTHY_F1)],
}


@dataclass(frozen=True)
class Call:
    """A hotline call: caller (None: withheld), start, queue wait (None: never queued), who answered."""

    caller: str | None
    started: dt.datetime
    outcome: str
    script_result: str | None = None
    answers: dict[str, str] = field(default_factory=dict)
    waited: float | None = None
    answered_by: str | None = None
    abandoned: bool = False


DECLARED_F1 = {"menu": "declare", "category": "f1", "fever": "no", "cough": "yes", "breathing": "no",
               "sore_throat": "no", "taste_smell": "no", "tested": "yes"}
HOTLINE = [
    Call("0912000101", t(0, "09:00"), "declared", "symptomatic", DECLARED_F1),
    Call("0912000102", t(0, "09:10"), "declared", "completed",
         {"menu": "declare", "category": "other", "fever": "no", "cough": "no", "breathing": "no",
          "sore_throat": "no", "taste_smell": "no", "tested": "no"}),
    Call("0912000103", t(0, "10:00"), "staff", None, {"menu": "staff"}, waited=12.5, answered_by="staff1"),
    Call("0912000104", t(0, "10:05"), "abandoned", None, {"menu": "staff"}, waited=40.0, abandoned=True),
    Call("0912000105", t(0, "10:10"), "callback_requested", None, {"menu": "staff"}, waited=65.0),
    Call("0912000106", t(1, "00:10"), "informed", "completed", {"menu": "info"}),
    Call(None, t(0, "11:00"), "hung_up"),
]


@dataclass
class Seeded:
    contacts: dict[str, int]  # person key -> contact id
    campaigns: dict[str, int]
    attempts: dict[tuple[str, str], list[int]]
    calls: list[int]
    imports_dir: Path


def write_list(folder: Path, day: int, category: str, keys: list[str], bad_row: bool = True) -> Path:
    """A list as the CDC sends it (semicolon CSV with a BOM), with a refused row (a 1900 number)."""
    lines = ["Họ và tên;Số điện thoại;Năm sinh;Địa chỉ;Xã/Phường;Huyện;Phân loại"]
    lines += [f"{p.name};{p.phone};{p.birth};{p.address};{p.ward};{p.district};{category}"
              for p in (PEOPLE[k] for k in keys)]
    if bad_row:
        lines.append(f"Người Số Sai {day + 2};1900 1234;1990;Thôn 0;;;{category}")
    path = folder / f"{category}_{(D + dt.timedelta(days=day)).isoformat()}.csv"
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return path


def seed(engine: Engine, work: Path, imports_dir: Path) -> Seeded:
    repo = Repository(engine)
    work.mkdir(parents=True, exist_ok=True)
    contacts: dict[str, int] = {}
    for (day, category), keys in sorted(LISTS.items()):
        at = utc(t(day, "07:00"))
        importer = ContactImporter(repo, imports_dir, clock=lambda at=at: at, zone=ZONE)
        importer.import_file(write_list(work, day, category, keys), list_date=D + dt.timedelta(days=day),
                             operator="seed")
    for c in repo.list_contacts():
        key = next(k for k, p in PEOPLE.items() if p.name == c.full_name)
        contacts[key] = c.id
    campaigns = {}
    for key, (script, category, day) in CAMPAIGNS.items():
        created = repo.create_campaign(script_name=script, script_version="1", operator="seed",
                                       now=utc(t(day, "07:30")), category=category,
                                       list_date=D + dt.timedelta(days=day))
        campaigns[key] = created.id
    attempts: dict[tuple[str, str], list[int]] = {}
    with engine.begin() as connection:
        for (camp, person), atts in SCENARIOS.items():
            contact = repo.get_contact(contacts[person])
            for no, a in enumerate(atts, start=1):
                started = utc(a.started) if a.started else None
                row = connection.execute(m.CallAttempt.__table__.insert().values(
                    campaign_id=campaigns[camp], contact_id=contact.id, household_id=contact.household_id,
                    attempt_no=no, status=a.status, scheduled_at=utc(a.scheduled),
                    claimed_by="seed" if started else None, claimed_at=started,
                    channel_id=f"rc-seed-{camp}-{person}-{no}" if started else None, started_at=started,
                    answered_at=started + dt.timedelta(seconds=5) if a.answered and started else None,
                    ended_at=utc(a.end) if a.end else None, outcome=a.outcome,
                    duration=55.0 if a.answered else None,
                ).returning(m.CallAttempt.id)).scalar_one()
                attempts.setdefault((camp, person), []).append(row)
                if a.status == "dialing":
                    connection.execute(update(m.Household).where(m.Household.id == contact.household_id)
                                       .values(active_attempt_id=row))
    for camp in sorted({camp for (camp, _), atts in SCENARIOS.items() if any(a.status != "done" for a in atts)}):
        # A campaign with calls still to make is being dialled (the purge keeps its people until then).
        repo.set_campaign_status(campaigns[camp], "running", operator="seed", now=utc(t(0, "07:45")))
    for (camp, person), atts in SCENARIOS.items():
        script = CAMPAIGNS[camp][0]
        for attempt_id, a in zip(attempts[(camp, person)], atts):
            for n, (question, value) in enumerate(a.answers.items()):
                at = utc(a.started) + dt.timedelta(seconds=10 + 5 * n)
                repo.record_answer(attempt_id, question, "1" if value == "yes" else "2", value, script, "1", at)
    store = HotlineStore(engine)
    calls = []
    for n, c in enumerate(HOTLINE):
        start = utc(c.started)
        rec = store.open_call(f"hl-seed-{n}", "+84" + c.caller[1:] if c.caller else None, start, False)
        for k, (question, value) in enumerate(c.answers.items()):
            store.record_inbound_answer(rec.id, question, "1", value, "hotline", "2",
                                        start + dt.timedelta(seconds=5 + k))
        if c.waited is not None:
            store.queue_entered(rec.id, start + dt.timedelta(seconds=20))
            store.queue_left(rec.id, c.waited, c.answered_by, c.abandoned)
        store.finish_call(rec.id, c.outcome, c.script_result, start + dt.timedelta(minutes=2))
        if c.outcome == "callback_requested":
            store.add_callback_task("+84" + c.caller[1:], start + dt.timedelta(minutes=2), inbound_call_id=rec.id)
        calls.append(rec.id)
    return Seeded(contacts, campaigns, attempts, calls, imports_dir)
