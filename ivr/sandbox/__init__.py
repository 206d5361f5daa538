"""The local Asterisk 22 sandbox and its simulated phone network, for development, tests and the demo
(never production). Imported by the CLI and tests; imports ivr.config, ivr.errors, ivr.logs and
ivr.protection.secrets only (plus openpyxl for the demo list); nothing of calls/, storage/ or hotline/."""
