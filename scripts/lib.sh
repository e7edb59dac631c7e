# Shared by the scripts: install missing Debian/Ubuntu packages, time stages.
# Sourced, not run.

# need_packages PKG...: installs the packages that are not installed yet (apt-get, as root or
# through sudo). Prints what it installs; does nothing when everything is there.
need_packages() {
    local missing=()
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    echo "installing Debian packages: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# need_rust_components: rustfmt and clippy, through rustup when it manages the toolchain.
need_rust_components() {
    if command -v rustup >/dev/null 2>&1; then
        rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
        rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy
    fi
}

# stage NAME CMD...: runs CMD, printing its wall-clock time.
stage() {
    local name=$1
    shift
    local t0
    t0=$(date +%s)
    echo "::: $name"
    "$@"
    echo "::: $name took $(($(date +%s) - t0)) s"
}
