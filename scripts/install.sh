#!/bin/sh
# Installs the mcp-gateway binary from a GitHub release, checking its SHA-256 against checksums.txt.
#
#   curl -fsSL https://github.com/OWNER/REPO/releases/latest/download/install.sh | sh
#   curl -fsSL …/install.sh | sh -s -- --version 1.2.3 --bin-dir /usr/local/bin
#
# Options (or environment variables):
#   --version X     MCP_GATEWAY_VERSION    release to install (default: latest)
#   --bin-dir DIR   MCP_GATEWAY_BIN_DIR    where the binary goes (default: ~/.local/bin, or
#                                          /usr/local/bin when run as root)
#   --repo O/N      MCP_GATEWAY_REPO       GitHub repository to download from
#   --base-url URL  MCP_GATEWAY_BASE_URL   download archives and checksums.txt from here instead (mirrors)
#   --no-completions                       skip installing shell completions
set -eu

REPO="${MCP_GATEWAY_REPO:-mcp-gateway/mcp-gateway}"
VERSION="${MCP_GATEWAY_VERSION:-latest}"
BASE_URL="${MCP_GATEWAY_BASE_URL:-}"
BIN_DIR="${MCP_GATEWAY_BIN_DIR:-}"
COMPLETIONS=1

say() { printf '%s\n' "mcp-gateway install: $*" >&2; }
die() { say "error: $*"; exit 1; }

while [ $# -gt 0 ]; do
  case "$1" in
    --version) [ $# -ge 2 ] || die "--version needs a value"; VERSION="$2"; shift 2 ;;
    --version=*) VERSION="${1#*=}"; shift ;;
    --bin-dir) [ $# -ge 2 ] || die "--bin-dir needs a value"; BIN_DIR="$2"; shift 2 ;;
    --bin-dir=*) BIN_DIR="${1#*=}"; shift ;;
    --repo) [ $# -ge 2 ] || die "--repo needs a value"; REPO="$2"; shift 2 ;;
    --repo=*) REPO="${1#*=}"; shift ;;
    --base-url) [ $# -ge 2 ] || die "--base-url needs a value"; BASE_URL="$2"; shift 2 ;;
    --base-url=*) BASE_URL="${1#*=}"; shift ;;
    --no-completions) COMPLETIONS=0; shift ;;
    -h|--help) sed -n '2,15p' "$0" 2>/dev/null || true; exit 0 ;;
    *) die "unknown option $1 (try --help)" ;;
  esac
done

detect_os() {
  case "$(uname -s)" in
    Linux) echo linux ;;
    Darwin) echo darwin ;;
    MINGW* | MSYS* | CYGWIN*) die "on Windows, download mcp-gateway-windows-x64.zip from the release page" ;;
    *) die "unsupported OS $(uname -s) (builds exist for Linux and macOS)" ;;
  esac
}

detect_arch() {
  arch=$(uname -m)
  # An x64 shell under Rosetta on Apple silicon should still get the native arm64 build.
  if [ "$1" = darwin ] && [ "$arch" = x86_64 ] && [ "$(sysctl -n sysctl.proc_translated 2>/dev/null || echo 0)" = 1 ]; then
    arch=arm64
  fi
  case "$arch" in
    x86_64 | amd64) echo x64 ;;
    aarch64 | arm64) echo arm64 ;;
    *) die "unsupported CPU $arch (builds exist for x86_64 and arm64)" ;;
  esac
}

download() { # url file
  if command -v curl >/dev/null 2>&1; then
    curl --proto '=https,http' -fsSL --retry 2 -o "$2" "$1" || die "download failed: $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "download failed: $1"
  else
    die "need curl or wget"
  fi
}

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d ' ' -f 1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d ' ' -f 1
  else
    die "need sha256sum or shasum to verify the download"
  fi
}

