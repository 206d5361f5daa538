"""Reports for health staff: daily and monthly workbooks (xlsx + csv + png charts) and answer extracts.
Imported by the CLI; imports storage/ (read-only queries, the register of written files), scripts/ and
two vocabularies of the domain (formats.national, hotline.routing.DECLARED_RESULTS); never ari/ or speech/."""
