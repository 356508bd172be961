#!/usr/bin/env bash
# The root below which the integration tests keep every sandbox state dir (TestStateDirs), so the
# build can tell whether the suite left anything mounted. Called by the Maven build:
#   it-state-root.sh create FILE   makes a fresh root in the temp dir and writes its path into FILE
#                                  (short: an engine's Unix socket lives a few levels below it)
#   it-state-root.sh check FILE    fails if anything is still mounted at or below the root, naming
#                                  each mount; detaches them either way so the machine stays clean,
#                                  then removes the root and FILE
set -euo pipefail

cmd=${1:?usage: it-state-root.sh create|check FILE}
file=${2:?usage: it-state-root.sh create|check FILE}

# mount points (field 5 of mountinfo, octal escapes decoded) at or below $1, deepest first
mounts_below() {
    local root=$1 point
    while read -r point; do
        point=$(printf '%b' "$(sed -E 's/\\([0-7]{3})/\\0\1/g' <<<"$point")")
        if [[ $point == "$root" || $point == "$root"/* ]]; then
            printf '%s\n' "$point"
        fi
    done < <(awk '{ print $5 }' /proc/self/mountinfo) | sort -r
}

# Detaches whatever is mounted below the root named in FILE and removes root and FILE; returns 1
# (after naming them) when there were mounts.
clean_root() {
    local file=$1 root left round point rc=0
    [[ -f $file ]] || return 0
    root=$(<"$file")
    left=$(mounts_below "$root")
    if [[ -n $left ]]; then
        printf 'the integration tests left these mounts behind (detached now):\n%s\n' "$left" >&2
        rc=1
        # a mount stacked on a directory hides those under it: repeat, a bounded number of times
        for ((round = 0; round < 16; round++)); do
            while IFS= read -r point; do
                umount -l "$point" 2>/dev/null || true
            done <<<"$left"
            left=$(mounts_below "$root")
            [[ -n $left ]] || break
        done
    fi
    if [[ -n $left ]]; then
        printf 'still mounted, %s kept:\n%s\n' "$root" "$left" >&2
        return 1
    fi
    rm -rf --one-file-system "$root"
    rm -f "$file"
    return "$rc"
}

case $cmd in
create)
    # a run that was killed before its check left its root: clean it, it is not this run's fault
    clean_root "$file" || echo "it-state-root.sh: cleaned up after an earlier, interrupted test run" >&2
    mkdir -p "$(dirname "$file")"
    root=$(mktemp -d "${TMPDIR:-/tmp}/proctor-it-XXXXXX")
    chmod 0711 "$root" # the sandbox's uids traverse it to reach image layers
    printf '%s\n' "$root" >"$file"
    ;;
check)
    clean_root "$file"
    ;;
*)
    echo "it-state-root.sh: unknown command '$cmd'" >&2
    exit 2
    ;;
esac
