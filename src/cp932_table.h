/* src/cp932_table.h -- internal: the generated CP932 tables (src/cp932_table.c,
 * written by src/cp932_table.py). Only src/encoding.c includes this.
 *
 * Decoding: a two-byte code (lead, trail) with trail in 0x40..0xFC decodes
 * to tk_cp932_decode[tk_cp932_lead_row[lead] - 1][trail - 0x40] when
 * tk_cp932_lead_row[lead] != 0; a table value of 0 means "no character".
 * Single bytes (ASCII, half-width katakana) are not in the tables.
 *
 * Encoding: tk_cp932_enc_ucs[] is sorted; the code point U maps to the
 * two-byte code tk_cp932_enc_code[i] where tk_cp932_enc_ucs[i] == U, and
 * entries with high byte h lie in [tk_cp932_enc_page[h],
 * tk_cp932_enc_page[h + 1]). Immutable; thread-safe. */
#ifndef TK_CP932_TABLE_H
#define TK_CP932_TABLE_H

#include <stddef.h>
#include <stdint.h>

#define TK_CP932_TRAIL_FIRST 0x40
#define TK_CP932_TRAIL_LAST  0xFC
#define TK_CP932_NTRAIL      (TK_CP932_TRAIL_LAST - TK_CP932_TRAIL_FIRST + 1)

extern const uint8_t tk_cp932_lead_row[256];
extern const uint16_t tk_cp932_decode[][TK_CP932_NTRAIL];

extern const size_t tk_cp932_enc_count;
extern const uint16_t tk_cp932_enc_page[257];
extern const uint16_t tk_cp932_enc_ucs[];
extern const uint16_t tk_cp932_enc_code[];

#endif
