"""`robocall serve`: the long-lived process running the hotline handler and the dialer workers together
(service.py), with health and metrics endpoints (ivr.observability). Imported by the CLI only; imports
ivr.app (what it assembles is built there), hotline/, calls/, campaigns/, observability/ and storage/."""
