/* peer_rx.c — the pure parts of node-to-node links (peer.h): the per-link frame reader, the
 * hello check and the per-peer queue accounting. No sockets, no clocks: unit-tested and fuzzed. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "hl_be.h"
#include "hl_err.h"
#include "peer.h"

int
hl_peer_sniff(const uint8_t *p, size_t len)
{
	/* both speak prefixed lib/wire frames: a node link is told by its first frame's type */
	if (len >= HL_FRAME_PREFIX + 2 && hl_ld16(p + HL_FRAME_PREFIX) != HL_FRAME_MAGIC)
		return 0;
	if (len < HL_PEER_SNIFF_LEN)
		return -EAGAIN;
	return hl_ld16(p + HL_FRAME_PREFIX + 4) == HL_MSG_node_register;
}

int
hl_peer_rx_init(
        struct hl_peer_rx *rx, void *buf, size_t cap, uint32_t max_frame, uint32_t cluster_hash)
{
	memset(rx, 0, sizeof(*rx));
	hl_frame_cfg_init(&rx->cfg, cluster_hash, HL_PLANE_SLOW);
	int rc = hl_frame_cfg_set_max(&rx->cfg, max_frame);
	if (rc < 0)
		return rc;
	return hl_frame_stream_init(&rx->fs, buf, cap, max_frame);
}

void
hl_peer_rx_set_limit(struct hl_peer_rx *rx, uint32_t max_frame)
{
	if (max_frame < HL_FRAME_OVERHEAD)
		max_frame = HL_FRAME_OVERHEAD;
	if (max_frame > rx->fs.cap)
		max_frame = rx->fs.cap;
	rx->fs.max_frame = max_frame;
	rx->cfg.max_frame = max_frame;
}

int
hl_peer_rx_feed(struct hl_peer_rx *rx, const void *data, size_t len, size_t *used, unsigned *type,
        const uint8_t **body, size_t *body_len, struct hl_wire_err *err)
{
	const uint8_t *frame;
	uint32_t flen;
	struct hl_frame_hdr hdr;
	hl_wire_err_clear(err);
	int rc = hl_frame_stream_feed(&rx->fs, data, len, used, &frame, &flen, err);
	if (rc <= 0)
		return rc;
	rc = hl_frame_parse(&rx->cfg, frame, flen, &hdr, body, err);
	if (rc < 0) {
		/* a bad frame ends the link: make the stream sticky like its own errors */
		if (err->msg_type == 0 && flen >= 6)
			err->msg_type = (uint16_t)hl_ld16(frame + 4);
		rx->fs.err = rc;
		rx->fs.werr = *err;
		return rc;
	}
	rx->frames++;
	rx->bytes += flen + HL_FRAME_PREFIX;
	*type = hdr.type;
	*body_len = hdr.body_len;
	return 1;
}

int
hl_peer_rx_eof(const struct hl_peer_rx *rx, struct hl_wire_err *err)
{
	hl_wire_err_clear(err);
	if (rx->fs.err != 0 || rx->fs.ready || (rx->fs.need == 0 && rx->fs.have == 0))
		return 0;
	err->kind = HL_E_TRUNCATED;
	err->actual = rx->fs.have;
	err->limit = rx->fs.need ? rx->fs.need : HL_FRAME_PREFIX;
	return -HL_E_TRUNCATED;
}

void
hl_peer_hello_fill(const struct hl_peer_self *self, struct hl_msg_node_register *m)
{
	memset(m, 0, sizeof(*m));
	m->node.node_id = self->id;
	snprintf(m->node.name, sizeof(m->node.name), "%s", self->name);
	m->node.role = self->roles & HL_ROLE_MAX;
	snprintf(m->node.ctrl, sizeof(m->node.ctrl), "%s", self->ctrl);
	snprintf(m->cluster, sizeof(m->cluster), "%s", self->cluster);
	snprintf(m->env, sizeof(m->env), "%s", self->env);
	m->proto_version = HL_PEER_PROTO;
	m->cores = self->cores;
}

