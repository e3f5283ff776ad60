#!/usr/bin/env bash
# npm run fresh-check: proves that a fresh Debian machine needs nothing but
# the README. For each release it builds a minimal root with mmdebstrap (only
# nodejs, npm, git and ca-certificates: what a newcomer starts from), clones
# this repository's HEAD into it and, chrooted there as root:
#   1. runs the two commands of the README's first code block, in a plain
#      clone (no ../shared: the JUnit schema check must say it did not run);
#   2. runs `bash .ci/run` with CI=true in a second clone with ../shared
#      beside it, as CI does (kernel lane included, cold caches).
# Not part of .ci/run: it costs tens of minutes (docs/development.md).
#
# Usage: harness/setup/fresh-check.sh [--keep] [--reuse] [--shared DIR] [RELEASE...]
#   RELEASE     trixie (nodejs and npm from Debian) and/or bookworm (Debian's
#               node is 18, so this machine's node >= 20.19 and its npm are
#               copied in, as the README asks a bookworm user to install one);
#               default: trixie bookworm
#   --shared D  the shared/ folder CI lays beside the clone (default: ../shared
#               beside this repository); its schemas/ are copied into the root
#   --keep      keep the roots (default: removed after a passing run)
#   --reuse     start from the pristine root tarball a previous run left
#               ($ACCEL_FRESH_DIR/RELEASE-base.tar) instead of running mmdebstrap
# The root trusts what this machine trusts beyond Debian's CAs: the certificates in
# /usr/local/share/ca-certificates are copied in (a TLS-inspecting proxy's CA), and
# node is pointed at the system store (NODE_EXTRA_CA_CERTS) when there are any.
# Env: ACCEL_FRESH_DIR   where the roots go (default ${TMPDIR:-/tmp}/accel-fresh-check)
#      ACCEL_LANE_MIRROR Debian mirror (default: the one in /etc/apt/sources.list*)
# Needs root (mmdebstrap's root mode, chroot, mounts in a private namespace).
# Exit status: 0 all passed, 1 a step failed, 2 could not start.

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$repo/harness/lane/lib.sh"

say() { printf '[fresh-check] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 2; }

keep=0 reuse=0 shared=$repo/../shared releases=()
while [ $# -gt 0 ]; do
	case $1 in
	--keep) keep=1; shift ;;
	--reuse) reuse=1; shift ;;
	--shared) shared=$2; shift 2 ;;
	-h | --help) sed -n '/^# Usage/,/^# Exit status/p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	trixie | bookworm) releases+=("$1"); shift ;;
	*) die "unknown argument $1 (see --help)" ;;
	esac
