# shellcheck shell=bash
# shellcheck disable=SC2154  # work, ifup, ... are set by the caller or by unpack_*
# Shared helpers of the consumer checks (sourced, not run): Debian's ifupdown
# and keepalived unpacked with `apt-get download` + `dpkg -x` (never
# installed), and the checks each file must pass. The caller sets `work` (a
# scratch directory) and defines `pass` and `fail MESSAGE`.

# Unpacks ifupdown into $work/root; sets ifup, ifdown and ifquery.
unpack_ifupdown() {
    (cd "$work" && apt-get download ifupdown >/dev/null 2>&1) || {
        echo "FAIL: cannot download ifupdown (run apt-get update first)" >&2; exit 1; }
    dpkg -x "$work"/ifupdown_*.deb "$work/root"
    ifup="$work/root/sbin/ifup" ifdown="$work/root/sbin/ifdown" ifquery="$work/root/sbin/ifquery"
    echo "ifupdown: $(dpkg-deb -f "$work"/ifupdown_*.deb Version)"
}

# Unpacks keepalived into $work/keepalived and installs the shared libraries
# it needs with apt; sets keepalived.
unpack_keepalived() {
    (cd "$work" && apt-get download keepalived >/dev/null 2>&1) || {
        echo "FAIL: cannot download keepalived (run apt-get update first)" >&2; exit 1; }
    dpkg -x "$work"/keepalived_*.deb "$work/keepalived"
    keepalived="$work/keepalived/usr/sbin/keepalived"
    local libraries library missing=()
    mapfile -t libraries < <(dpkg-deb -f "$work"/keepalived_*.deb Depends | tr ',' '\n' |
        sed 's/|.*//; s/(.*)//; s/ //g' | grep '^lib')
    for library in "${libraries[@]}"; do
        dpkg-query -W -f='${Status}' "$library" 2>/dev/null | grep -q 'install ok installed' ||
            missing+=("$library")
    done
    # Only what is missing, waiting for another apt run to finish if need be.
    [ "${#missing[@]}" -eq 0 ] ||
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=300 "${missing[@]}" >/dev/null
    echo "keepalived: $("$keepalived" --version 2>&1 | head -1)"
}

# ifup --no-act and ifdown --no-act, with a private state directory, on every
# stanza an interfaces file declares; one pass or fail per stanza.
check_stanzas() {
    local file=$1 iface up down state="$work/state" stanzas
    # ifquery lists an implicit lo too; check the stanzas the file declares.
    mapfile -t stanzas < <("$ifquery" -i "$file" --list -a |
        grep -Fxf <(sed -n 's/^iface \([^ ]*\) .*/\1/p' "$file"))
    [ "${#stanzas[@]}" -gt 0 ] || { fail "$file: ifquery finds no auto stanza"; return; }
    for iface in "${stanzas[@]}"; do
        rm -rf "$state"; mkdir -p "$state"
        if ! up=$("$ifup" --no-act -i "$file" --state-dir "$state" "$iface" 2>&1); then
            fail "$file: ifup --no-act $iface: $up"; continue
        fi
        if ! down=$("$ifdown" --no-act --force -i "$file" --state-dir "$state" "$iface" 2>&1); then
            fail "$file: ifdown --no-act $iface: $down"; continue
        fi
        pass
    done
}

# keepalived -t on a director's config, in a network namespace of our own
# where the config's interfaces exist (as veths), tracked ones too; any
# message fails it.
check_keepalived() {
    local file=$1 output devices
    mapfile -t devices < <({ sed -n 's/^ *interface \([^ ]*\)$/\1/p' "$file"
        sed -n '/^ *track_interface {$/,/^ *}$/s/^ *\([A-Za-z0-9_.-]\+\)$/\1/p' "$file"; } | sort -u)
    # shellcheck disable=SC2016
    if output=$(unshare -n bash -c 'for dev in "${@:2}"; do ip link add "$dev" type veth peer name "p-$dev"; done
                                     "$1" -t -f "$0" 2>&1' "$file" "$keepalived" "${devices[@]}" 2>&1) &&
        [ -z "$output" ]; then
        pass
    else
        fail "$file: keepalived -t: $(tr '\n' ' ' <<<"$output")"
    fi
}
