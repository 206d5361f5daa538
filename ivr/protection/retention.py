"""The retention purge: personal data kept no longer than ``retention_days`` (Decree 13/2023).

``robocall purge --older-than DAYS`` removes the personal data of contacts last seen on a list more than
DAYS days ago (local days) whose calls are all over, and of hotline calls older than that:
1. their rows in the database are anonymised (what exactly: ivr.storage.purge_store);
2. their personalised prompts are deleted from the audio cache. The cache is keyed by a hash of the
   text, so the purge renders the texts again — each personalised prompt of the scripts of every
   campaign that called them, with their values, for each day a prompt may have been rendered — and
   deletes the files with those keys. Only prompts that say their name or address (or any other
   contact value but the day of quarantine) are theirs; a file whose text is also a remaining contact's
   (same name) stays. The register of personal audio (ivr.storage.audio_register), written at render time,
   names the rest: the parts the dialer renders for a call (their values, ivr.scripts.segments; also in the
   register of written files, step 4), prompts rendered from a script's older text, and `robocall call
   --var/--prompt` audio (under the number's digest: deleted by an erasure of that number, or by the purge
   after retention); a namesake's next call renders a shared part again;
3. the stored copies of the lists imported before the cut-off, and their error reports;
4. every report or export this system wrote that names one of them (the register of written files),
   unless the file was changed since it was written (then it is reported, not deleted).
Files go first, the database last (one transaction): if the purge stops halfway, running it again
finds the same contacts and finishes the work. Then the database is vacuumed, so that the text it no
longer holds is not left in free pages of its files either (SQLite: the whole file; PostgreSQL: the
tables purged, with plain VACUUM, which takes no exclusive lock).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable
from zoneinfo import ZoneInfo

from ivr.scripts.variables import contact_variables
from ivr.contacts.phones import InvalidPhone, normalize_phone
from ivr.errors import UserError
from ivr.i18n import _
from ivr.logs import get_logger
from ivr.reports.symptoms import SymptomRules
from ivr.reports.writers import sha256_of
from ivr.scripts.interpreter import fallbacks_of, personalised, prompts_of, render_prompt
from ivr.scripts.model import Script
from ivr.speech.library import AudioLibrary
from ivr.storage.audio_register import AudioRegister, phone_digest
from ivr.storage.purge_store import AudioSubject, PurgeCounts, PurgePlan, PurgeStore
from ivr.storage.written_files import PENDING, FileRegister, RegisteredFile

log = get_logger(__name__)
NOT_PERSONAL = frozenset({"ngay_cach_ly", "xung_ho"})  # the day of quarantine, the form of address: shared by many


@dataclass(frozen=True)
class PurgeResult:
    """What a purge removed (or, with dry_run, would remove)."""

    cutoff: dt.date
    dry_run: bool
    counts: PurgeCounts
    kept_in_flight: int
    audio_files: int
    import_files: int
    written_files: int
    changed_files: tuple[str, ...] = ()  # registered files changed since written: not deleted
    scripts_unavailable: tuple[str, ...] = ()  # their personalised audio could not be looked for
    removed: tuple[str, ...] = field(default=(), repr=False)  # the files deleted
    wal_truncated: bool = True  # False: SQLite's write-ahead log may still hold purged text (a reader)

    def as_json(self) -> dict[str, object]:
        data = asdict(self)
        data["cutoff"] = self.cutoff.isoformat()
        data.pop("removed")
        return data


class Purger:
    def __init__(self, store: PurgeStore, register: FileRegister, library: AudioLibrary,
                 scripts: Callable[[str], Script], zone: ZoneInfo, clock: Callable[[], dt.datetime]) -> None:
        self.rules = SymptomRules(scripts)
        self.store = store
        self.audio_register = AudioRegister(store.engine)  # whose each rendered personal prompt is
        self.register = register
        self.library = library
        self.scripts = scripts
        self.zone = zone
        self.clock = clock
        self._loaded: dict[str, Script | None] = {}

    def run(self, older_than_days: int, operator: str, dry_run: bool = False) -> PurgeResult:
        if older_than_days < 1:
            raise UserError(_("--older-than {days}: give a number of days, 1 or more").format(days=older_than_days))
        now = self.clock()
        cutoff = now.astimezone(self.zone).date() - dt.timedelta(days=older_than_days)
        inbound_before = dt.datetime.combine(cutoff, dt.time(), tzinfo=self.zone).astimezone(dt.timezone.utc)
        plan = self.store.plan(cutoff, inbound_before)
        registered = self.register.naming(plan.contact_ids, inbound_before=inbound_before)
        return self._apply(plan, registered, operator, f"older_than:{older_than_days} cutoff:{cutoff.isoformat()}",
                           now, dry_run, unattached_before=inbound_before)

    def erase(self, who: str, operator: str, dry_run: bool = False) -> PurgeResult:
        """Erasure on request (Decree 13/2023, art. 16): one person's personal data everywhere the purge
        removes it, whatever the list dates. ``who`` is a phone number (everyone on that phone, and every
        hotline call from it) or a contact id. Refused while a call to that phone is in progress."""
        phone, contact_id = _erase_target(who)
        ids, calls = self.store.find_erasable(phone, contact_id)
        adhoc = bool(phone) and bool(self.audio_register.keys_of([], [phone_digest(phone or "")]))
        if not ids and not calls and not adhoc:  # (a number only called ad hoc has audio to erase)
            raise UserError(_("{who}: no such person (phone number or contact id) in the database "
                              "(see robocall contacts list)").format(who=who))
        phones: tuple[str, ...] = (phone,) if phone and contact_id is None else ()
        plan = self.store.plan_erase(ids, phones)
        if plan.kept_in_flight:
            raise UserError(_("{who}: a call to this number is in progress; erase again after the call ends").format(who=who))
        registered = self.register.naming(ids, inbound_call_ids=calls)
        where = f"contacts:{','.join(map(str, ids)) or '-'} inbound_calls:{len(calls)}"  # never the number
        return self._apply(plan, registered, operator, where, self.clock(), dry_run)

    def _apply(self, plan: PurgePlan, registered: list[RegisteredFile], operator: str, action_object: str,
               now: dt.datetime, dry_run: bool, unattached_before: dt.datetime | None = None) -> PurgeResult:
        cutoff = plan.cutoff
        subjects = self._audio_subjects(plan, unattached_before)
        audio = self._audio(plan, subjects)
        imports = [p for i in plan.imports for p in (i.stored_path, i.error_report) if p]
        deletable, changed = self._check(registered)
        unavailable = tuple(sorted(n for n, s in self._loaded.items() if s is None))
        if dry_run:
            return PurgeResult(cutoff, True, PurgeCounts(contacts=len(plan.subjects)), plan.kept_in_flight,
                               sum(1 for p in audio if p.exists() and p.suffix == ".wav"),
                               sum(1 for p in imports if Path(p).exists()),
                               len({f.path for f in deletable}), tuple(changed), unavailable)
        written = sorted({f.path for f in deletable})
        removed = [str(p) for p in [*audio, *map(Path, imports), *map(Path, written)] if _unlink(p)]
        if not [p for p in audio if p.exists()]:  # every registered file is gone: forget the entries
            self.audio_register.forget(*subjects)
        symptomatic = [attempt for attempt, script, question, value in self.store.answers_of(plan.contact_ids)
                       if (question, value) in self.rules.choices(script)]
        counts = self.store.purge(plan, [f.id for f in deletable], [i.id for i in plan.imports], symptomatic,
                                  operator=operator, action_object=action_object, now=now)
        truncated = self.store.compact()
        if not truncated:
            log.warning("retention.wal_not_truncated")
        result = PurgeResult(cutoff, False, counts, plan.kept_in_flight,
                             sum(1 for p in audio if str(p) in removed and p.suffix == ".wav"),
                             sum(1 for p in imports if p in removed), sum(1 for p in written if p in removed),
                             tuple(changed), unavailable, tuple(removed), truncated)
        log.info("retention.erase" if plan.erase else "retention.purge", contacts=counts.contacts,
                 audio=result.audio_files, imports=result.import_files, written=result.written_files,
                 kept=plan.kept_in_flight)
        return result

    # -- audio -----------------------------------------------------------------------------------------
    @staticmethod
    def _audio_subjects(plan: PurgePlan, unattached_before: dt.datetime | None
                        ) -> tuple[list[int], list[str], dt.datetime | None]:
        """Who the register is asked about: the purged contacts; an erasure's numbers (and the erased people's
        own numbers: an ad-hoc call to them); a purge's ad-hoc calls rendered before its cut-off."""
        phones = {*plan.phones, *(s.contact.phone_e164 for s in plan.subjects if plan.erase)}
        return plan.contact_ids, sorted(phone_digest(p) for p in phones), unattached_before

    def _audio(self, plan: PurgePlan, subjects: tuple[list[int], list[str], dt.datetime | None]) -> list[Path]:
        """Cache files of the purged contacts' personalised prompts (both twins): those the register names for
        them, and those found by rendering their prompts again (files rendered before the register), minus
        those a remaining contact or number shares."""
        theirs = self._keys(plan.subjects) | self.audio_register.keys_of(*subjects)
        shared = self._keys(self.store.sharing(plan.subjects)) if theirs else set()
        shared |= self.audio_register.shared(theirs, *subjects) if theirs else set()
        return [path for k in sorted(theirs - shared) for path in self.library.cache.paths(k)]  # both twins

    def _keys(self, subjects: Iterable[AudioSubject]) -> set[str]:
        keys: set[str] = set()
        for subject in subjects:
            days = {d + dt.timedelta(days=n) for d in subject.days for n in (-1, 0, 1)}
            for name in sorted(subject.scripts):
                script = self._script(name)
                if script is None:
                    continue
                fallbacks = fallbacks_of(script)
                for day in sorted(days):
                    values = contact_variables(subject.contact, day)
                    personal = {k for k, v in values.items() if v.strip() and k not in NOT_PERSONAL}
                    for template in prompts_of(script):
                        if personalised(template) and personal & {p.name for p in template.placeholders()}:
                            keys.add(self.library.resolve(render_prompt(template, values, fallbacks)).key)
        return keys

    def _script(self, name: str) -> Script | None:
        if name not in self._loaded:
            try:
                self._loaded[name] = self.scripts(name)
            except Exception:  # noqa: BLE001 - a removed or broken script: reported, the rest goes on
                self._loaded[name] = None
        return self._loaded[name]

    # -- written files ---------------------------------------------------------------------------------
    def _check(self, files: Iterable[RegisteredFile]) -> tuple[list[RegisteredFile], list[str]]:
        """The registrations to mark deleted (of paths still as this system wrote them, or already gone)
        and the paths someone changed since (kept, reported). A path written several times (a report run
        again) is this system's if it holds any of the versions written."""
        paths = sorted({f.path for f in files})
        versions: dict[str, list[RegisteredFile]] = {}
        for f in self.register.same_paths(paths):
            versions.setdefault(f.path, []).append(f)
        deletable: list[RegisteredFile] = []
        changed: list[str] = []
        for path in paths:
            registered = versions.get(path, [])
            current = Path(path)
            versions_written = {f.sha256 for f in registered}
            # PENDING: registered before it was written, by a report that stopped while writing: this
            # system's file whatever it holds.
            if current.is_file() and PENDING not in versions_written and sha256_of(current) not in versions_written:
                changed.append(path)
            else:
                deletable += registered
        return deletable, changed


def _erase_target(who: str) -> tuple[str | None, int | None]:
    """(phone as E.164, None) for a phone number, (None, id) for a contact id; UserError for anything else."""
    text = who.strip()
    try:
        return normalize_phone(text).e164, None
    except InvalidPhone:
        pass
    if text.isdigit() and len(text) <= 9:
        return None, int(text)
    raise UserError(_("{who!r}: not a Vietnamese phone number nor a contact id (the number in the ID column of "
                      "robocall contacts list)").format(who=who))


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True
