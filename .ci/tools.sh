# Sourced by the project's scripts: installs the toolchain pieces this machine
# lacks, at the versions that are known to build here, and puts them on PATH.
# Each step checks first, so a warm machine passes through in seconds.

TOOLS_DIR="${PAYDESK_TOOLS_DIR:-$HOME/.cache/paydesk-tools}"
export PATH="$TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"

BINARYEN_VERSION=132.0.0
# Builds go to one target directory; CI points it outside the clone so that
# one run's dependencies serve the next.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"

say() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# The wasm-bindgen CLI must be exactly the crate's version, which Cargo.lock pins.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

ensure_rust_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32 target"
    rustup target add wasm32-unknown-unknown
  fi
  local bindgen
  bindgen=$(wasm_bindgen_version)
  if ! wasm-bindgen --version 2>/dev/null | grep -q "$bindgen"; then
    say "installing wasm-bindgen-cli $bindgen"
    # Not --locked: its own lockfile's dependencies do not build with this rustc.
    # A tool we only run: no LTO, many codegen units, so it installs in minutes.
    env -u CARGO_TARGET_DIR CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
      cargo install wasm-bindgen-cli --version "$bindgen" --force
  fi
}

# Only `make release` shrinks the wasm, so only it needs binaryen.
ensure_wasm_opt() {
  # Debian's binaryen (wasm-opt 108) silently breaks hydration; npm's 132 does not.
  if ! "$TOOLS_DIR/node_modules/.bin/wasm-opt" --version 2>/dev/null | grep -q "version ${BINARYEN_VERSION%%.*}"; then
    say "installing binaryen $BINARYEN_VERSION (wasm-opt)"
    mkdir -p "$TOOLS_DIR"
    npm install --prefix "$TOOLS_DIR" --no-audit --no-fund "binaryen@$BINARYEN_VERSION"
  fi
}

ensure_chromium() {
  if [ ! -x /usr/lib/chromium/chromium ]; then
    say "installing Debian's Chromium for the end-to-end tests"
    as_root apt-get update
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y chromium
  fi
}

ensure_e2e_deps() {
  # Reinstall only when the lockfile changed since the last install.
  local stamp=end2end/node_modules/.paydesk-lock
  if [ ! -f "$stamp" ] || ! cmp -s end2end/package-lock.json "$stamp"; then
    say "installing the end-to-end test dependencies"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
    cp end2end/package-lock.json "$stamp"
  fi
}

# build_site PROFILE [optimise]: the client bundle and assets in
# $CARGO_TARGET_DIR/site, laid out as cargo-leptos would and as the server
# (built with LEPTOS_OUTPUT_NAME=paydesk, see .cargo/config.toml) links
# them: pkg/paydesk.js, pkg/paydesk.wasm, pkg/paydesk.css, and public/ at
# the root. With "optimise", wasm-opt shrinks the wasm too (minutes; for
# releases).
build_site() {
  local profile=$1 optimise=${2:-}
  local site="$CARGO_TARGET_DIR/site"
  say "building the client bundle ($profile)"
  cargo build --profile "$profile" -p frontend --lib --target wasm32-unknown-unknown
  rm -rf "$site"
  mkdir -p "$site/pkg"
  wasm-bindgen --target web --no-typescript --out-dir "$site/pkg" --out-name paydesk \
    "$CARGO_TARGET_DIR/wasm32-unknown-unknown/$profile/frontend.wasm"
  if [ "$optimise" = optimise ]; then
    say "optimising the wasm"
    "$TOOLS_DIR/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
      --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue \
      "$site/pkg/paydesk_bg.wasm" -o "$site/pkg/paydesk.wasm"
    rm "$site/pkg/paydesk_bg.wasm"
  else
    mv "$site/pkg/paydesk_bg.wasm" "$site/pkg/paydesk.wasm"
  fi
  cp style/main.css "$site/pkg/paydesk.css"
  cp -R public/. "$site/"
}
