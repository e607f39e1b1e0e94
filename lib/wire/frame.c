/* frame.c — frame encode/parse with CRC32C (ISA-L) and the TCP length-prefix de-framer. */
#include <errno.h>
#include <string.h>

#include <isa-l/crc.h>

#include "hl_be.h"
#include "hl_err.h"
#include "hl_frame.h"

uint32_t
hl_crc32c(const void *buf, size_t len)
{
	/* crc32_iscsi neither pre- nor post-inverts: seed with ~0 and invert the result. */
	return ~crc32_iscsi((unsigned char *)(uintptr_t)buf, (int)len, 0xffffffffu);
}

uint32_t
hl_frame_cluster_hash(const char *cluster_id)
{
	return hl_crc32c(cluster_id, strlen(cluster_id));
}

void
hl_frame_cfg_init(struct hl_frame_cfg *cfg, uint32_t cluster, uint8_t plane)
{
	cfg->cluster = cluster;
	cfg->plane = plane;
	cfg->max_frame =
	        plane == HL_PLANE_FAST ? HL_FRAME_FAST_MAX_DEFAULT : HL_FRAME_SLOW_MAX_DEFAULT;
}

int
hl_frame_cfg_set_max(struct hl_frame_cfg *cfg, uint32_t max_frame)
{
	if (max_frame < HL_FRAME_OVERHEAD || max_frame > (1u << 30) ||
	        (cfg->plane == HL_PLANE_FAST && max_frame > HL_FRAME_JUMBO_MAX))
		return -EINVAL;
	cfg->max_frame = max_frame;
	return 0;
}

static int
efail(struct hl_wire_err *err, int rc, unsigned type, uint64_t actual, uint64_t limit,
        uint32_t offset)
{
	if (err != NULL) {
		hl_wire_err_clear(err);
		err->kind = -rc;
		err->msg_type = type <= 0xffff ? (uint16_t)type : 0;
		err->actual = actual;
		err->limit = limit;
		err->offset = offset;
	}
	return rc;
}

/* Type known and allowed on the plane: checked on both send and receive. */
static int
check_type(const struct hl_frame_cfg *cfg, unsigned type, struct hl_wire_err *err)
{
	int plane = hl_msg_plane(type);
	if (plane == 0)
		return efail(err, -HL_E_UNKNOWN_MSG, type, type, 0, 4);
	if (cfg->plane == HL_PLANE_FAST && plane != HL_PLANE_FAST)
		return efail(err, -HL_E_WRONG_PLANE, type, (uint64_t)plane, HL_PLANE_FAST, 4);
	return 0;
}

static void
put_header(const struct hl_frame_cfg *cfg, unsigned type, uint8_t *p, uint32_t body_len)
{
	hl_st16(p, HL_FRAME_MAGIC);
	p[2] = HL_FRAME_VERSION;
	p[3] = 0;
	hl_st16(p + 4, (uint16_t)type);
	p[6] = 0;
	p[7] = 0;
	hl_st32(p + 8, cfg->cluster);
	hl_st32(p + 12, body_len);
	hl_st32(p + HL_FRAME_HDR + body_len, hl_crc32c(p, HL_FRAME_HDR + (size_t)body_len));
}

static size_t
frame_room(const struct hl_frame_cfg *cfg, size_t cap)
{
	return cap < cfg->max_frame ? cap : cfg->max_frame;
}

int
hl_frame_encode(const struct hl_frame_cfg *cfg, unsigned type, const void *msg, void *buf,
        size_t cap, size_t *len, struct hl_wire_err *err)
{
	uint8_t *p = buf;
	size_t room = frame_room(cfg, cap);
	size_t blen = 0;
	*len = 0;
	int rc = check_type(cfg, type, err);
	if (rc < 0)
		return rc;
	if (room < HL_FRAME_OVERHEAD)
		return efail(err, -HL_E_OVERSIZE, type, HL_FRAME_OVERHEAD, room, 0);
	rc = hl_msg_encode(type, msg, p + HL_FRAME_HDR, room - HL_FRAME_OVERHEAD, &blen, err);
	if (rc == -HL_E_OVERSIZE) {
		/* Either a field over its maximum (keep that error) or a body that does not fit:
		 * then report the whole frame's size against the limit (seed-defects G.3). */
		size_t full = 0;
		if (hl_msg_encoded_size(type, msg, &full, NULL) == 0)
			return efail(err, -HL_E_OVERSIZE, type, full + HL_FRAME_OVERHEAD, room, 0);
	}
	if (rc < 0)
		return rc;
	put_header(cfg, type, p, (uint32_t)blen);
	*len = blen + HL_FRAME_OVERHEAD;
	return 0;
}

int
hl_frame_wrap(const struct hl_frame_cfg *cfg, unsigned type, const void *body, size_t body_len,
        void *buf, size_t cap, size_t *len, struct hl_wire_err *err)
{
	size_t room = frame_room(cfg, cap);
	*len = 0;
	int rc = check_type(cfg, type, err);
	if (rc < 0)
		return rc;
	if (room < HL_FRAME_OVERHEAD || body_len > room - HL_FRAME_OVERHEAD)
		return efail(err, -HL_E_OVERSIZE, type, body_len + HL_FRAME_OVERHEAD, room, 0);
	memmove((uint8_t *)buf + HL_FRAME_HDR, body, body_len);
	put_header(cfg, type, buf, (uint32_t)body_len);
	*len = body_len + HL_FRAME_OVERHEAD;
	return 0;
}

