/* wire.c — SWIM datagram codec on the bounded msgpack cursor (lib/wire/hl_mp.h).
 *
 * A datagram is one msgpack map with small integer keys; unknown keys are skipped, so fields can
 * be added without breaking older members. The frame layer carries it as the opaque `swim` body.
 *
 *   datagram = map {                      update = map {
 *     0: type     uint  (enum hl_swim_msg)  0: state        uint (0 alive .. 3 left)
 *     1: seq      uint32                    1: addr         bin 1..24   (required)
 *     2: target   bin <= 24                 2: incarnation  uint64
 *     3: nack     bool  (ping-req)          3: from         bin <= 24   (accuser)
 *     4: join     bool  (sync-req)          4: meta         map {
 *     5: cursor   uint32 (sync-req page)         0 roles uint32, 1 dc str <= 16,
 *     6: next     uint32 (sync-resp page)        2 fabric bin <= 24, 3 mgmt bin <= 24,
 *     7: updates  array <= 64 of update          4 capacity uint32, 5 health uint32 }
 *   }                                       }
 *
 * `updates` is always encoded last so the sender can append piggybacked updates until the
 * datagram is full (array16 header patched at the end).
 */
#include <errno.h>
#include <string.h>

#include "hl_err.h"
#include "hl_mp.h"
#include "hl_swim.h"
#include "swim_int.h"

static int
rd_addr(struct hl_mp_rd *r, struct hl_swim_addr *a)
{
	const uint8_t *b;
	uint32_t n;
	int rc = hl_mp_rd_bin(r, &b, &n, HL_SWIM_ADDR_MAX);
	if (rc != 0)
		return rc;
	a->len = (uint8_t)n;
	memcpy(a->b, b, n);
	return 0;
}

static int
rd_u32(struct hl_mp_rd *r, uint32_t *v)
{
	uint64_t x;
	int rc = hl_mp_rd_uint_max(r, &x, UINT32_MAX);
	if (rc == 0)
		*v = (uint32_t)x;
	return rc;
}

static int
rd_meta(struct hl_mp_rd *r, struct hl_swim_meta *m)
{
	uint32_t n;
	int rc = hl_mp_rd_map(r, &n, 16);
	if (rc != 0)
		return rc;
	memset(m, 0, sizeof(*m));
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t key;
		rc = hl_mp_rd_u64(r, &key);
		if (rc != 0)
			break;
		switch (key) {
		case 0:
			rc = rd_u32(r, &m->roles);
			break;
		case 1: {
			const char *s;
			uint32_t len;
			rc = hl_mp_rd_str(r, &s, &len, HL_SWIM_DC_MAX);
			if (rc == 0) {
				memcpy(m->dc, s, len);
				m->dc[len] = '\0';
			}
			break;
		}
		case 2:
			rc = rd_addr(r, &m->fabric);
			break;
		case 3:
			rc = rd_addr(r, &m->mgmt);
			break;
		case 4:
			rc = rd_u32(r, &m->capacity);
			break;
		case 5:
			rc = rd_u32(r, &m->health);
			break;
		default:
			rc = hl_mp_rd_skip(r);
			break;
		}
	}
	return rc;
}

static int
rd_update(struct hl_mp_rd *r, struct hl_swim_update *u)
{
	uint32_t n;
	int rc = hl_mp_rd_map(r, &n, 16);
	if (rc != 0)
		return rc;
	memset(u, 0, sizeof(*u));
	bool have_addr = false, have_state = false;
	r->depth++;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t key, v;
		rc = hl_mp_rd_u64(r, &key);
		if (rc != 0)
			break;
		switch (key) {
		case 0:
			rc = hl_mp_rd_uint_max(r, &v, HL_SWIM_LEFT);
			if (rc == 0)
				u->state = (uint8_t)v;
			have_state = true;
			break;
		case 1:
			rc = rd_addr(r, &u->addr);
			have_addr = rc == 0 && u->addr.len > 0;
			break;
		case 2:
			rc = hl_mp_rd_u64(r, &u->incarnation);
			break;
		case 3:
			rc = rd_addr(r, &u->from);
			break;
		case 4:
			rc = rd_meta(r, &u->meta);
			u->has_meta = rc == 0;
			break;
		default:
			rc = hl_mp_rd_skip(r);
			break;
		}
	}
	r->depth--;
	if (rc == 0 && (!have_addr || !have_state))
		rc = -HL_E_MISSING_FIELD;
	return rc;
}

