"""The one rule for merging what two lists say about the same person (same phone and name key). Pure.

Used by the importer for the same person twice in one file, and by the repository (passed in to
``apply_import``: storage stores, the domain decides) for a person already stored who is on a new list.
- a value the other list left empty never erases one that is known;
- otherwise the newer list's value wins (in one file: the row further down);
- of two spellings of the name, the better one is kept (contacts.text.preferred_name), whatever the list.
"""
from __future__ import annotations

from operator import attrgetter
from typing import Any

from ivr.contacts.text import preferred_name
from ivr.storage.records import MERGED_FIELDS, ContactData, PersonValues

_merged_values = attrgetter(*MERGED_FIELDS)


def merge_contact(known: PersonValues, incoming: ContactData, newer: bool) -> dict[str, Any]:
    """The values of ``MERGED_FIELDS`` once ``incoming`` is merged into ``known``.

    ``newer``: the incoming list is at least as new as the one ``known`` came from (its values win).
    """
    stored, given = _merged_values(known), _merged_values(incoming)  # in C: this runs for every known person
    if newer:  # the incoming value unless it is empty
        values = {name: g if g is not None else k for name, k, g in zip(MERGED_FIELDS, stored, given)}
    else:  # the stored value unless it is empty
        values = {name: k if k is not None else g for name, k, g in zip(MERGED_FIELDS, stored, given)}
    # The better spelling of the name, whatever the list; on a tie the newer list's.
    values["full_name"] = (preferred_name(known.full_name, incoming.full_name) if newer
                           else preferred_name(incoming.full_name, known.full_name))
    return values


__all__ = ["merge_contact"]
