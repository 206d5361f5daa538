"""The CDC's lists: readers (.xlsx/.csv), phone normalisation, field parsing, the one merge rule for a person
seen twice (merge.py) and the importer. Imported by the CLI, hotline/ (phones) and the services; imports
storage/ (the contact store, records) and never calls/ or hotline/. Storage receives the merge rule as an
argument and never imports this package."""
