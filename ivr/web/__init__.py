"""The web console for health staff (`robocall web`): Starlette + Jinja2, server-rendered, in Vietnamese.

Every page goes through the same services as the CLI (ivr.campaigns, ivr.contacts.importer, ivr.reports,
ivr.scripts, ivr.accounts); this package only parses forms, checks who may do what, and renders.
"""
