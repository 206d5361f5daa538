"""The figures of a campaign's live progress, as the Today page shows them (pure: progress in, figures out)."""
from __future__ import annotations

from dataclasses import dataclass

from ivr.storage.records import AttemptStatus, CampaignProgress

# Telephony outcomes of a call that did not reach the person (a retry may follow).
UNREACHED = frozenset({"no_answer", "busy", "rejected", "unreachable", "congestion", "failed", "hung_up_early",
                       "wrong_person", "no_input"})


@dataclass(frozen=True)
class LiveFigures:
    in_progress: int
    answered: int
    symptomatic: int
    unreached: int
    pending: int
    done: int
    households: int

    @property
    def percent_done(self) -> int:
        total = self.done + self.pending + self.in_progress
        return round(100 * self.done / total) if total else 0


def live_figures(p: CampaignProgress) -> LiveFigures:
    s, o = p.by_status, p.by_outcome
    return LiveFigures(
        in_progress=s.get(AttemptStatus.CLAIMED, 0) + s.get(AttemptStatus.DIALING, 0),
        answered=p.answered,
        symptomatic=o.get("symptomatic", 0),
        unreached=sum(n for outcome, n in o.items() if outcome in UNREACHED),
        pending=s.get(AttemptStatus.PENDING, 0),
        done=s.get(AttemptStatus.DONE, 0),
        households=p.households,
    )
