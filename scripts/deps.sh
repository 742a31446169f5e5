# shellcheck shell=bash
# Shared by ./quickstart.sh and ./run-tests.sh: the Debian packages guardhsm
# needs, and an idempotent build step. Source it; do not run it.
#
#   gh_install_deps          install whatever of GH_DEPS is missing
#   gh_build DIR [ARGS...]   autoreconf if needed, configure DIR (VPATH) if
#                            needed, make -j$(nproc) in DIR

# The repository top, whoever sources this and from wherever.
GH_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Every Debian package the build and the tests need, in one list so that
# later layers (opensc, softhsm2, ...) add theirs here and nowhere else.
GH_DEPS="build-essential autoconf automake libtool pkg-config \
libsodium-dev libssl-dev libsqlite3-dev libp11-kit-dev libcmocka-dev \
valgrind opensc openssl gdb clang-format \
libengine-pkcs11-openssl libnss3-tools openssh-client openssh-server \
gnutls-bin python3 python3-pykcs11 python3-cryptography p11-kit \
p11-kit-modules bsdutils softhsm2"

gh_say() {
	printf '\n==> %s\n' "$*"
}

# Installs the missing packages of GH_DEPS. As root it runs apt-get (update
# once, then install); otherwise it prints the exact command and exits 1,
# because guessing at sudo in a script is worse than telling the user.
gh_install_deps() {
	local package status missing=()
	for package in $GH_DEPS; do
		status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
		if [ "$status" != "install ok installed" ]; then
			missing+=("$package")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		echo "All build dependencies are installed."
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "Missing Debian packages: ${missing[*]}" >&2
		echo "Install them with:" >&2
		echo "  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	echo "Installing missing Debian packages: ${missing[*]}"
	# A failed update is not fatal: the lists already there may do.
	apt-get update ||
		echo "warning: apt-get update failed; trying the install anyway" >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y \
		--no-install-recommends "${missing[@]}" || return 1
}

# True if configure must be regenerated: it is missing, or older than one
# of the files autoreconf reads.
gh_configure_stale() {
	local configure="$GH_TOP/configure"
	[ -f "$configure" ] || return 0
	[ -f "$GH_TOP/Makefile.in" ] || return 0
	[ -n "$(find "$GH_TOP/configure.ac" "$GH_TOP/Makefile.am" \
		-newer "$configure" -print -quit)" ] && return 0
	# Build directories at the top (build/, build-sanitize/) hold no
	# sources: skip them.
	[ -n "$(find "$GH_TOP" \( -path "$GH_TOP/build*" -o -path "$GH_TOP/.git" \) \
		-prune -o -name local.mk -newer "$configure" -print -quit)" ] &&
		return 0
	return 1
}

# gh_build DIR [configure arguments...]
# Builds out of tree in DIR (relative to the repository top unless
# absolute). Each step runs only when its inputs changed, so a second call
# with nothing changed just runs a no-op make. Every step checks its own
# status, because callers may run it where errexit is off (in an `if`).
gh_build() {
	local dir=$1
	shift
	case $dir in
	/*) ;;
	*) dir="$GH_TOP/$dir" ;;
	esac
	local name=${dir#"$GH_TOP"/}

	# A VPATH build refuses a source tree that was configured in place.
	if [ -f "$GH_TOP/config.status" ] && [ "$dir" != "$GH_TOP" ]; then
		echo "error: $GH_TOP was configured in place; run" >&2
		echo "  make -C '$GH_TOP' distclean" >&2
		echo "so that out-of-tree builds (build/, build-sanitize/) work." >&2
		return 1
	fi

	if gh_configure_stale; then
		gh_say "Generating the build system (autoreconf -fi)"
		(cd "$GH_TOP" && autoreconf -fi) || return 1
	fi

	local wanted=""
	if [ $# -gt 0 ]; then
		wanted=$(printf '%q ' "$@")
	fi
	mkdir -p "$dir" || return 1
	if [ ! -f "$dir/Makefile" ] || [ ! -f "$dir/config.status" ] ||
		[ "$(cat "$dir/.configure-args" 2>/dev/null)" != "$wanted" ]; then
		# Objects built with other flags (say, without -Werror) would
		# otherwise survive the reconfigure and hide warnings.
		if [ -f "$dir/Makefile" ]; then
			make -s -C "$dir" clean >/dev/null 2>&1 || true
		fi
		rm -f "$dir/.configure-args"
		gh_say "Configuring $name/ with: ${wanted:-(default options)}"
		(cd "$dir" && "$GH_TOP/configure" "$@") || return 1
		printf '%s' "$wanted" >"$dir/.configure-args"
	fi

	gh_say "Building in $name/"
	make -C "$dir" -j"$(nproc)" || return 1
}