done
[ ${#releases[@]} -gt 0 ] || releases=(trixie bookworm)

[ "$(id -u)" -eq 0 ] || die "needs root (mmdebstrap root mode, chroot)"
command -v mmdebstrap >/dev/null 2>&1 || die "missing mmdebstrap (apt-get install mmdebstrap)"
[ -f "$shared/schemas/junit-10.xsd" ] || die "no $shared/schemas/junit-10.xsd: pass --shared DIR (what CI lays beside the clone)"
shared=$(cd "$shared" && pwd)
mirror=${ACCEL_LANE_MIRROR:-}
[ -n "$mirror" ] || mirror=$(lane_debian_mirror) || die "no Debian mirror in /etc/apt/sources.list*; set ACCEL_LANE_MIRROR"
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "missing $keyring (apt-get install debian-archive-keyring)"
if [ -n "$(git -C "$repo" status --porcelain --untracked-files=no)" ]; then
	say "note: uncommitted changes are not checked: the roots get a clone of HEAD ($(git -C "$repo" rev-parse --short HEAD))"
fi

# The README's first code block, comments stripped: the newcomer's commands.
readme_commands=$(awk '/^```sh/ { f = 1; next } f && /^```/ { exit } f' "$repo/README.md" | sed 's/[[:space:]]*#.*$//; /^[[:space:]]*$/d')
[ "$(printf '%s\n' "$readme_commands" | wc -l)" -eq 2 ] || die "the README's first sh block should hold two commands, found: $readme_commands"

work=${ACCEL_FRESH_DIR:-${TMPDIR:-/tmp}/accel-fresh-check}
mkdir -p "$work"
work=$(cd "$work" && pwd)

now() { date +%s; }
results=()

# Never delete a root with something still mounted in it (the mounts live in a
# private namespace that ends with the run; this is the belt to those braces).
remove_root() { # DIR
	if findmnt -rn -o TARGET | grep -q "^$1\(/\|\$\)"; then
		die "$1 still has mounts; not removing it"
	fi
	rm -rf "$1"
}

# The script run inside the root, as root. Each step is timed and reported; a failed
# step does not stop the next ones (one run shows everything), but fails the release.
# shellcheck disable=SC2016
inside='set -uo pipefail
rc=0
step() {
	local name=$1 t=$(date +%s) s=0
	shift
	echo "== fresh-check step: $name"
	(set -e; "$@") || s=$?
	if [ $s -eq 0 ]; then echo "== fresh-check step done: $name $(( $(date +%s) - t )) s"
	else echo "== fresh-check step FAILED: $name (exit $s) $(( $(date +%s) - t )) s"; rc=1; fi
}
echo "node $(node --version), npm $(npm --version), $(. /etc/os-release && echo "$PRETTY_NAME")"
n=0
while IFS= read -r c; do
	n=$((n + 1))
	echo "\$ $c"
	step "readme-$n" bash -c "cd /root/plain/accel-conformance && $c"
done <<<"$README_COMMANDS"
step ci bash -c "cd /root/ci/accel-conformance && CI=true bash .ci/run"
exit $rc'

run_release() { # RELEASE
	local rel=$1 root=$work/$1 t0 t include rc=0
	t0=$(now)
	remove_root "$root"
	case $rel in
	trixie) include=nodejs,npm,git,ca-certificates ;;
	bookworm) include=git,ca-certificates ;;
	esac
	t=$(now)
	local base=$work/$rel-base.tar
	if [ "$reuse" = 1 ] && [ -f "$base" ]; then
		say "$rel: reusing the pristine root $base"
	else
		say "$rel: mmdebstrap (minbase + $include) into $base"
		rm -f "$base"
		mmdebstrap --variant=minbase --include="$include" "$rel" "$base" \
			"deb [signed-by=$keyring] $mirror $rel main" >"$work/$rel-mmdebstrap.log" 2>&1 ||
			{ tail -n 30 "$work/$rel-mmdebstrap.log" >&2; die "$rel: mmdebstrap failed"; }
	fi
	mkdir -p "$root"
	tar -C "$root" -xf "$base"
	local t_root=$(($(now) - t))
	if [ "$rel" = bookworm ]; then
		# Debian's bookworm node is 18; give the root this machine's node and npm.
		local node npmdir
		node=$(command -v node) || die "bookworm needs this machine's node (>= 20.19)"
		node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)' ||
			die "this machine's node $(node --version) is older than 20.19"
		npmdir=$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)
		mkdir -p "$root/usr/local/bin" "$root/usr/local/lib/node_modules"
		cp "$node" "$root/usr/local/bin/node"
		cp -a "$npmdir" "$root/usr/local/lib/node_modules/npm"
		ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
		ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
	fi
	git clone -q --no-local "$repo" "$root/root/plain/accel-conformance"
	git clone -q --no-local "$repo" "$root/root/ci/accel-conformance"
	mkdir -p "$root/root/ci/shared"
	cp -r "$shared/schemas" "$root/root/ci/shared/"
	cp /etc/resolv.conf "$root/etc/resolv.conf" 2>/dev/null || true
	local extra_ca=
	if ls /usr/local/share/ca-certificates/*.crt >/dev/null 2>&1; then
		cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
		chroot "$root" update-ca-certificates >/dev/null 2>&1 || die "$rel: update-ca-certificates failed in the root"
		extra_ca=/etc/ssl/certs/ca-certificates.crt
	fi

	say "$rel: running the README's commands and .ci/run inside (log: $work/$rel.log)"
	t=$(now)
	# A private mount and PID namespace: the mounts and every process inside end with it.
	EXTRA_CA=$extra_ca unshare --mount --pid --fork --kill-child -- /bin/sh -c '
		set -e
		root=$1
		shift
		# The root a mount point of its own, as on a real machine or container: the
		# kernel lane'"'"'s build root (lane_in_root) makes its mounts private from "/".
		mount --bind "$root" "$root"
		mount -t proc proc "$root/proc"
		mount --rbind /sys "$root/sys"
		mount --rbind /dev "$root/dev"
		mount -t tmpfs tmpfs "$root/tmp"
		exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
			PATH=/usr/local/bin:/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin \
			README_COMMANDS="$README_COMMANDS" ${EXTRA_CA:+NODE_EXTRA_CA_CERTS=$EXTRA_CA} /bin/bash -c "$1"
	' fresh-check "$root" "$inside" </dev/null >"$work/$rel.log" 2>&1 || rc=$?
	local t_inside=$(($(now) - t))
	local steps
	steps=$(sed -n 's/^== fresh-check step \(done\|FAILED\): //p' "$work/$rel.log" | paste -sd, -)
	if [ $rc -eq 0 ]; then
		results+=("$rel: PASS (root ${t_root} s, inside ${t_inside} s: ${steps}; total $(($(now) - t0)) s)")
		[ "$keep" = 1 ] || remove_root "$root"
	else
		tail -n 40 "$work/$rel.log" >&2
		results+=("$rel: FAIL (exit $rc; steps: ${steps:-none}; log $work/$rel.log, root kept in $root)")
	fi
}

export README_COMMANDS=$readme_commands
for rel in "${releases[@]}"; do
	run_release "$rel"
done
printf '%s\n' "${results[@]}" | tee "$work/summary.txt" >&2
! grep -q ': FAIL' "$work/summary.txt"
