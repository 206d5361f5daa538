#!/bin/sh
# Render the PBX config from robocall.yaml ($ROBOCALL_CONFIG) and ROBOCALL_* variables with the
# project's renderer (ivr/sandbox/render_cli.py), then run Asterisk in the foreground as user asterisk.
# A bad setting stops here with one message ("robocall-render: error: ...") instead of a broken PBX.
set -eu
cd /opt/robocall
python3 -m ivr.sandbox.render_cli --owner asterisk /etc/robocall/pbx
exec asterisk -f -U asterisk -G asterisk -C /etc/robocall/pbx/asterisk.conf "$@"
