"""The inbound hotline: residents call in to self-declare, to return a missed robot call, or to reach staff.

Pure decisions (routing.py, recognition.py, hours.py, queue_watch.py) and the I/O that acts on them
(inbound.py: one call; handler.py: every call; agents.py: the staff queue). Imported by the service and
the CLI; imports calls/ (sessions, the attempt recorder), ari/, scripts/, speech/ and storage/ (which never
imports hotline/).
"""
