"""Outbound calls: the pure call machine (machine.py, its events and commands in vocabulary.py), outcomes
and the retry policy (pure), one call's session over ARI, the dialer, and the attempt recorder (recorder.py:
the one way an attempt's answers and end reach the ledger, used by the dialer and the hotline). Imported by
hotline/, the services and the CLI; imports ari/, scripts/, speech/ and storage/ (storage never imports
calls/). machine, vocabulary, outcomes and policy import no I/O (tests/unit/test_script_purity.py)."""
