/* report.c — progress bar, result table, JSON and CSV output for clients. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "hl_report.h"

static void
fmt_ns(char *b, size_t n, uint64_t ns)
{
	if (ns >= 1000000)
		snprintf(b, n, "%.2fms", (double)ns / 1e6);
	else if (ns >= 1000)
		snprintf(b, n, "%.1fus", (double)ns / 1e3);
	else
		snprintf(b, n, "%" PRIu64 "ns", ns);
}

void
hl_report_progress(FILE *f, const struct hl_cp_progress *p, bool cr)
{
	char bar[21], p99[32];
	uint32_t ppm = hl_cp_progress_ppm(p);
	unsigned fill = 20u * ppm / 1000000u;
	for (unsigned i = 0; i < 20; i++)
		bar[i] = i < fill ? '#' : '.';
	bar[20] = '\0';
	fmt_ns(p99, sizeof(p99), p->p99_ns);
	double loss = p->tx_pkts ? 100.0 * (double)p->lost / (double)p->tx_pkts : 0;
	fprintf(f,
	        "%s[%s] job %" PRIu64 " %-9s wf %u/%u %6.2f%% %-12s %6.1fs  tx %" PRIu64
	        " (%.1f kpps) rx %" PRIu64 "  loss %.3f%%  p99 %s%s",
	        cr ? "\r" : "", bar, p->job_id, hl_job_state_name(p->state), p->wf_done,
	        p->wf_total, (double)ppm / 1e4, p->workflow, (double)p->elapsed_ms / 1e3,
	        p->tx_pkts, p->tx_pps / 1e3, p->rx_pkts, loss, p99, cr ? "   " : "\n");
	fflush(f);
}

void
hl_report_table(FILE *f, const struct hl_cp_result *r)
{
	fprintf(f, "job %" PRIu64 " (%s): %s%s%s\n", r->job_id, r->name,
	        hl_job_state_name(r->state), r->error[0] ? " — " : "", r->error);
	fprintf(f, "%-10s %-10s %10s %10s %8s %11s %11s %8s %9s %9s %9s %9s %9s %9s\n", "workflow",
	        "stream", "tx_pkts", "rx_pkts", "lost", "req_pps", "ach_pps", "reorder", "p50",
	        "p90", "p99", "p99.9", "max", "jitter");
	for (uint32_t i = 0; i < r->n_streams; i++) {
		const struct hl_cp_stream_result *s = &r->streams[i];
		char a[6][32];
		fmt_ns(a[0], 32, s->p50_ns);
		fmt_ns(a[1], 32, s->p90_ns);
		fmt_ns(a[2], 32, s->p99_ns);
		fmt_ns(a[3], 32, s->p999_ns);
		fmt_ns(a[4], 32, s->max_ns);
		fmt_ns(a[5], 32, s->jitter_ns);
		fprintf(f,
		        "%-10s %-10s %10" PRIu64 " %10" PRIu64 " %8" PRIu64
		        " %11.1f %11.1f %8" PRIu64 " %9s %9s %9s %9s %9s %9s\n",
		        s->workflow, s->stream, s->tx_pkts, s->rx_pkts, s->lost, s->req_pps,
		        s->ach_pps, s->reordered, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	fprintf(f, "%-10s %-10s %10" PRIu64 " %10" PRIu64 " %8" PRIu64 "\n", "total", "",
	        r->total_tx, r->total_rx, r->total_lost);
}

void
hl_report_table_by(FILE *f, const struct hl_cp_result *r, bool by_worker)
{
	fprintf(f, "by %s:\n%-10s %-10s %-12s %10s %10s %8s %11s %9s %9s %9s %9s\n",
	        by_worker ? "worker" : "dc", "workflow", "stream", by_worker ? "worker" : "dc",
	        "tx_pkts", "rx_pkts", "lost", "ach_pps", "min", "p50", "p99", "max");
	for (uint32_t i = 0; i < r->n_parts; i++) {
		const struct hl_cp_part *q = &r->parts[i];
		if ((q->worker != 0) != by_worker || q->stream >= r->n_streams)
			continue;
		const struct hl_cp_stream_result *s = &r->streams[q->stream];
		char who[48], a[4][32];
		if (by_worker)
			snprintf(who, sizeof(who), "%" PRIu64 "@%s", q->worker, q->dc);
		else
			snprintf(who, sizeof(who), "%s", q->dc);
		fmt_ns(a[0], 32, q->min_ns);
		fmt_ns(a[1], 32, q->p50_ns);
		fmt_ns(a[2], 32, q->p99_ns);
		fmt_ns(a[3], 32, q->max_ns);
		fprintf(f,
		        "%-10s %-10s %-12s %10" PRIu64 " %10" PRIu64 " %8" PRIu64
		        " %11.1f %9s %9s %9s %9s\n",
		        s->workflow, s->stream, who, q->tx_pkts, q->rx_pkts, q->lost, q->ach_pps,
		        a[0], a[1], a[2], a[3]);
	}
}

bool
hl_report_check_ports(FILE *f, const struct hl_cp_result *r)
{
	uint64_t tx = 0, rx = 0, op = 0, ip = 0;
	bool all_signed = true; /* RX counts only signed packets */
	for (uint32_t i = 0; i < r->n_streams; i++) {
		tx += r->streams[i].tx_pkts;
		rx += r->streams[i].rx_pkts;
		all_signed = all_signed && r->streams[i].sig == 2;
	}
	for (uint32_t i = 0; i < r->n_ports; i++) {
		op += r->ports[i].opackets;
		ip += r->ports[i].ipackets;
	}
	if (r->n_ports == 0) { /* a cluster's result: the ports are the workers' */
		fprintf(f,
		        "streams TX %" PRIu64 " RX %" PRIu64
		        " | port counters: not in this result (a cluster job's ports are its "
		        "workers': hyperline_port_* in their metrics)\n",
		        tx, rx);
		return true;
	}
	bool ok = tx == op && (!all_signed || rx == ip);
	fprintf(f,
	        "streams TX %" PRIu64 " RX %" PRIu64 " | port counters opackets %" PRIu64
	        " ipackets %" PRIu64 " | %s%s\n",
	        tx, rx, op, ip, ok ? "match" : "MISMATCH",
	        all_signed ? "" : " (TX only: streams not signing every packet count signed RX)");
	return ok;
}

