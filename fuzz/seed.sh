#!/usr/bin/env bash
# Regenerates the fuzz seed corpora (fuzz/corpus/TARGET/seed-*) and the fixed
# keys the harnesses use (fuzz/keys/): a bundle sealed by the real CLI, the
# same bundle age-encrypted, tiny images of the five imported formats, small
# HTML pages (plain and content-coded) and capture transcripts.
#
#   fuzz/seed.sh            builds `testigo` (debug) with cargo, then seeds
#   TESTIGO=path fuzz/seed.sh   uses that binary
#   SEED_WITH=core fuzz/seed.sh seals with the core's API in the fuzz build
#
# Needs python3, unzip, age-keygen. Seeds are small (a bundle is the largest,
# because it carries its PDF packet). Files the fuzzer adds to the corpus
# folders are not touched; only seed-* files are rewritten.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus="$here/corpus"

# SEED_WITH=core seals with the core's API from the fuzz build instead of
# the CLI (fuzz_targets/seed_bundle.rs), when building the CLI is too slow.
if [[ "${SEED_WITH:-cli}" == cli && -z "${TESTIGO:-}" ]]; then
    (cd "$root" && cargo build --bin testigo)
    TESTIGO="${CARGO_TARGET_DIR:-$root/target}/debug/testigo"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for t in verify_zip verify_age image_import warc meta_extract posts_import; do
    mkdir -p "$corpus/$t"
    rm -f "$corpus/$t"/seed-*
done
mkdir -p "$here/keys"

# Images, pages and capture transcripts, written byte by byte (no image
# library is needed; each format's smallest valid forms).
python3 - "$work" "$corpus" <<'PY'
import base64, gzip, os, struct, sys, zlib

work, corpus = sys.argv[1], sys.argv[2]

def put(target, name, data):
    with open(os.path.join(corpus, target, "seed-" + name), "wb") as f:
        f.write(data)

def png(w, h, color_type, bit_depth, rows, extra=b""):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))

def chunk(kind, data):
    c = struct.pack(">I", len(data)) + kind + data
    return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

rgb = png(2, 2, 2, 8, [b"\xff\x00\x00\x00\xff\x00", b"\x00\x00\xff\xff\xff\xff"])
rgba = png(3, 3, 6, 8, [bytes(range(12 * k, 12 * k + 12)) for k in range(3)])
pal = png(4, 4, 3, 2, [b"\x1b", b"\xe4", b"\x1b", b"\xe4"],
          extra=chunk(b"PLTE", b"\x00\x00\x00\xff\x00\x00\x00\xff\x00\x00\x00\xff")
          + chunk(b"tRNS", b"\x00\x80"))
gray16 = png(1, 1, 0, 16, [b"\x12\x34"])
with open(os.path.join(work, "tiny.png"), "wb") as f:
    f.write(rgb)
for name, data in [("rgb.png", rgb), ("rgba.png", rgba), ("palette.png", pal), ("gray16.png", gray16)]:
    put("image_import", name, data)

