#!/bin/bash
# Every container of the image: sites/ is a shared volume, the built assets are the image's own.
# Point sites/assets at them (a real directory left by an older image is replaced), then run the
# service's command (gunicorn, nginx-entrypoint.sh, bench worker, ...).
set -e
BENCH=/home/frappe/frappe-bench
if [ -e "$BENCH/sites/assets" ] && [ ! -L "$BENCH/sites/assets" ]; then
	rm -rf "$BENCH/sites/assets"
fi
# Containers start together on one volume: another may have made the same link a moment ago.
ln -sfn "$BENCH/assets" "$BENCH/sites/assets" 2>/dev/null || [ -L "$BENCH/sites/assets" ]
exec "$@"