int
hl_swim_decode(struct hl_swim_packet *p, const uint8_t *buf, size_t len)
{
	struct hl_mp_rd r;
	uint32_t n;
	hl_mp_rd_init(&r, buf, len);
	p->type = 0;
	p->has_target = p->nack = p->join = p->has_cursor = p->has_next = false;
	p->seq = p->cursor = p->next = 0;
	p->n_updates = 0;
	p->target.len = 0;
	int rc = hl_mp_rd_map(&r, &n, 32);
	if (rc != 0)
		return rc;
	r.depth++;
	for (uint32_t i = 0; i < n && rc == 0; i++) {
		uint64_t key, v;
		rc = hl_mp_rd_u64(&r, &key);
		if (rc != 0)
			break;
		switch (key) {
		case 0:
			rc = hl_mp_rd_uint_max(&r, &v, 255);
			if (rc == 0)
				p->type = (uint8_t)v;
			break;
		case 1:
			rc = rd_u32(&r, &p->seq);
			break;
		case 2:
			rc = rd_addr(&r, &p->target);
			p->has_target = rc == 0;
			break;
		case 3:
			rc = hl_mp_rd_bool(&r, &p->nack);
			break;
		case 4:
			rc = hl_mp_rd_bool(&r, &p->join);
			break;
		case 5:
			rc = rd_u32(&r, &p->cursor);
			p->has_cursor = rc == 0;
			break;
		case 6:
			rc = rd_u32(&r, &p->next);
			p->has_next = rc == 0;
			break;
		case 7: {
			uint32_t cnt;
			rc = hl_mp_rd_array(&r, &cnt, HL_SWIM_MAX_UPDATES);
			if (rc != 0)
				break;
			if (p->n_updates != 0) {
				rc = -HL_E_BAD_VALUE; /* two update lists */
				break;
			}
			r.depth++;
			for (uint32_t j = 0; j < cnt && rc == 0; j++)
				rc = rd_update(&r, &p->updates[j]);
			r.depth--;
			if (rc == 0)
				p->n_updates = cnt;
			break;
		}
		default:
			rc = hl_mp_rd_skip(&r);
			break;
		}
	}
	if (rc != 0)
		return rc;
	if (hl_mp_rd_left(&r) != 0)
		return -HL_E_TRAILING;
	if (p->type < HL_SWIM_MSG_PING || p->type > HL_SWIM_MSG_SYNC_RESP)
		return -HL_E_UNKNOWN_MSG;
	if (p->type == HL_SWIM_MSG_PING_REQ && (!p->has_target || p->target.len == 0))
		return -HL_E_MISSING_FIELD;
	return 0;
}

static void
wr_addr(struct hl_mp_wr *w, const struct hl_swim_addr *a)
{
	hl_mp_wr_bin(w, a->b, a->len);
}

void
hl_swim_wr_update(struct hl_mp_wr *w, const struct hl_swim_update *u)
{
	uint32_t n = 3 + (u->from.len > 0) + u->has_meta;
	hl_mp_wr_map(w, n);
	hl_mp_wr_u64(w, 0);
	hl_mp_wr_u64(w, u->state);
	hl_mp_wr_u64(w, 1);
	wr_addr(w, &u->addr);
	hl_mp_wr_u64(w, 2);
	hl_mp_wr_u64(w, u->incarnation);
	if (u->from.len > 0) {
		hl_mp_wr_u64(w, 3);
		wr_addr(w, &u->from);
	}
	if (u->has_meta) {
		const struct hl_swim_meta *m = &u->meta;
		hl_mp_wr_u64(w, 4);
		hl_mp_wr_map(w, 6);
		hl_mp_wr_u64(w, 0);
		hl_mp_wr_u64(w, m->roles);
		hl_mp_wr_u64(w, 1);
		hl_mp_wr_str(w, m->dc, (uint32_t)strnlen(m->dc, HL_SWIM_DC_MAX));
		hl_mp_wr_u64(w, 2);
		wr_addr(w, &m->fabric);
		hl_mp_wr_u64(w, 3);
		wr_addr(w, &m->mgmt);
		hl_mp_wr_u64(w, 4);
		hl_mp_wr_u64(w, m->capacity);
		hl_mp_wr_u64(w, 5);
		hl_mp_wr_u64(w, m->health);
	}
}

void
hl_swim_wr_header(struct hl_mp_wr *w, const struct hl_swim_packet *p, bool with_updates)
{
	uint32_t n =
	        2 + p->has_target + p->nack + p->join + p->has_cursor + p->has_next + with_updates;
	hl_mp_wr_map(w, n);
	hl_mp_wr_u64(w, 0);
	hl_mp_wr_u64(w, p->type);
	hl_mp_wr_u64(w, 1);
	hl_mp_wr_u64(w, p->seq);
	if (p->has_target) {
		hl_mp_wr_u64(w, 2);
		wr_addr(w, &p->target);
	}
	if (p->nack) {
		hl_mp_wr_u64(w, 3);
		hl_mp_wr_bool(w, true);
	}
	if (p->join) {
		hl_mp_wr_u64(w, 4);
		hl_mp_wr_bool(w, true);
	}
	if (p->has_cursor) {
		hl_mp_wr_u64(w, 5);
		hl_mp_wr_u64(w, p->cursor);
	}
	if (p->has_next) {
		hl_mp_wr_u64(w, 6);
		hl_mp_wr_u64(w, p->next);
	}
	if (with_updates) {
		hl_mp_wr_u64(w, 7);
		/* array16 with a placeholder count, patched by hl_swim_wr_patch_count(). */
		uint8_t hdr[3] = {0xdc, 0, 0};
		if (w->err == 0 && w->cap - w->len >= sizeof(hdr)) {
			memcpy(w->buf + w->len, hdr, sizeof(hdr));
			w->len += sizeof(hdr);
		} else if (w->err == 0) {
			w->err = -HL_E_OVERSIZE;
		}
	}
}

void
hl_swim_wr_patch_count(struct hl_mp_wr *w, size_t count_at, uint32_t n)
{
	w->buf[count_at] = (uint8_t)(n >> 8);
	w->buf[count_at + 1] = (uint8_t)n;
}

int
hl_swim_encode(const struct hl_swim_packet *p, uint8_t *buf, size_t cap)
{
	struct hl_mp_wr w;
	if (p->n_updates > HL_SWIM_MAX_UPDATES)
		return -HL_E_OVERSIZE;
	hl_mp_wr_init(&w, buf, cap);
	hl_swim_wr_header(&w, p, p->n_updates > 0);
	size_t count_at = w.len - 2;
	for (uint32_t i = 0; i < p->n_updates; i++)
		hl_swim_wr_update(&w, &p->updates[i]);
	if (w.err != 0)
		return w.err;
	if (p->n_updates > 0)
		hl_swim_wr_patch_count(&w, count_at, p->n_updates);
	return (int)w.len;
}
