"""Protecting personal data and the PBX: the retention purge (retention.py: anonymise the people and the
hotline calls past ``retention_days``, delete the files naming them) and the refusal of default secrets
against a real PBX (secrets.py). Imported by the CLI and ivr.app; imports storage/ (the purge store, the
register of written files), speech/ and scripts/ (personalised prompts to delete), sandbox/nodes (the
sandbox's ports), never calls/ or hotline/."""
