# shellcheck shell=bash
# shellcheck disable=SC2034 # promtool, prometheus, node_exporter are for the caller
# Shared helpers of the Prometheus tests (sourced, not run): Debian's
# prometheus, promtool and prometheus-node-exporter of a release, downloaded
# with apt (`apt-get download`; another release's through tests/vm/apt-suite,
# from the host's own mirrors) and unpacked with `dpkg -x`, never installed:
# installing would start their services on this machine. Their Go binaries
# need only the C library, so Debian 13's run on a Debian 12 host too.
# Cached in ${XDG_CACHE_HOME:-~/.cache}/lvs-dr-gen-prometheus/SUITE-VERSION.

# unpack_prometheus SUITE: unpacks that release's packages (once); sets
# promtool, prometheus and node_exporter to their binaries.
unpack_prometheus() {
    local suite=$1 apt=() host_suite version dir packages
    # shellcheck source=/dev/null
    host_suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
    [ "$suite" = "$host_suite" ] || apt=("$PWD/tests/vm/apt-suite" "$suite")
    version=$("${apt[@]}" apt-cache show --no-all-versions prometheus 2>/dev/null | sed -n 's/^Version: //p')
    if [ -z "$version" ]; then
        apt-get update -qq
        version=$("${apt[@]}" apt-cache show --no-all-versions prometheus | sed -n 's/^Version: //p')
    fi
    dir=${XDG_CACHE_HOME:-$HOME/.cache}/lvs-dr-gen-prometheus/$suite-$version
    if [ ! -x "$dir/root/usr/bin/promtool" ]; then
        rm -rf "$dir" && mkdir -p "$dir/debs"
        # Debian 13 has promtool in a package of its own; 12 in prometheus.
        packages=(prometheus prometheus-node-exporter)
        "${apt[@]}" apt-cache show promtool >/dev/null 2>&1 && packages+=(promtool)
        (cd "$dir/debs" && "${apt[@]}" apt-get download -o APT::Sandbox::User=root "${packages[@]}" >/dev/null) ||
            { echo "FAIL: cannot download ${packages[*]} of $suite" >&2; return 1; }
        local deb
        for deb in "$dir"/debs/*.deb; do dpkg -x "$deb" "$dir/root"; done
    fi
    promtool=$dir/root/usr/bin/promtool
    prometheus=$dir/root/usr/bin/prometheus
    node_exporter=$dir/root/usr/bin/prometheus-node-exporter
    echo "$suite: $("$promtool" --version 2>&1 | head -1), $("$node_exporter" --version 2>&1 | head -1)"
}
