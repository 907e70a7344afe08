# shellcheck shell=bash
# shellcheck disable=SC2154  # work is set by the caller
# The consumers of the systemd-networkd and netplan stacks (sourced by
# tests/consumers/run, not run): the release's own programs, run as root in
# its chroot, on every golden file of those stacks. The caller sets `work`
# (a scratch directory outside /run) and defines `pass` and `fail MESSAGE`;
# STACK_ROOT names another folder of rendered trees to check instead of
# golden/, STACK_LIMIT how many hosts of each stack at most (spread evenly).
#
# - systemd-networkd itself (no offline checker exists: `systemd-analyze
#   verify` reads units only, networkctl asks the running daemon), started
#   for a few seconds in a network and mount namespace of its own, with one
#   host's files as /etc/systemd/network and sysfs read-only (so it does not
#   wait for udev). Its log must not complain about our files; for lo every
#   Address= must be on lo, not tentative, with 127.0.0.1 and ::1 kept. The
#   kernel here has no dummy driver: the .netdev must get as far as
#   "Creating", and the .network is then run again, without the .netdev, on
#   a stand-in of the same name (a veth without ARP, as a dummy device is),
#   where its addresses must come up the same way.
# - netplan generate --root-dir on every golden netplan file beside an
#   uplink's file: no message, and the networkd files it generates pass the
#   check above with the file's addresses. A file with dummy-devices on a
#   netplan older than 0.107 (Debian 12) must instead be refused with
#   "unknown key 'dummy-devices'", and nothing generated for the uplink
#   either: the reason lvs-dr-gen refuses that combination.

networkd=/usr/lib/systemd/systemd-networkd
stack_root=${STACK_ROOT:-golden}

# At most STACK_LIMIT of the lines read, spread evenly over them.
spread() {
    awk -v limit="${STACK_LIMIT:-0}" '{ line[NR] = $0 }
        END { step = (limit > 0 && NR > limit) ? NR / limit : 1
              for (i = 1; i <= NR + 0.5; i += step) print line[int(i)] }'
}

# The value of KEY= lines in the files given.
keys() {
    local key=$1
    shift
    sed -n "s/^$key=//p" "$@"
}

