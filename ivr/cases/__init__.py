"""Cases: what health staff must act on, opened from what calls promise (see rules.py and service.py).

rules.py is pure (which outcome or declaration opens which case, the status transitions); service.py acts
through the case store (ivr.storage.cases), which stores and never decides. Imported by reports/ (the
"Cần xử lý" sheet), the CLI and ivr.app; imports storage/, ivr.clock, ivr.i18n and ivr.errors only
(tests/unit/test_architecture.py).
"""
