/* wire_fill.c — deterministic table-driven filler for message structs (see wire_fill.h). */
#include <string.h>

#include "wire_fill.h"

static uint8_t pattern[HL_WIRE_SPEC_MAX + 256];
static int pattern_ready;

static uint64_t
mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t
min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

static void
fill_rec(const struct hl_wire_rec *rec, uint8_t *s, uint64_t seed, enum wire_fill_mode mode)
{
	for (uint32_t i = 0; i < rec->nfields; i++) {
		const struct hl_wire_field *f = &rec->fields[i];
		uint8_t *p = s + f->off;
		uint64_t v = mix(seed ^ ((uint64_t)f->key << 40)) | 1;
		bool max = mode == WIRE_FILL_MAX;
		uint64_t n;

		if (mode == WIRE_FILL_REQ && !f->required)
			continue;
		switch (f->kind) {
		case HL_WK_U64: {
			uint64_t u;
			if (f->max != 0)
				u = max ? f->max : 1 + v % f->max;
			else
				u = max ? UINT64_MAX - (v & 0xff) : v >> (v & 31);
			memcpy(p, &u, sizeof(u));
			break;
		}
		case HL_WK_I64: {
			int64_t x = max ? INT64_MIN : -(int64_t)(v % 1000000) - 1;
			memcpy(p, &x, sizeof(x));
			break;
		}
		case HL_WK_F64: {
			double d = max ? 1.7976931348623157e308 : (double)(v % 100000) / 4.0 + 0.5;
			memcpy(p, &d, sizeof(d));
			break;
		}
		case HL_WK_BOOL:
			*(bool *)p = true;
			break;
		case HL_WK_STR:
			n = max ? f->max : 1 + v % min_u64(f->max, 12);
			for (uint64_t k = 0; k < n; k++)
				p[k] = (uint8_t)('a' + (v + k) % 26);
			p[n] = 0;
			break;
		case HL_WK_BIN: {
			struct hl_wire_view *w = (struct hl_wire_view *)p;
			w->len = (uint32_t)(max ? f->max : 1 + v % min_u64(f->max, 40));
			w->p = pattern + (v & 0xff);
			break;
		}
		case HL_WK_U64L:
		case HL_WK_RECL: {
			uint32_t cnt = (uint32_t)(max ? f->max : 1 + v % min_u64(f->max, 3));
			memcpy(p, &cnt, sizeof(cnt));
			for (uint32_t k = 0; k < cnt; k++) {
				uint8_t *e = s + f->off_v + (size_t)k * f->elem;
				uint64_t ev = mix(v + k);
				if (f->kind == HL_WK_U64L)
					memcpy(e, &ev, sizeof(ev));
				else
					fill_rec(f->sub, e, ev, mode);
			}
			break;
		}
		case HL_WK_REC:
			fill_rec(f->sub, p, v, mode);
			break;
		}
	}
}

void
wire_fill(const struct hl_wire_rec *rec, void *s, uint64_t seed, enum wire_fill_mode mode)
{
	if (!pattern_ready) {
		for (size_t i = 0; i < sizeof(pattern); i++)
			pattern[i] = (uint8_t)(i * 31 + 7);
		pattern_ready = 1;
	}
	memset(s, 0, rec->size);
	fill_rec(rec, s, seed, mode);
}
