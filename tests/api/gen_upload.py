#!/usr/bin/env python3
"""tests/api/gen_upload.py -- writes a CSV log of at most BYTES bytes (whole
rows) to
stdout for the upload tests and bench/upload, without a file on disk:
the header, then one block of rows (about 1 MiB) again and again. The
same arguments always give the same bytes.

usage: gen_upload.py BYTES [SECONDS_PER_MIB]
  SECONDS_PER_MIB   sleep this long after each block (a slow client)"""
import sys
import time

size = int(sys.argv[1])
pause = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
out = sys.stdout.buffer
head = "操作日時,職員ID,端末,操作,宛名番号,備考\r\n".encode()
rows = []
n = 0
total = 0
while total < (1 << 20):
    rows.append(("2024/10/%02d %02d:%02d:%02d,c%06d,PC%02d,照会,%010d,窓口\r\n" % (
        1 + n % 28, 8 + n % 10, n % 60, (n * 7) % 60, 600000 + n % 40, n % 12,
        1000000000 + n % 2000)).encode())
    total += len(rows[-1])
    n += 1
block = b"".join(rows)
out.write(head)
done = len(head)
try:
    while done < size:
        if size - done >= len(block):
            part = block
        else:  # the rows that fit whole, then stop
            cut = block.rfind(b"\r\n", 0, size - done)
            part = block[: cut + 2] if cut >= 0 else b""
            size = done + len(part)
        out.write(part)
        done += len(part)
        if pause:
            out.flush()
            time.sleep(pause)
    out.flush()
except BrokenPipeError:
    pass
