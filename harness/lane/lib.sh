# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the kernel-lane scripts (sourced, not run).

# depmod, modprobe and modinfo live in sbin, which a user's PATH may lack.
case ":$PATH:" in
*:/usr/sbin:*) ;;
*) PATH=$PATH:/usr/sbin:/sbin ;;
esac
export PATH

lane_log() {
	printf '[kernel-lane] %s\n' "$*" >&2
}

lane_die() {
	printf '[kernel-lane] ERROR: %s\n' "$*" >&2
	exit 1
}

# Empties DIR for a new run and prints its absolute path. A non-empty DIR that
# does not hold MARKER was not made by the lane, so it is refused (status 1)
# rather than deleted: a mistyped --results must not remove someone's files.
lane_fresh_results() { # DIR MARKER
	if [ -d "$1" ] && [ -n "$(ls -A "$1")" ] && [ ! -e "$1/$2" ]; then
		return 1
	fi
	rm -rf "$1" && mkdir -p "$1" && touch "$1/$2" && (cd "$1" && pwd)
}

lane_cache() {
	local c=${ACCEL_LANE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/accel-conformance}
	mkdir -p "$c"
	(cd "$c" && pwd)
}

# lane_in_root ROOT CMD...: runs CMD chrooted in a build root (build-root.sh), in a
# mount namespace of its own where the lane cache is bind-mounted at the same path,
# so the kernel's headers and the build directory keep their absolute paths.
# The mounts vanish with the namespace; nothing is left mounted on the host.
# unshare makes "/" private in the new namespace, so "/" must be a mount point
# (it is on a machine or in a container; a bare chroot must bind its root onto itself).
lane_in_root() {
	local root=$1 cache
	shift
	cache=$(lane_cache)
	mkdir -p "$root$cache" "$root/proc" "$root/dev"
	unshare --mount --fork -- /bin/sh -c '
		set -e
		root=$1 cache=$2
		shift 2
		mount --bind "$cache" "$root$cache"
		mount --rbind /dev "$root/dev"
		mount -t proc proc "$root/proc"
		exec chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"
	' lane-in-root "$root" "$cache" "$@"
}

# lane_need TOOL PACKAGE: fail with the Debian package to install.
lane_need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	lane_missing="$lane_missing $2"
	lane_log "missing tool '$1' (Debian package: $2)"
	return 1
}

# Every host tool the lane uses. Collects all missing packages before failing.
lane_check_tools() {
	lane_missing=
	lane_need qemu-system-x86_64 qemu-system-x86 || true
	lane_need cpio cpio || true
	lane_need xz xz-utils || true
	lane_need gzip gzip || true
	# The module is built in a build root (build-root.sh), not with the host's compiler.
	if [ "${ACCEL_LANE_BUILD_ROOT:-}" = host ]; then
		lane_need pahole dwarves || true
		lane_need make make || true
	else
		lane_need mmdebstrap mmdebstrap || true
		lane_need unshare util-linux || true
		lane_need chroot coreutils || true
	fi
	lane_need depmod kmod || true
	lane_need modprobe kmod || true
	lane_need modinfo kmod || true
	lane_need timeout coreutils || true
	lane_need dpkg-deb dpkg || true
	lane_need apt-get apt || true
	lane_need ldd libc-bin || true
	lane_need node nodejs || true
	if [ ! -x /bin/busybox ] || ! file_is_static /bin/busybox; then
		lane_missing="$lane_missing busybox-static"
		lane_log "missing a static /bin/busybox (Debian package: busybox-static)"
	fi
	if [ -n "$lane_missing" ]; then
		lane_die "install the missing tools: apt-get install$lane_missing"
	fi
}

# A static binary has no program interpreter; ldd says so.
file_is_static() {
	! ldd "$1" >/dev/null 2>&1
}

# The mirror the machine already uses for Debian (not -security).
lane_debian_mirror() {
	local f uri
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		case $f in
		*.sources)
			uri=$(awk 'tolower($1) == "uris:" { for (i = 2; i <= NF; i++) print $i }' "$f")
			;;
		*)
			uri=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z+]+:\/\//) { print $i; break } }' "$f")
			;;
		esac
		for u in $uri; do
			case $u in
			*security*) ;;
			*/debian | */debian/) echo "${u%/}"; return 0 ;;
			esac
		done
	done
	return 1
}

# lane_apt_opts APTDIR: apt-get/apt-cache options of a private APT
# configuration under APTDIR, so that the machine's /etc/apt is never touched.
lane_apt_opts() {
	echo -o "Dir::Etc::sourcelist=$1/etc/sources.list" \
		-o "Dir::Etc::sourceparts=$1/etc/sources.list.d" \
		-o "Dir::Etc::preferencesparts=$1/etc/preferences.d" \
		-o "Dir::State::Lists=$1/lists" \
		-o "Dir::Cache=$1" \
		-o "Dir::Cache::archives=$1/archives" \
		-o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" \
		-o "APT::Get::List-Cleanup=0" \
		-o "APT::Sandbox::User=root" \
		-o "Debug::NoLocking=1"
}

# lane_apt_setup APTDIR: the directories a private APT configuration needs.
lane_apt_setup() {
	mkdir -p "$1/lists/partial" "$1/archives/partial" "$1/etc/sources.list.d" "$1/etc/preferences.d"
}

# lane_compress: stdin to stdout, zstd when the host has it, else gzip (the kernels read both).
lane_compress() {
	if command -v zstd >/dev/null 2>&1; then zstd -q -3 -T0 -c; else gzip -1 -c; fi
}

# lane_mkcpio DIR: a newc cpio of DIR on stdout, sorted and owned by root (reproducible).
lane_mkcpio() {
	(cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio --quiet -o -H newc -R 0:0)
}

# lane_died_before_init QEMU_RC CONSOLE RESULTS: true when the guest kernel died
# before /init printed ACCEL_LANE_INIT=1 (and QEMU was not killed by the time
# limit). Such a boot ran nothing of the lane's (seen once: an int3 Oops in
# sched_clock_cpu while 6.12 patched its text under TCG, 2.7 s into the boot):
# the console is kept as console-early-death.log and the caller boots once more.
lane_died_before_init() {
	local rc=$1 console=$2 results=$3
	[ "$rc" != 124 ] && [ "$rc" != 137 ] || return 1
	tr -d '\r' <"$console" | grep -q '^ACCEL_LANE_INIT=1' && return 1
	mv "$console" "$results/console-early-death.log"
	lane_log "the kernel died before /init ran (see $results/console-early-death.log): booting again"
}