int
hl_frame_parse(const struct hl_frame_cfg *cfg, const void *buf, size_t len,
        struct hl_frame_hdr *hdr, const uint8_t **body, struct hl_wire_err *err)
{
	const uint8_t *p = buf;
	if (err != NULL)
		hl_wire_err_clear(err);
	if (len < HL_FRAME_HDR)
		return efail(err, -HL_E_TRUNCATED, 0, len, HL_FRAME_HDR, 0);
	if (hl_ld16(p) != HL_FRAME_MAGIC)
		return efail(err, -HL_E_BAD_MAGIC, 0, hl_ld16(p), HL_FRAME_MAGIC, 0);
	hdr->version = p[2];
	hdr->flags = p[3];
	hdr->type = hl_ld16(p + 4);
	hdr->cluster = hl_ld32(p + 8);
	hdr->body_len = hl_ld32(p + 12);
	if (hdr->version != HL_FRAME_VERSION)
		return efail(err, -HL_E_BAD_VERSION, hdr->type, hdr->version, HL_FRAME_VERSION, 2);
	if (hdr->flags & HL_FRAME_F_SEALED)
		return efail(err, -HL_E_UNSUPPORTED, hdr->type, hdr->flags, 0, 3);
	if (hdr->flags != 0 || p[6] != 0 || p[7] != 0)
		return efail(err, -HL_E_BAD_VALUE, hdr->type,
		        hdr->flags != 0 ? hdr->flags : hl_ld16(p + 6), 0, hdr->flags != 0 ? 3 : 6);
	uint64_t flen = (uint64_t)hdr->body_len + HL_FRAME_OVERHEAD;
	if (flen > cfg->max_frame)
		return efail(err, -HL_E_OVERSIZE, hdr->type, flen, cfg->max_frame, 12);
	if (len < flen)
		return efail(err, -HL_E_TRUNCATED, hdr->type, len, flen, (uint32_t)len);
	if (len > flen)
		return efail(err, -HL_E_TRAILING, hdr->type, len, flen, (uint32_t)flen);
	uint32_t want = hl_ld32(p + HL_FRAME_HDR + hdr->body_len);
	uint32_t got = hl_crc32c(p, HL_FRAME_HDR + (size_t)hdr->body_len);
	if (want != got)
		return efail(
		        err, -HL_E_BAD_CRC, hdr->type, got, want, HL_FRAME_HDR + hdr->body_len);
	if (hdr->cluster != cfg->cluster)
		return efail(err, -HL_E_WRONG_CLUSTER, hdr->type, hdr->cluster, cfg->cluster, 8);
	int rc = check_type(cfg, hdr->type, err);
	if (rc < 0)
		return rc;
	*body = p + HL_FRAME_HDR;
	return 0;
}

int
hl_frame_decode(const struct hl_frame_cfg *cfg, const void *buf, size_t len, unsigned *type,
        void *msg, size_t msg_cap, struct hl_wire_err *err)
{
	struct hl_frame_hdr hdr;
	const uint8_t *body;
	int rc = hl_frame_parse(cfg, buf, len, &hdr, &body, err);
	if (rc < 0)
		return rc;
	*type = hdr.type;
	size_t need = hl_msg_size(hdr.type);
	if (msg_cap < need)
		return efail(err, -HL_E_OVERSIZE, hdr.type, need, msg_cap, 0);
	rc = hl_msg_decode(hdr.type, body, hdr.body_len, msg, err);
	if (rc < 0 && err != NULL)
		err->offset += HL_FRAME_HDR; /* report frame offsets */
	return rc;
}

void
hl_frame_prefix(uint8_t out[HL_FRAME_PREFIX], uint32_t frame_len)
{
	hl_st32(out, frame_len);
}

int
hl_frame_stream_init(struct hl_frame_stream *s, void *buf, size_t cap, uint32_t max_frame)
{
	if (max_frame < HL_FRAME_OVERHEAD || cap < max_frame)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	s->max_frame = max_frame;
	return 0;
}

static int
sfail(struct hl_frame_stream *s, int rc, uint64_t actual, uint64_t limit, struct hl_wire_err *err)
{
	s->err = rc;
	hl_wire_err_clear(&s->werr);
	s->werr.kind = -rc;
	s->werr.actual = actual;
	s->werr.limit = limit;
	if (err != NULL)
		*err = s->werr;
	return rc;
}

int
hl_frame_stream_feed(struct hl_frame_stream *s, const void *data, size_t len, size_t *used,
        const uint8_t **frame, uint32_t *frame_len, struct hl_wire_err *err)
{
	const uint8_t *in = data;
	size_t pos = 0;

	*used = 0;
	if (s->err != 0) {
		if (err != NULL)
			*err = s->werr;
		return s->err;
	}
	if (s->ready) {
		s->ready = 0;
		s->need = 0;
		s->have = 0;
	}
	while (pos < len) {
		if (s->need == 0) {
			s->pfx[s->have++] = in[pos++];
			if (s->have < HL_FRAME_PREFIX)
				continue;
			uint32_t n = hl_ld32(s->pfx);
			s->have = 0;
			/* Reject before buffering a single byte of the frame. */
			if (n > s->max_frame) {
				*used = pos;
				return sfail(s, -HL_E_OVERSIZE, n, s->max_frame, err);
			}
			if (n < HL_FRAME_OVERHEAD) {
				*used = pos;
				return sfail(s, -HL_E_BAD_VALUE, n, HL_FRAME_OVERHEAD, err);
			}
			s->need = n;
			continue;
		}
		size_t take = s->need - s->have;
		if (take > len - pos)
			take = len - pos;
		memcpy(s->buf + s->have, in + pos, take);
		s->have += (uint32_t)take;
		pos += take;
		if (s->have == s->need) {
			s->ready = 1;
			*frame = s->buf;
			*frame_len = s->need;
			*used = pos;
			return 1;
		}
	}
	*used = pos;
	return 0;
}