def jpeg(w, h, comps, data):
    """Baseline JPEG whose every block is flat grey: one DC and one AC
    Huffman code (`0`), so each block is the two bits `00`."""
    seg = lambda m, d: b"\xff" + bytes([m]) + struct.pack(">H", len(d) + 2) + d
    out = b"\xff\xd8" + seg(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
    out += seg(0xDB, b"\x00" + b"\x01" * 64)
    sof = struct.pack(">BHHB", 8, h, w, len(comps))
    for cid, samp in comps:
        sof += bytes([cid, samp, 0])
    out += seg(0xC0, sof)
    one = bytes([1] + [0] * 15)
    out += seg(0xC4, b"\x00" + one + b"\x00") + seg(0xC4, b"\x10" + one + b"\x00")
    sos = bytes([len(comps)]) + b"".join(bytes([cid, 0x00]) for cid, _ in comps) + b"\x00\x3f\x00"
    return out + seg(0xDA, sos) + data + b"\xff\xd9"

put("image_import", "gray.jpg", jpeg(8, 8, [(1, 0x11)], b"\x3f"))
put("image_import", "ycbcr420.jpg", jpeg(16, 16, [(1, 0x22), (2, 0x11), (3, 0x11)], b"\x00\x0f"))
put("image_import", "pixel.gif", b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")
put("image_import", "lossless.webp", base64.b64decode("UklGRhoAAABXRUJQVlA4TA0AAAAvAAAAEAcQERGIiP4HAA=="))
put("image_import", "lossy.webp", base64.b64decode("UklGRiIAAABXRUJQVlA4IBYAAAAwAQCdASoBAAEADsD+JaQAA3AAAAAA"))
pixels = b"\x00\x00\xff\x00\xff\x00\x00\x00" + b"\xff\x00\x00\xff\xff\xff\x00\x00"
bmp = (b"BM" + struct.pack("<IHHI", 14 + 40 + len(pixels), 0, 0, 54)
       + struct.pack("<IiiHHIIiiII", 40, 2, 2, 1, 24, 0, len(pixels), 2835, 2835, 0, 0) + pixels)
put("image_import", "rgb.bmp", bmp)

page = b"""<!doctype html>
<html lang="es"><head><meta charset="utf-8">
<title>  Publicaci\xc3\xb3n de @usuario   en la red </title>
<meta name="description" content="Texto de la publicaci\xc3\xb3n">
<meta property="og:title" content="OG t\xc3\xadtulo"><meta property="og:url" content="https://example.com/p/1">
<meta name="twitter:card" content="summary"><meta name="twitter:site" content="@sitio">
<link rel="canonical" href="/p/1?ref=x">
<link rel="alternate" type="application/json+oembed" href="https://example.com/oembed?url=x&amp;format=json">
<link rel="alternate" type="text/xml+oembed" href="/oembed.xml">
<script type="application/ld+json">{"@context":"https://schema.org","@type":["SocialMediaPosting","Article"],
"author":[{"@type":"Person","name":"Usuario"},"https://example.com/u"],"datePublished":"2024-05-01T18:00:00Z",
"dateModified":"2024-05-02","@graph":[{"@type":"WebPage","creator":{"url":"https://example.com/c"}}]}</script>
</head><body><p>hola</p></body></html>
"""
latin1 = b"<html><head><title>caf\xe9 \x00 \x1b[2J</title><meta name=description content='a\tb'></head></html>"
bare = b"<title>sin doctype</title><meta property=og:image content=//cdn.example.com/i.png>"
def brotli_stored(data):
    # WBITS=16, one uncompressed meta-block, then an empty last one.
    assert 0 < len(data) <= 65536
    bits = 0 | (0 << 1) | (0 << 2) | ((len(data) - 1) << 4) | (1 << 20)
    return struct.pack("<I", bits)[:3] + data + b"\x03"
# First byte: bits 0-2 pick the encoding (none, identity, gzip, deflate, br),
# bit 3 gives a text/html Content-Type, bit 4 extracts even if not HTML.
put("meta_extract", "page.html", b"\x00" + page)
put("meta_extract", "latin1.html", b"\x08" + latin1)
put("meta_extract", "bare.html", b"\x18" + bare)
put("meta_extract", "page.html.gz", b"\x0a" + gzip.compress(page, mtime=0))
put("meta_extract", "page.html.zlib", b"\x0b" + zlib.compress(page))
put("meta_extract", "page.html.deflate", b"\x0b" + zlib.compress(page)[2:-4])
put("meta_extract", "page.html.br", b"\x0c" + brotli_stored(page))

# Capture transcripts (see fuzz_targets/warc.rs): requested URL, then hops.
hop = b"\n=====\n"
put("warc", "redirect.txt", b"http://example.com/p\n" + b"http://example.com/p\n301\nlocation: https://example.com/p\ncontent-length: 0\n\n" + hop
    + b"https://example.com/p\n200 - 93.184.216.34\ncontent-type: text/html; charset=utf-8\ntransfer-encoding: chunked\nset-cookie: a=b\nset-cookie: c=d\n\n" + page)
put("warc", "truncated.txt", b"https://example.com/big\nhttps://example.com/big\n200 l 2001:db8::1\ncontent-type: application/octet-stream\ncontent-encoding: gzip\n\n" + gzip.compress(page, mtime=0)[:100])
put("warc", "refused.txt", b"https://example.com/x\nhttps://example.com/x\n-\n\n" + hop + b"https://example.com/y?q=\xc3\xb1\n404 d\nx-odd: caf\xe9\t\xff\n\nnot found\r\n\r\nWARC/1.1\r\n")
PY

# A vault, a case with one tiny PNG, sealed; then the same sealed to age.
rm -f "$here/keys/age-identity.txt"
age-keygen -o "$here/keys/age-identity.txt" 2>/dev/null
recipient=$(age-keygen -y "$here/keys/age-identity.txt")
if [[ "${SEED_WITH:-cli}" == cli ]]; then
    export TESTIGO_VAULT="$work/vault" TESTIGO_PASSPHRASE="fuzz seed passphrase" TESTIGO_LANG=en
    export SOURCE_DATE_EPOCH=1714521600
    "$TESTIGO" init >/dev/null
    "$TESTIGO" case new "Fuzz seed" >/dev/null
    "$TESTIGO" add --case "Fuzz seed" "$work/tiny.png" >/dev/null
    "$TESTIGO" seal --case "Fuzz seed" --out "$work/bundle.zip" >/dev/null
    "$TESTIGO" seal --case "Fuzz seed" --out "$work/bundle-age.zip" --encrypt-to "$recipient" >/dev/null
else
    (cd "$root" && CARGO_TARGET_DIR="${FUZZ_TARGET_DIR:-$HOME/.cache/fuzz-target}" \
        SEED_OUT="$work" SEED_PNG="$work/tiny.png" SEED_RECIPIENT="$recipient" \
        cargo +nightly fuzz run seed_bundle -- -runs=0 >/dev/null 2>"$work/seed_bundle.log") \
        || { cat "$work/seed_bundle.log" >&2; exit 1; }
fi
unzip -p "$work/bundle.zip" '*/signer.pub' > "$here/keys/seed-signer.pub"

cp "$work/bundle.zip" "$corpus/verify_zip/seed-bundle.zip"
# verify_age's first byte: even, the rest is an .age file; odd, a ZIP the harness encrypts.
{ printf '\x00'; cat "$work/bundle-age.zip.age"; } > "$corpus/verify_age/seed-bundle.zip.age"
{ printf '\x01'; cat "$work/bundle.zip"; } > "$corpus/verify_age/seed-bundle.zip"
# posts_import's first byte picks the format (0 QUT, 1 twarc2, 2 Zeeschuimer,
# 3 Telegram); the documented examples are the seeds.
i=0
for f in qut.csv twarc2.jsonl zeeschuimer.ndjson telegram.json; do
    { printf "\\x0$i"; cat "$root/docs/examples/$f"; } > "$corpus/posts_import/seed-$f"
    i=$((i + 1))
done
ls -l "$corpus"/*/seed-* | awk '{print $5, $9}'