/* A stream's latency histogram as [[lo, hi, count], ...] (its non-empty buckets, in ns), or
 * null when the stream has none. */
static json_t *
hist_json(const struct hl_cp_stream_result *s)
{
	static struct hl_hist h;
	if (s->hist_len == 0 || hl_hist_decode(&h, s->hist, s->hist_len) < 0)
		return json_null();
	json_t *b = json_array();
	for (size_t i = 0; i < HL_HIST_NBUCKETS; i++)
		if (h.buckets[i])
			json_array_append_new(
			        b, json_pack("[I,I,I]", (json_int_t)hl_hist_bucket_lo(i),
			                   (json_int_t)(i == HL_HIST_NBUCKETS - 1
			                                        ? h.max
			                                        : hl_hist_bucket_hi(i)),
			                   (json_int_t)h.buckets[i]));
	return b;
}

int
hl_report_json(FILE *f, const struct hl_cp_result *r)
{
	json_t *root = json_object(), *streams = json_array(), *ports = json_array();
	json_object_set_new(root, "job_id", json_integer((json_int_t)r->job_id));
	json_object_set_new(root, "name", json_string(r->name));
	json_object_set_new(root, "state", json_string(hl_job_state_name(r->state)));
	json_object_set_new(root, "error", json_string(r->error));
	for (uint32_t i = 0; i < r->n_streams; i++) {
		const struct hl_cp_stream_result *s = &r->streams[i];
		json_t *row = json_pack(
		        "{s:s,s:s,s:I,s:I,s:I,s:I,s:f,s:f,s:I,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:"
		        "I,s:I,s:I},s:I,s:I,s:s,s:I}",
		        "workflow", s->workflow, "stream", s->stream, "tx_pkts",
		        (json_int_t)s->tx_pkts, "tx_bytes", (json_int_t)s->tx_bytes, "rx_pkts",
		        (json_int_t)s->rx_pkts, "rx_bytes", (json_int_t)s->rx_bytes,
		        "requested_pps", s->req_pps, "achieved_pps", s->ach_pps, "lost",
		        (json_int_t)s->lost, "reordered", (json_int_t)s->reordered, "duplicates",
		        (json_int_t)s->duplicates, "latency_ns", "min", (json_int_t)s->min_ns,
		        "mean", (json_int_t)s->mean_ns, "p50", (json_int_t)s->p50_ns, "p90",
		        (json_int_t)s->p90_ns, "p99", (json_int_t)s->p99_ns, "p99_9",
		        (json_int_t)s->p999_ns, "max", (json_int_t)s->max_ns, "jitter_ns",
		        (json_int_t)s->jitter_ns, "duration_ns", (json_int_t)s->duration_ns,
		        "signature",
		        s->sig == 2   ? "all"
		        : s->sig == 1 ? "probes"
		                      : "none",
		        "latency_samples", (json_int_t)s->samples);
		json_object_set_new(row, "latency_histogram", hist_json(s));
		json_array_append_new(streams, row);
	}
	json_t *by_dc = json_array(), *by_worker = json_array();
	for (uint32_t i = 0; i < r->n_parts; i++) {
		const struct hl_cp_part *q = &r->parts[i];
		if (q->stream >= r->n_streams)
			continue;
		const struct hl_cp_stream_result *s = &r->streams[q->stream];
		json_t *o = json_pack(
		        "{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:I}",
		        "workflow", s->workflow, "stream", s->stream, "dc", q->dc, "tx_pkts",
		        (json_int_t)q->tx_pkts, "rx_pkts", (json_int_t)q->rx_pkts, "lost",
		        (json_int_t)q->lost, "reordered", (json_int_t)q->reordered, "duplicates",
		        (json_int_t)q->duplicates, "achieved_pps", q->ach_pps, "latency_samples",
		        (json_int_t)q->samples, "latency_ns", "min", (json_int_t)q->min_ns, "p50",
		        (json_int_t)q->p50_ns, "p90", (json_int_t)q->p90_ns, "p99",
		        (json_int_t)q->p99_ns, "p99_9", (json_int_t)q->p999_ns, "max",
		        (json_int_t)q->max_ns, "jitter_ns", (json_int_t)q->jitter_ns);
		if (q->worker)
			json_object_set_new(o, "worker", json_integer((json_int_t)q->worker));
		json_array_append_new(q->worker ? by_worker : by_dc, o);
	}
	json_object_set_new(root, "by_dc", by_dc);
	json_object_set_new(root, "by_worker", by_worker);
	for (uint32_t i = 0; i < r->n_ports; i++) {
		const struct hl_cp_port_counters *p = &r->ports[i];
		json_array_append_new(
		        ports, json_pack("{s:s,s:I,s:I,s:I,s:I}", "name", p->name, "opackets",
		                       (json_int_t)p->opackets, "ipackets", (json_int_t)p->ipackets,
		                       "oerrors", (json_int_t)p->oerrors, "imissed",
		                       (json_int_t)p->imissed));
	}
	json_object_set_new(root, "totals",
	        json_pack("{s:I,s:I,s:I}", "tx_pkts", (json_int_t)r->total_tx, "rx_pkts",
	                (json_int_t)r->total_rx, "lost", (json_int_t)r->total_lost));
	json_object_set_new(root, "streams", streams);
	json_object_set_new(root, "ports", ports);
	int rc = json_dumpf(root, f, JSON_INDENT(2));
	fputc('\n', f);
	json_decref(root);
	return rc;
}

void
hl_report_csv(FILE *f, const struct hl_cp_result *r)
{
	fprintf(f,
	        "job_id,job,state,workflow,stream,tx_pkts,tx_bytes,rx_pkts,rx_bytes,requested_pps,"
	        "achieved_pps,lost,reordered,duplicates,p50_ns,p90_ns,p99_ns,p99_9_ns,max_ns,"
	        "jitter_ns,duration_ns\n");
	for (uint32_t i = 0; i < r->n_streams; i++) {
		const struct hl_cp_stream_result *s = &r->streams[i];
		fprintf(f,
		        "%" PRIu64 ",%s,%s,%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		        ",%.3f,%.3f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
		        ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
		        r->job_id, r->name, hl_job_state_name(r->state), s->workflow, s->stream,
		        s->tx_pkts, s->tx_bytes, s->rx_pkts, s->rx_bytes, s->req_pps, s->ach_pps,
		        s->lost, s->reordered, s->duplicates, s->p50_ns, s->p90_ns, s->p99_ns,
		        s->p999_ns, s->max_ns, s->jitter_ns, s->duration_ns);
	}
}
