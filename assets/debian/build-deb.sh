#!/usr/bin/env bash
# The Debian package of tokentab, in one command (issue 23):
#
#   bash assets/debian/build-deb.sh        # prints the path: target/debian/tokentab_<version>-1_amd64.deb
#
# It builds the static musl binary (one release build serves the package and the single-file
# download), writes the man page and the bash/zsh/fish completions with that binary
# (`tokentab man`, `tokentab completions SHELL`), then packages them with cargo-deb
# ([package.metadata.deb] in Cargo.toml; maintainer scripts, unit and /etc/default file here).
# Needs: `rustup target add x86_64-unknown-linux-musl`, Debian's musl-tools (musl-gcc, for the
# bundled SQLite and ring), `cargo install cargo-deb --locked`. tests/package/run.sh installs them.
set -euo pipefail
cd "$(dirname "$0")/../.."

TARGET=x86_64-unknown-linux-musl
cargo build --locked --release --target "$TARGET" >&2

out="${CARGO_TARGET_DIR:-target}/$TARGET/release"
gen="$out/package"
mkdir -p "$gen"
"$out/tokentab" man | gzip -9n >"$gen/tokentab.1.gz"
"$out/tokentab" completions bash >"$gen/tokentab.bash"
"$out/tokentab" completions zsh >"$gen/_tokentab"
"$out/tokentab" completions fish >"$gen/tokentab.fish"

# cargo-deb prints the .deb's path on stdout.
cargo deb --locked --no-build --target "$TARGET" --output "${CARGO_TARGET_DIR:-target}/debian/"