int
hl_peer_hello_check(const struct hl_peer_self *self, const struct hl_msg_node_register *m,
        struct hl_wire_err *err, char *reason, size_t rlen)
{
	hl_wire_err_clear(err);
	err->msg_type = HL_MSG_node_register;
	if (strcmp(m->cluster, self->cluster) != 0) {
		err->kind = HL_E_WRONG_CLUSTER;
		err->field_key = 2;
		snprintf(reason, rlen, "cluster '%.40s' is not ours ('%.40s')", m->cluster,
		        self->cluster);
	} else if (strcmp(m->env, self->env) != 0) {
		err->kind = HL_E_WRONG_CLUSTER;
		err->field_key = 3;
		snprintf(reason, rlen, "environment '%.40s' is not ours ('%.40s')", m->env,
		        self->env);
	} else if (m->proto_version != HL_PEER_PROTO) {
		err->kind = HL_E_BAD_VERSION;
		err->field_key = 4;
		err->actual = m->proto_version;
		err->limit = HL_PEER_PROTO;
		snprintf(reason, rlen, "peer protocol version %" PRIu64 ", this node speaks %d",
		        m->proto_version, HL_PEER_PROTO);
	} else if (m->node.node_id == 0 || m->node.node_id == self->id) {
		err->kind = HL_E_BAD_VALUE;
		err->field_key = 1;
		err->actual = m->node.node_id;
		snprintf(reason, rlen, "node id %" PRIu64 " is %s", m->node.node_id,
		        m->node.node_id == 0 ? "reserved" : "this node's own ([node] id clash?)");
	} else {
		return 0;
	}
	return -err->kind;
}

int
hl_peer_frame(const struct hl_frame_cfg *cfg, unsigned type, const void *body, size_t body_len,
        void *buf, size_t cap, size_t *len, struct hl_wire_err *err)
{
	uint8_t *o = buf;
	size_t flen;
	if (cap < HL_FRAME_PREFIX) {
		hl_wire_err_clear(err);
		err->kind = HL_E_OVERSIZE;
		err->msg_type = (uint16_t)type;
		err->actual = HL_FRAME_PREFIX + HL_FRAME_OVERHEAD + body_len;
		err->limit = cap;
		return -HL_E_OVERSIZE;
	}
	int rc = hl_frame_wrap(
	        cfg, type, body, body_len, o + HL_FRAME_PREFIX, cap - HL_FRAME_PREFIX, &flen, err);
	if (rc < 0)
		return rc;
	hl_frame_prefix(o, (uint32_t)flen);
	*len = flen + HL_FRAME_PREFIX;
	return 0;
}

void
hl_peer_q_init(struct hl_peer_q *q, uint32_t *ring, uint32_t max_frames, uint64_t max_bytes)
{
	memset(q, 0, sizeof(*q));
	q->sizes = ring;
	q->max_frames = max_frames;
	q->max_bytes = max_bytes;
}

int
hl_peer_q_admit(struct hl_peer_q *q, uint32_t size, bool force)
{
	if (q->n >= q->max_frames || (!force && q->bytes + size > q->max_bytes))
		return -ENOBUFS;
	q->sizes[(q->head + q->n) % q->max_frames] = size;
	q->n++;
	q->bytes += size;
	return 0;
}

uint32_t
hl_peer_q_drain(struct hl_peer_q *q, uint64_t n, uint64_t *excess)
{
	uint32_t done = 0;
	while (n > 0 && q->n > 0) {
		uint32_t rest = q->sizes[q->head] - q->head_sent;
		if (n < rest) {
			q->head_sent += (uint32_t)n;
			q->bytes -= n;
			n = 0;
			break;
		}
		n -= rest;
		q->bytes -= rest;
		q->head_sent = 0;
		q->head = (q->head + 1) % q->max_frames;
		q->n--;
		done++;
	}
	if (excess != NULL)
		*excess = n;
	return done;
}
