# Sourced by the scripts that need Python tools from PyPI: ensure_venv VENV "REQUIREMENTS" WHAT
# makes VENV hold exactly REQUIREMENTS (a venv of their own under target/, installed again only
# when the pinned list changes), installing Debian's python3-venv when missing. The caller
# defines as_root and die.
ensure_venv() {
    local venv=$1 requirements=$2 what=$3
    if [ -f "$venv/.installed" ] && [ "$(cat "$venv/.installed")" = "$requirements" ]; then
        return 0
    fi
    echo "== installing $what into $venv"
    if ! python3 -m venv --clear "$venv" >/dev/null 2>&1; then
        as_root apt-get install -y -qq python3-venv >/dev/null ||
            { as_root apt-get update -qq && as_root apt-get install -y -qq python3-venv >/dev/null; }
        python3 -m venv --clear "$venv" || die "cannot create a Python venv"
    fi
    # shellcheck disable=SC2086
    "$venv/bin/pip" install -q --disable-pip-version-check $requirements || die "pip install failed"
    echo "$requirements" > "$venv/.installed"
}
