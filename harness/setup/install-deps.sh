#!/usr/bin/env bash
# Installs the Debian packages a part of the project needs, so that the
# README's `npm test` (its pretest) and .ci/run set up a fresh machine alone.
#
# Usage: harness/setup/install-deps.sh tests|lane [...]
#   tests  libxml2-utils  xmllint, validates JUnit against junit-10.xsd
#          libdrm-dev     drm.h for the C layout check (linux-libc-dev leaves drm/ out)
#          gcc libc6-dev  the layout check's compiler
#          chromium       renders report.html for the screenshot check
#          piglit         its summary console/html read our results.json (harness/reports/consumers.spec.ts)
#          lava-common    LAVA's own schemas check docs/ci/lava/ (harness/reports/ci-templates.spec.ts)
#   lane   the kernel lane's host tools (docs/kernel-lane.md): QEMU, a static busybox
#          and cpio for the initramfs, kmod, xz/zstd for modules, mmdebstrap for
#          the module build root, the archive keyring for the private APT fetch,
#          qemu-system-arm and device-tree-compiler for the arm64 (ethosu) boot
# Env: ACCEL_NO_INSTALL=1  only say what is missing (exit 1 if anything is)
#
# Installs only what is missing, with apt-get (through sudo when not root).
# On a system without dpkg/apt-get it names the packages and exits 0: the
# specs then fail with the tool they could not find.

set -euo pipefail

declare -A groups=(
	[tests]="libxml2-utils libdrm-dev gcc libc6-dev chromium piglit lava-common"
	[lane]="qemu-system-x86 busybox-static cpio xz-utils zstd kmod mmdebstrap debian-archive-keyring ca-certificates qemu-system-arm device-tree-compiler"
)

say() { printf '[setup] %s\n' "$*" >&2; }

[ $# -gt 0 ] || { say "usage: install-deps.sh tests|lane [...]"; exit 2; }
wanted=()
for g in "$@"; do
	[ -n "${groups[$g]:-}" ] || { say "unknown group '$g' (tests, lane)"; exit 2; }
	# shellcheck disable=SC2206
	wanted+=(${groups[$g]})
done

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	say "not a Debian-based system: install the equivalents of: ${wanted[*]}"
	exit 0
fi

missing=()
for p in "${wanted[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -gt 0 ] || exit 0

if [ "${ACCEL_NO_INSTALL:-0}" = 1 ]; then
	say "missing Debian packages: ${missing[*]} (ACCEL_NO_INSTALL=1: not installing)"
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 ||
		{ say "missing Debian packages: ${missing[*]}; not root and no sudo: run as root: apt-get install ${missing[*]}"; exit 1; }
	sudo=(sudo)
fi
say "installing the Debian packages $* need${sudo:+ (through sudo)}: ${missing[*]}"
# The package lists may be absent (a fresh root or container) or stale.
"${sudo[@]}" apt-get update -qq >&2 || say "apt-get update failed; trying the lists there are"
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
	{ say "apt-get install ${missing[*]} failed"; exit 1; }
say "installed ${missing[*]}"
