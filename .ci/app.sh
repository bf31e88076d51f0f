# Sourced by .ci/run (and its test, tests/test_ci_install.py): put exactly this clone at the
# bench's app path, and check the bench imports it from there.

# link_app BENCH ROOT: $BENCH/apps/yawlit_bot becomes a link to ROOT. A real directory there
# (as `bench get-app` leaves it) is moved aside, never deleted: `ln -sfn` would put the link
# inside it and the site tier would test the stale copy.
link_app() {
	local bench=$1 root=$2 app="$1/apps/yawlit_bot"
	if [ -e "$app" ] && [ ! -L "$app" ]; then
		local aside="$app.before-ci-$(date +%Y%m%d%H%M%S)"
		mv "$app" "$aside" || return 1
		echo "moved the real directory at $app to $aside"
	fi
	ln -sfn "$root" "$app" || return 1
	[ "$(readlink -f "$app")" = "$(readlink -f "$root")" ] || {
		echo "!! $app does not lead to $root"
		return 1
	}
}

# check_import PYTHON ROOT: fails loudly unless `import yawlit_bot` with PYTHON comes from ROOT.
check_import() {
	local python=$1 root=$2 found
	found=$(cd / && "$python" -c 'import os, yawlit_bot; print(os.path.realpath(os.path.dirname(yawlit_bot.__file__)))') || {
		echo "!! the bench cannot import yawlit_bot"
		return 1
	}
	if [ "$found" != "$(readlink -f "$root")/yawlit_bot" ]; then
		echo "!! the bench imports yawlit_bot from $found, not from this clone ($root)"
		return 1
	fi
}