# networkd_run DIR STANDIN: systemd-networkd on the files in DIR for two
# seconds at most (it stops waiting once every address is up); prints its log,
# then `ip -o addr`. With STANDIN, a veth without ARP named after the
# .network's Name= exists first.
networkd_run() {
    local dir=$1 standin=$2 device
    device=$(keys Name "$dir"/*.network | head -1)
    # shellcheck disable=SC2016
    unshare -mn --propagation unchanged bash -c '
        dir=$1 standin=$2 device=$3 networkd=$4
        mount -t sysfs -o ro sysfs /sys
        mount --bind "$dir" /etc/systemd/network
        mount -t tmpfs tmpfs /run
        mkdir -p /run/systemd/netif/links /run/systemd/netif/leases /run/systemd/netif/lldp
        chown -R systemd-network: /run/systemd/netif
        ip link set lo up
        if [ "$standin" = 1 ]; then
            ip link add name "$device" type veth peer name lvs-peer
            ip link set dev "$device" arp off
            ip link set lvs-peer up
        fi
        mapfile -t wanted < <(sed -n "s/^Address=//p" "$dir"/*.network)
        # A dummy device cannot be made here: its run ends once networkd tries.
        creates=0
        if [ "$standin" = 0 ] && compgen -G "$dir/*.netdev" >/dev/null; then creates=1; fi
        SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_TARGET=console "$networkd" >"$dir.log" 2>&1 &
        pid=$!
        for _ in $(seq 20); do
            sleep 0.1
            if [ "$creates" = 1 ]; then
                grep -q "^$device: Creating$" "$dir.log" && sleep 0.1 && break
                continue
            fi
            have=$(ip -o addr show dev "$device" 2>/dev/null)
            missing=0
            for address in "${wanted[@]}"; do
                grep -qF " $address " <<<"$have" || missing=1
            done
            [ "$missing" = 0 ] && break
        done
        kill "$pid"; wait "$pid" 2>/dev/null
        cat "$dir.log"
        echo "--- addresses"
        ip -o addr show' _ "$dir" "$standin" "$device" "$networkd"
}

# networkd_check DIR WHAT: the check described above, one pass or fail.
networkd_check() {
    local dir=$1 what=$2 device output complaints address problems=()
    device=$(keys Name "$dir"/*.network | head -1)
    output=$(networkd_run "$dir" 0) || true
    complaints=$(grep '^/etc/systemd/network/' <<<"$output" | grep -v ': Successfully loaded\.$' || true)
    [ -z "$complaints" ] || problems+=("systemd-networkd complains: $complaints")
    if compgen -G "$dir/*.netdev" >/dev/null; then
        grep -q "^$device: Creating$" <<<"$output" ||
            problems+=("the .netdev did not get as far as creating $device")
        local standin=$work/standin
        rm -rf "$standin" "$standin.log"
        mkdir -p "$standin"
        cp "$dir"/*.network "$standin/"
        output=$(networkd_run "$standin" 1) || true
    fi
    grep -q "^$device: Configuring with /etc/systemd/network/" <<<"$output" ||
        problems+=("systemd-networkd did not configure $device")
    local addresses=${output##*--- addresses}
    while IFS= read -r address; do
        local line
        line=$(grep -F " $device " <<<"$addresses" | grep -F " $address " || true)
        if [ -z "$line" ]; then
            problems+=("$address is not on $device")
        elif grep -qE 'tentative|dadfailed' <<<"$line"; then
            problems+=("$address is tentative on $device")
        fi
    done < <(keys Address "$dir"/*.network)
    if [ "$device" = lo ]; then
        for address in 127.0.0.1/8 ::1/128; do
            grep -qF " $address " <<<"$addresses" || problems+=("lo lost $address")
        done
    fi
    if [ "${#problems[@]}" -eq 0 ]; then
        pass
    else
        fail "$what: $(printf '%s; ' "${problems[@]}")"
    fi
}

networkd_checks() {
    local dirs dir copy
    mapfile -t dirs < <(find "$stack_root" -path '*/etc/systemd/network/*.network' -printf '%h\n' |
        sort -u | spread)
    [ "${#dirs[@]}" -gt 0 ] || { fail "no golden .network files"; return; }
    for dir in "${dirs[@]}"; do
        copy=$work/networkd
        rm -rf "$copy" "$copy.log"
        mkdir -p "$copy"
        cp "$dir"/*.network "$copy/"
        if compgen -G "$dir/*.netdev" >/dev/null; then cp "$dir"/*.netdev "$copy/"; fi
        networkd_check "$copy" "$dir"
    done
    echo "systemd-networkd: ${#dirs[@]} hosts' .network/.netdev files run by $networkd"
}

# The uplink a cloud image's netplan has beside ours.
uplink_yaml='network:
  version: 2
  ethernets:
    eth0:
      dhcp4: true
'

netplan_checks() {
    local files file root output has_dummy=0 generated
    dpkg --compare-versions "$(dpkg-query -W -f '${Version}' netplan.io)" ge 0.107 && has_dummy=1
    mapfile -t files < <(find "$stack_root" -path '*/etc/netplan/*.yaml' | sort | spread)
    [ "${#files[@]}" -gt 0 ] || { fail "no golden netplan files"; return; }
    for file in "${files[@]}"; do
        root=$work/netplan
        rm -rf "$root"
        mkdir -p "$root/etc/netplan"
        printf '%s' "$uplink_yaml" >"$root/etc/netplan/50-cloud-init.yaml"
        cp "$file" "$root/etc/netplan/"
        chmod 600 "$root"/etc/netplan/*
        # No daemon to reload here: systemctl is told so (SYSTEMD_OFFLINE),
        # and its and udevadm's notes about that are not netplan's.
        output=$(SYSTEMD_OFFLINE=1 netplan generate --root-dir "$root" 2>&1 |
            grep -v -e '^Running in chroot, ignoring' \
                -e '^Failed to send reload request: No such file or directory$' || true)
        generated=$root/run/systemd/network
        if grep -q '^  dummy-devices:' "$file" && [ "$has_dummy" = 0 ]; then
            if grep -q "unknown key 'dummy-devices'" <<<"$output" && [ ! -e "$generated" ]; then
                pass
            else
                fail "$file: netplan $(netplan_version) should refuse dummy-devices: $output"
            fi
            continue
        fi
        if [ -n "$output" ] || [ ! -d "$generated" ]; then
            fail "$file: netplan generate: $output"
            continue
        fi
        # Our device's files only (not the uplink's), checked like ours.
        local device copy=$work/netplan-networkd
        device=$(sed -n '/^  [a-z-]*:$/{n;s/^    \([^ :]*\):$/\1/p}' "$file" | head -1)
        rm -rf "$copy" "$copy.log"
        mkdir -p "$copy"
        # netplan 1.x makes them root:systemd-network 0640; the copy is root's.
        cp "$generated/10-netplan-$device".* "$copy/"
        chmod 644 "$copy"/*
        if [ "$(keys Address "$copy"/*.network)" != "$(sed -n 's/^ *- "\(.*\)"$/\1/p' "$file")" ]; then
            fail "$file: netplan's .network has other addresses than the file"
            continue
        fi
        networkd_check "$copy" "$file (netplan generate's files)"
    done
    echo "netplan $(netplan_version): ${#files[@]} files through netplan generate --root-dir"
}

netplan_version() {
    dpkg-query -W -f '${Version}' netplan.io
}
