"""Campaigns as staff run them: create (check, enqueue, render prompts), run, pause, resume, cancel
(service.py), and the runner that dials running campaigns (runner.py: the one path by which a campaign
is dialled, from `robocall campaign run` and from `robocall serve`). Imported by the CLI, the service
(ivr.serve), the web console and ivr.app; imports calls/ (the dialer), speech/, scripts/ and storage/
(the campaign store owns the status life cycle)."""
