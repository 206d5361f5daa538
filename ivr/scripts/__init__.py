"""Call scripts ("kịch bản"): the model, the YAML loader (precise errors), the checker, the pure interpreter
and a contact's script variables. Imported by calls/, hotline/, speech/, reports/ and the CLI; imports
nothing of ivr but errors (no telephony, no storage: tests/unit/test_script_purity.py). Type-checked strict."""
