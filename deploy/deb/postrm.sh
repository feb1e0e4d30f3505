#!/bin/sh
# The .deb's post-removal: the units and the link go; on purge, the accounts and the state too
# (the audit log with it: purge is the administrator's explicit choice).
# An upgrade also runs this script (with "upgrade"): then nothing is disabled or removed, so a
# kiosk an administrator enabled stays enabled.
set -e
case "$1" in
  remove|purge) ;;
  *) exit 0 ;;
esac
if [ -d /run/systemd/system ]; then
  systemctl disable --now cloison-kiosk.service cloisond.service 2>/dev/null || true
fi
rm -f /lib/systemd/system/cloisond.service /lib/systemd/system/cloison-kiosk.service
[ -L /usr/lib/cloison ] && rm -f /usr/lib/cloison
for link in /usr/bin/cloison /usr/bin/cloison-shell; do
  if [ -L "$link" ]; then rm -f "$link"; fi
done
if [ "$1" = purge ]; then
  rm -rf /var/lib/cloison /var/lib/cloison-kiosk /etc/cloison
  deluser --system cloison-kiosk 2>/dev/null || true
  deluser --system cloison 2>/dev/null || true
  delgroup --system cloison-users 2>/dev/null || true
  delgroup --system cloison-admins 2>/dev/null || true
fi
[ -d /run/systemd/system ] && systemctl daemon-reload || true
exit 0
