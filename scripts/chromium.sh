#!/usr/bin/env bash
# Prints the absolute path of a Chromium binary for the browser tests (internal/browsertest) on
# stdout; everything else goes to stderr. scripts/test.sh exports it as HX_CHROMIUM.
#
# Order: $HX_CHROMIUM if set (a path or a command name; a wrong one is an error, not a fallback),
# then `chromium`, `chromium-browser`, `google-chrome` on PATH, else Debian's `chromium` is
# installed with apt-get. Either way a font with Chinese glyphs must be there too (`fc-list
# :lang=zh`), or screenshots show boxes for 中文: fonts-wqy-microhei (1.6 MB download, 5 MB
# installed) is installed when none is. fonts-noto-cjk looks a little better but is 57 MB / 91 MB.
#
# apt-get runs non-interactively, through sudo when not root (sudo -n without a terminal), with
# --no-install-recommends (chromium's recommends pull in ~100 desktop packages headless tests do
# not need), waits up to 5 minutes for another apt/dpkg to finish (other checkouts on the machine
# may be installing at the same time), and runs `apt-get update` only when an install fails first.
# Idempotent, and silent when everything is present.
set -euo pipefail

log() { echo "chromium.sh: $*" >&2; }
die() {
	log "$*"
	log "set HX_CHROMIUM to a Chromium/Chrome binary, or install Debian's chromium and fonts-wqy-microhei (or fonts-noto-cjk)"
	exit 1
}

FONT_PKG=fonts-wqy-microhei

# as_root CMD...: runs CMD as root (directly, or via sudo), or returns 127 when it cannot.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		if [ -t 0 ]; then sudo "$@"; else sudo -n "$@"; fi
	else
		return 127
	fi
}

can_install() {
	command -v apt-get >/dev/null 2>&1 || return 1
	[ "$(id -u)" -eq 0 ] || command -v sudo >/dev/null 2>&1
}

# apt_install PKG...: installs the packages; `apt-get update` and one more try only if the first
# attempt fails (a fresh machine has no package lists, an old list may name removed versions).
apt_install() {
	local apt=(env DEBIAN_FRONTEND=noninteractive apt-get -y -q -o DPkg::Lock::Timeout=300)
	log "installing $* with apt-get"
	local start=$SECONDS
	if as_root "${apt[@]}" install --no-install-recommends "$@" >&2; then
		log "installed $* in $((SECONDS - start))s"
		return 0
	fi
	log "apt-get install failed; running apt-get update and trying again"
	as_root "${apt[@]}" update >&2 || return 1
	as_root "${apt[@]}" install --no-install-recommends "$@" >&2 || return 1
	log "installed $* in $((SECONDS - start))s"
}

has_cjk_font() {
	command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh family 2>/dev/null)" ]
}

find_chromium() {
	local name
	for name in chromium chromium-browser google-chrome; do
		if command -v "$name" >/dev/null 2>&1; then
			command -v "$name"
			return 0
		fi
	done
	return 1
}

# abs PATH: the absolute path, symlinks left as they are (/usr/bin/chromium is Debian's wrapper
# script, which sets flags the real binary expects).
abs() {
	case $1 in
	/*) echo "$1" ;;
	*) echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")" ;;
	esac
}

bin=""
if [ -n "${HX_CHROMIUM:-}" ]; then
	if [[ $HX_CHROMIUM == */* ]]; then
		[ -f "$HX_CHROMIUM" ] && [ -x "$HX_CHROMIUM" ] || die "HX_CHROMIUM=$HX_CHROMIUM is not an executable file"
		bin=$(abs "$HX_CHROMIUM")
	else
		bin=$(command -v "$HX_CHROMIUM" 2>/dev/null) || die "HX_CHROMIUM=$HX_CHROMIUM is not a command on PATH"
		bin=$(abs "$bin")
	fi
elif ! bin=$(find_chromium); then
	can_install || die "no chromium, chromium-browser or google-chrome on PATH, and no apt-get (or not root and no sudo) to install one"
	pkgs=(chromium)
	has_cjk_font || pkgs+=("$FONT_PKG")
	apt_install "${pkgs[@]}" || die "apt-get could not install ${pkgs[*]}"
	bin=$(find_chromium) || die "chromium was installed but is not on PATH"
fi
bin=$(abs "$bin")

if ! has_cjk_font; then
	if can_install && apt_install "$FONT_PKG" && has_cjk_font; then
		:
	else
		# Not fatal: the tests still run, only screenshots show boxes for Chinese text.
		log "warning: no font with Chinese glyphs (fc-list :lang=zh is empty) and $FONT_PKG could not be installed; screenshots will show boxes for Chinese text"
	fi
fi

echo "$bin"
