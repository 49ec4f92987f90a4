#!/usr/bin/env python3
"""Checks that a PNG is a screenshot of a graph with several coloured lines, not a blank or an
error page: the PNG signature, its IHDR size (WIDTH x HEIGHT), and, decoded (8-bit RGB or RGBA,
not interlaced: what Chromium writes), at least MIN_HUES distinct saturated colours covering at
least 30 pixels each (a graph's lines and legend squares; a text or blank page has grey only).

Usage: demo_png_check.py FILE.png WIDTH HEIGHT [MIN_HUES]    (standard library only)
Prints one line; exit 0 ok, 1 not such a picture.
"""
import struct
import sys
import zlib


def fail(why):
    print("FAIL %s: %s" % (sys.argv[1], why))
    sys.exit(1)


def pixels(data):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB/RGBA, non-interlaced PNG."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail("not a PNG (signature %s)" % data[:8].hex())
    pos, idat, head = 8, [], None
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat.append(body)
        elif kind == b"IEND":
            break
        pos += 12 + length
    if not head:
        fail("no IHDR chunk")
    width, height, depth, colour, _, _, interlace = head
    if depth != 8 or colour not in (2, 6) or interlace:
        fail("depth %d, colour type %d, interlace %d: not what Chromium writes" % (depth, colour, interlace))
    bpp = 3 if colour == 2 else 4
    try:
        raw = zlib.decompress(b"".join(idat))
    except zlib.error as e:
        fail("its image data does not decompress (%s)" % e)
    if len(raw) < height * (width * (3 if colour == 2 else 4) + 1):
        fail("%d bytes of image data, short of %dx%d" % (len(raw), width, height))
    stride = width * bpp
    rows, prev = [], bytearray(stride)
    for y in range(height):
        f, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):  # the five PNG filters
            a = line[i - bpp] if i >= bpp else 0
            b, c = prev[i], prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, rows, bpp


if len(sys.argv) not in (4, 5):
    sys.exit("usage: demo_png_check.py FILE.png WIDTH HEIGHT [MIN_HUES]")
want_w, want_h = int(sys.argv[2]), int(sys.argv[3])
min_hues = int(sys.argv[4]) if len(sys.argv) == 5 else 6
with open(sys.argv[1], "rb") as fh:
    w, h, rows, bpp = pixels(fh.read())
if (w, h) != (want_w, want_h):
    fail("%dx%d, not %dx%d" % (w, h, want_w, want_h))
hues = {}
for line in rows:
    for i in range(0, len(line), bpp):
        r, g, b = line[i], line[i + 1], line[i + 2]
        if max(r, g, b) - min(r, g, b) >= 80:  # saturated: a line's colour, not grey text or grid
            key = (r >> 5, g >> 5, b >> 5)
            hues[key] = hues.get(key, 0) + 1
n = sum(1 for count in hues.values() if count >= 30)
if n < min_hues:
    fail("%d saturated colours of 30 pixels or more, fewer than the %d a graph of several lines has" % (n, min_hues))
print("ok   %s: PNG %dx%d, %d colours of lines" % (sys.argv[1], w, h, n))