OS=$(detect_os)
ARCH=$(detect_arch "$OS")
ARCHIVE="mcp-gateway-$OS-$ARCH.tar.gz"
if [ -z "$BASE_URL" ]; then
  if [ "$VERSION" = latest ]; then
    BASE_URL="https://github.com/$REPO/releases/latest/download"
  else
    BASE_URL="https://github.com/$REPO/releases/download/v${VERSION#v}"
  fi
fi
BASE_URL="${BASE_URL%/}"
if [ -z "$BIN_DIR" ]; then
  if [ "$(id -u)" = 0 ]; then BIN_DIR=/usr/local/bin; else BIN_DIR="$HOME/.local/bin"; fi
fi

TMP=$(mktemp -d 2>/dev/null || mktemp -d -t mcp-gateway)
trap 'rm -rf "$TMP"' EXIT INT TERM

say "downloading $ARCHIVE ($VERSION) from $BASE_URL"
download "$BASE_URL/$ARCHIVE" "$TMP/$ARCHIVE"
download "$BASE_URL/checksums.txt" "$TMP/checksums.txt"

expected=$(awk -v f="$ARCHIVE" '$2 == f || $2 == "*" f { print $1 }' "$TMP/checksums.txt")
[ -n "$expected" ] || die "checksums.txt has no entry for $ARCHIVE"
actual=$(sha256_of "$TMP/$ARCHIVE")
[ "$expected" = "$actual" ] || die "checksum mismatch for $ARCHIVE (expected $expected, got $actual); nothing installed"

mkdir -p "$TMP/x"
tar -xzf "$TMP/$ARCHIVE" -C "$TMP/x" || die "cannot unpack $ARCHIVE"
[ -f "$TMP/x/mcp-gateway" ] || die "$ARCHIVE has no mcp-gateway binary"
mkdir -p "$BIN_DIR" || die "cannot create $BIN_DIR (choose another with --bin-dir)"
# Copy then rename, so a running gateway keeps its old binary and the swap is atomic.
cp "$TMP/x/mcp-gateway" "$BIN_DIR/.mcp-gateway.new" || die "cannot write to $BIN_DIR (try --bin-dir or sudo)"
chmod 755 "$BIN_DIR/.mcp-gateway.new"
mv -f "$BIN_DIR/.mcp-gateway.new" "$BIN_DIR/mcp-gateway"
say "installed $BIN_DIR/mcp-gateway ($("$BIN_DIR/mcp-gateway" --version 2>/dev/null || echo '?'))"

# Completions go to per-user directories, so only for an install into the home directory.
case "$BIN_DIR" in "$HOME"/*) ;; *) COMPLETIONS=0 ;; esac
if [ "$COMPLETIONS" = 1 ] && [ -d "$TMP/x/completions" ]; then
  data="${XDG_DATA_HOME:-$HOME/.local/share}"
  mkdir -p "$data/bash-completion/completions" &&
    cp "$TMP/x/completions/mcp-gateway.bash" "$data/bash-completion/completions/mcp-gateway" &&
    say "bash completions: $data/bash-completion/completions/mcp-gateway"
  if command -v fish >/dev/null 2>&1; then
    fish_dir="${XDG_CONFIG_HOME:-$HOME/.config}/fish/completions"
    mkdir -p "$fish_dir" && cp "$TMP/x/completions/mcp-gateway.fish" "$fish_dir/" && say "fish completions: $fish_dir"
  fi
  if command -v zsh >/dev/null 2>&1; then
    mkdir -p "$data/zsh/site-functions" && cp "$TMP/x/completions/_mcp-gateway" "$data/zsh/site-functions/" &&
      say "zsh completions: $data/zsh/site-functions (add it to fpath before compinit)"
  fi
fi

case ":$PATH:" in
  *":$BIN_DIR:"*) ;;
  *) say "$BIN_DIR is not on your PATH; add it: export PATH=\"$BIN_DIR:\$PATH\"" ;;
esac
say "next: mcp-gateway init && mcp-gateway doctor"
