/* hlctl.c — the hyperline client: submit job profiles, follow progress, cancel, fetch results
 * (table, JSON, CSV), list nodes. Exit codes are part of the interface (see usage()). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "hl_client.h"
#include "hl_err.h"
#include "hl_readfile.h"
#include "hl_report.h"

enum {
	EX_OK = 0, /* done; for submit --wait / watch: the job completed */
	EX_JOB = 1, /* the job ended failed or cancelled */
	EX_USAGE = 2, /* bad command line or unreadable local file */
	EX_CONN = 3, /* cannot connect, connection lost, or no reply */
	EX_REJECTED = 4, /* the node rejected the request (e.g. a bad job profile) */
	EX_NOTFOUND = 5, /* no such job on the node */
	EX_NOTREADY = 6, /* the job has not ended yet: no result */
};

static void
usage(FILE *f)
{
	fprintf(f, "usage: hlctl [-s HOST:PORT[,HOST:PORT...]] [-c CLUSTER_ID] COMMAND [ARGS]\n"
	           "  submit JOB.ini [--wait] [--format table|json|csv] [--by dc|worker] [--out "
	           "FILE]\n"
	           "  watch JOB_ID               follow progress until the job ends\n"
	           "  status [JOB_ID]            job states\n"
	           "  cancel JOB_ID\n"
	           "  results JOB_ID [--format table|json|csv] [--by dc|worker] [--out FILE]\n"
	           "  nodes                      cluster members known to the node\n"
	           "The node is -s, else $HYPERLINE_SERVER, else 127.0.0.1:7400. Several\n"
	           "gates (comma-separated): the first that answers; submit --wait follows\n"
	           "its job at the next one when its gate is lost.\n"
	           "Its cluster is -c (--cluster-id), else $HYPERLINE_CLUSTER_ID, else "
	           "\"" HL_CP_DEFAULT_CLUSTER "\":\n"
	           "it must match the node profile's [node] cluster_id.\n"
	           "Exit codes: 0 ok (job completed), 1 job failed or cancelled, 2 usage,\n"
	           "            3 connection or cluster mismatch, "
	           "4 rejected by the node,\n"
	           "            5 job not found, 6 result not ready yet.\n");
}

static int
exit_for(int rc)
{
	if (rc == -HL_E_NOT_FOUND)
		return EX_NOTFOUND;
	if (rc == -EAGAIN)
		return EX_NOTREADY;
	if (rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -EPIPE ||
	        rc == -EBUSY || rc == -HL_E_BAD_CRC || rc == -HL_E_BAD_MAGIC ||
	        rc == -HL_E_BAD_VERSION || rc == -HL_E_WRONG_CLUSTER)
		return EX_CONN;
	return EX_REJECTED;
}

static bool tty;
static void progress(const struct hl_cp_progress *p, void *arg);

/* ---- several gates: submit --wait survives its entry gate (issue 15 item 5) ---- */

#define MAX_SERVERS 8

struct servers {
	char *addr[MAX_SERVERS];
	unsigned n, cur;
	const char *cluster;
};

/* "a:p,b:p" -> the list (in place); -1 with a message when empty or too long */
static int
servers_parse(struct servers *s, char *list)
{
	s->n = s->cur = 0;
	for (char *save = NULL, *a = strtok_r(list, ",", &save); a != NULL;
	        a = strtok_r(NULL, ",", &save)) {
		if (s->n == MAX_SERVERS) {
			fprintf(stderr, "hlctl: at most %d servers in -s\n", MAX_SERVERS);
			return -1;
		}
		s->addr[s->n++] = a;
	}
	if (s->n == 0) {
		fprintf(stderr, "hlctl: -s names no server\n");
		return -1;
	}
	return 0;
}

/* Connect to the current server, else the next ones in turn: the index connected, or -1. */
static int
servers_connect(struct servers *s, struct hl_client *cl, char *err, size_t errlen)
{
	for (unsigned k = 0; k < s->n; k++) {
		unsigned i = (s->cur + k) % s->n;
		if (hl_client_connect(cl, s->addr[i], s->cluster, 2000, err, errlen) == 0) {
			s->cur = i;
			return (int)i;
		}
		if (s->n > 1)
			fprintf(stderr, "hlctl: %s: %s\n", s->addr[i], err);
	}
	return -1;
}

/* The gate is gone (closed, reset, silent): worth trying the next one. */
static bool
lost_gate(int rc)
{
	return rc == -ECONNRESET || rc == -EPIPE || rc == -ETIMEDOUT || rc == -ECONNREFUSED ||
	       rc == -ENOTCONN || rc == -ECONNABORTED || rc == -EIO;
}

/* With several gates a job must have a key: the next gate's submission of the same text is
 * then the same job (a keyed job's id is its key's). A profile without one gets
 * "idempotency_key = hlctl-<random>" as the first line of its [job] section. */
static char *
with_key(const char *text, size_t len, size_t *outlen)
{
	const char *p = text, *end = text + len, *job = NULL;
	uint64_t r = 0;
	char line[64];

	if (memmem(text, len, "idempotency_key", 15) != NULL)
		return NULL;
	while (p < end && job == NULL) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl ? nl : end, *a = p;
		while (a < e && (*a == ' ' || *a == '\t'))
			a++;
		if (e - a >= 5 && memcmp(a, "[job]", 5) == 0)
			job = nl ? nl + 1 : end;
		p = nl ? nl + 1 : end;
	}
	if (job == NULL) {
		fprintf(stderr, "hlctl: no [job] section to put an idempotency_key in: the job "
		                "cannot be followed at another gate\n");
		return NULL;
	}
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = (uint64_t)getpid() << 32 ^ (uint64_t)time(NULL);
	int n = snprintf(line, sizeof(line), "%sidempotency_key = hlctl-%016" PRIx64 "\n",
	        job == end && len > 0 && text[len - 1] != '\n' ? "\n" : "", r);
	char *out = malloc(len + (size_t)n + 1);
	if (out == NULL) {
		fprintf(stderr, "hlctl: out of memory adding an idempotency_key: the job cannot "
		                "be followed at another gate\n");
		return NULL;
	}
	size_t head = (size_t)(job - text);
	memcpy(out, text, head);
	memcpy(out + head, line, (size_t)n);
	memcpy(out + head + (size_t)n, job, len - head);
	*outlen = len + (size_t)n;
	out[*outlen] = '\0';
	return out;
}

/* submit --wait across gates: submit, follow, fetch the result; when the gate is lost, the
 * same text goes to the next gate (the same job, by its key) and the wait goes on there. At
 * most two rounds over the list. */
static int
submit_follow(struct servers *s, struct hl_client *cl, const char *text, size_t len, uint64_t *id,
        struct hl_cp_result *res, char *err, size_t errlen)
{
	uint64_t first = 0;
	uint32_t state;
	int rc = -ECONNRESET;

	for (unsigned tries = 0; tries < 2 * s->n; tries++) {
		if (tries > 0) {
			hl_client_close(cl);
			s->cur = (s->cur + 1) % s->n;
			sleep(1);
			if (servers_connect(s, cl, err, errlen) < 0)
				continue;
			fprintf(stderr, "hlctl: following job %" PRIu64 " at %s\n", first,
			        s->addr[s->cur]);
		}
		rc = hl_client_submit(cl, text, len, id, progress, NULL, err, errlen);
		if (rc == 0 && first != 0 && *id != first) {
			snprintf(err, errlen,
			        "gate %s gave job id %" PRIu64 " for the job %" PRIu64
			        " (not keyed?)",
			        s->addr[s->cur], *id, first);
			return -EPROTO;
		}
		if (rc == 0 && first == 0) {
			first = *id;
			fprintf(stderr, "hlctl: job %" PRIu64 " submitted\n", *id);
		}
		if (rc == 0)
			rc = hl_client_wait(cl, *id, progress, NULL, &state, err, errlen);
		if (rc == 0 && tty)
			fputc('\n', stderr);
		if (rc == 0)
			rc = hl_client_result(cl, *id, res, err, errlen);
		if (rc == 0 || !lost_gate(rc) || s->n == 1)
			return rc;
		fprintf(stderr, "\nhlctl: gate %s lost: %s\n", s->addr[s->cur], err);
		if (first == 0)
			return rc; /* never accepted anywhere: nothing to follow */
	}
	return rc;
}

static void
progress(const struct hl_cp_progress *p, void *arg)
{
	(void)arg;
	hl_report_progress(stderr, p, tty);
}

static int
print_result(const struct hl_cp_result *r, const char *format, const char *by, const char *out)
{
	FILE *f = stdout;
	if (out && (f = fopen(out, "w")) == NULL) {
		fprintf(stderr, "hlctl: %s: %s\n", out, strerror(errno));
		return EX_USAGE;
	}
	if (strcmp(format, "json") == 0)
		hl_report_json(f, r);
	else if (strcmp(format, "csv") == 0)
		hl_report_csv(f, r);
	else {
		hl_report_table(f, r);
		if (by)
			hl_report_table_by(f, r, strcmp(by, "worker") == 0);
		hl_report_check_ports(f, r);
	}
	/* a result that did not reach its file (disk full, I/O error) must not look delivered */
	int bad = fflush(f) != 0 || ferror(f);
	int werr = errno;
	if (f != stdout && fclose(f) != 0 && !bad) {
		bad = 1;
		werr = errno;
	}
	if (bad) {
		fprintf(stderr, "hlctl: writing the result to %s failed: %s\n",
		        out ? out : "stdout", strerror(werr));
		return EX_USAGE;
	}
	return r->state == HL_JOB_COMPLETED ? EX_OK : EX_JOB;
}

static int
parse_id(const char *s, uint64_t *id)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v == 0) {
		fprintf(stderr, "hlctl: '%s' is not a job id\n", s);
		return -1;
	}
	*id = v;
	return 0;
}

int
main(int argc, char **argv)
{
	const char *server = getenv("HYPERLINE_SERVER");
	const char *cluster = getenv("HYPERLINE_CLUSTER_ID");
	const char *format = "table", *out = NULL, *by = NULL;
	bool wait = false;
	static struct hl_cp_result res;
	static const struct option opts[] = {{"server", required_argument, NULL, 's'},
	        {"cluster-id", required_argument, NULL, 'c'}, {"wait", no_argument, NULL, 'w'},
	        {"format", required_argument, NULL, 'f'}, {"out", required_argument, NULL, 'o'},
	        {"by", required_argument, NULL, 'b'}, {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "+s:c:wf:o:b:h", opts, NULL)) != -1) {
		switch (c) {
		case 'b':
			by = optarg;
			break;
		case 's':
			server = optarg;
			break;
		case 'c':
			cluster = optarg;
			break;
		case 'w':
			wait = true;
			break;
		case 'f':
			format = optarg;
			break;
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EX_USAGE;
	}
	const char *cmd = argv[optind++];
	/* options may also follow the command: collect positionals, take options anywhere */
	char *pos[8];
	int nargs = 0;
	for (int i = optind; i < argc; i++) {
		const char *a = argv[i];
		bool takes = !strcmp(a, "-s") || !strcmp(a, "--server") || !strcmp(a, "-c") ||
		             !strcmp(a, "--cluster-id") || !strcmp(a, "-f") ||
		             !strcmp(a, "--format") || !strcmp(a, "-o") || !strcmp(a, "--out") ||
		             !strcmp(a, "--by");
		if (takes && i + 1 >= argc) {
			fprintf(stderr, "hlctl: %s needs a value\n", a);
			return EX_USAGE;
		}
		if (!strcmp(a, "-s") || !strcmp(a, "--server"))
			server = argv[++i];
		else if (!strcmp(a, "-c") || !strcmp(a, "--cluster-id"))
			cluster = argv[++i];
		else if (!strcmp(a, "-f") || !strcmp(a, "--format"))
			format = argv[++i];
		else if (!strcmp(a, "-o") || !strcmp(a, "--out"))
			out = argv[++i];
		else if (!strcmp(a, "--by"))
			by = argv[++i];
		else if (!strcmp(a, "-w") || !strcmp(a, "--wait"))
			wait = true;
		else if (a[0] == '-' && a[1]) {
			fprintf(stderr, "hlctl: unknown option '%s'\n", a);
			return EX_USAGE;
		} else if (nargs == 8) {
			fprintf(stderr, "hlctl: too many arguments\n");
			return EX_USAGE;
		} else
			pos[nargs++] = argv[i];
	}
	char **args = pos;
	if (strcmp(format, "table") && strcmp(format, "json") && strcmp(format, "csv")) {
		fprintf(stderr, "hlctl: --format %s: expected table, json or csv\n", format);
		return EX_USAGE;
	}
	if (by && strcmp(by, "dc") && strcmp(by, "worker")) {
		fprintf(stderr, "hlctl: --by %s: expected dc or worker\n", by);
		return EX_USAGE;
	}
	if (server == NULL)
		server = "127.0.0.1:7400";
	if (cluster == NULL)
		cluster = HL_CP_DEFAULT_CLUSTER;
	if (cluster[0] == '\0' || strlen(cluster) > HL_WIRE_CLUSTER_MAX) {
		fprintf(stderr, "hlctl: cluster id must be 1..%d characters\n",
		        HL_WIRE_CLUSTER_MAX);
		return EX_USAGE;
	}
	tty = isatty(STDERR_FILENO);

	struct hl_client cl;
	char err[600];
	uint64_t id = 0;
	int rc;
	char *text = NULL;
	size_t len = 0;
	static char server_list[1024];
	struct servers srv = {.cluster = cluster};

	if (strlen(server) >= sizeof(server_list)) {
		fprintf(stderr, "hlctl: -s: too long\n");
		return EX_USAGE;
	}
	strcpy(server_list, server);
	if (servers_parse(&srv, server_list) < 0)
		return EX_USAGE;

	if (strcmp(cmd, "submit") == 0) {
		if (nargs != 1) {
			usage(stderr);
			return EX_USAGE;
		}
		if (hl_read_file(args[0], HL_WIRE_SPEC_MAX, &text, &len, err, sizeof(err)) < 0) {
			fprintf(stderr, "hlctl: %s\n", err);
			return EX_USAGE;
		}
	} else if (strcmp(cmd, "watch") == 0 || strcmp(cmd, "cancel") == 0 ||
	           strcmp(cmd, "results") == 0) {
		if (nargs != 1 || parse_id(args[0], &id) < 0) {
			usage(stderr);
			return EX_USAGE;
		}
	} else if (strcmp(cmd, "status") == 0) {
		if (nargs > 1 || (nargs == 1 && parse_id(args[0], &id) < 0)) {
			usage(stderr);
			return EX_USAGE;
		}
	} else if (strcmp(cmd, "nodes") == 0) {
		if (nargs) {
			usage(stderr);
			return EX_USAGE;
		}
	} else {
		fprintf(stderr, "hlctl: unknown command '%s'\n", cmd);
		usage(stderr);
		return EX_USAGE;
	}

	if (servers_connect(&srv, &cl, err, sizeof(err)) < 0) {
		fprintf(stderr, "hlctl: %s\n", err);
		free(text);
		return EX_CONN;
	}
	int ex = EX_OK;
	if (strcmp(cmd, "submit") == 0 && wait && srv.n > 1) {
		size_t klen;
		char *keyed = with_key(text, len, &klen);
		rc = submit_follow(&srv, &cl, keyed ? keyed : text, keyed ? klen : len, &id, &res,
		        err, sizeof(err));
		free(keyed);
		free(text);
		if (rc < 0)
			goto fail;
		ex = print_result(&res, format, by, out);
		goto done;
	}
	if (strcmp(cmd, "submit") == 0) {
		rc = hl_client_submit(
		        &cl, text, len, &id, wait ? progress : NULL, NULL, err, sizeof(err));
		free(text);
		if (rc < 0)
			goto fail;
		if (!wait) {
			printf("%" PRIu64 "\n", id);
			goto done;
		}
		fprintf(stderr, "hlctl: job %" PRIu64 " submitted\n", id);
	}
	if (strcmp(cmd, "submit") == 0 || strcmp(cmd, "watch") == 0) {
		uint32_t state;
		if ((rc = hl_client_wait(&cl, id, progress, NULL, &state, err, sizeof(err))) < 0)
			goto fail;
		if (tty)
			fputc('\n', stderr);
		if (strcmp(cmd, "watch") == 0) {
			ex = state == HL_JOB_COMPLETED ? EX_OK : EX_JOB;
			goto done;
		}
		/* submit --wait: fetch and print the result */
	}
	if (strcmp(cmd, "submit") == 0 || strcmp(cmd, "results") == 0) {
		if ((rc = hl_client_result(&cl, id, &res, err, sizeof(err))) < 0)
			goto fail;
		ex = print_result(&res, format, by, out);
	} else if (strcmp(cmd, "cancel") == 0) {
		if ((rc = hl_client_cancel(&cl, id, err, sizeof(err))) < 0)
			goto fail;
		printf("job %" PRIu64 ": cancel requested\n", id);
	} else if (strcmp(cmd, "status") == 0) {
		static struct hl_cp_status st;
		if ((rc = hl_client_status(&cl, id, &st, err, sizeof(err))) < 0)
			goto fail;
		printf("%-14s %-20s %-10s %-10s %s\n", "job", "name", "state", "workflows",
		        "result");
		for (uint32_t i = 0; i < st.n; i++)
			printf("%-14" PRIu64 " %-20s %-10s %4u/%-5u %s\n", st.jobs[i].job_id,
			        st.jobs[i].name, hl_job_state_name(st.jobs[i].state),
			        st.jobs[i].wf_done, st.jobs[i].wf_total,
			        st.jobs[i].state < HL_JOB_COMPLETED ? "-"
			        : st.jobs[i].result_fetched         ? "fetched"
			                                            : "ready");
	} else if (strcmp(cmd, "nodes") == 0) {
		static struct hl_cp_nodes nd;
		if ((rc = hl_client_nodes(&cl, &nd, err, sizeof(err))) < 0)
			goto fail;
		printf("%-16s %-22s %-8s %-8s %s\n", "name", "roles", "dc", "state", "client");
		for (uint32_t i = 0; i < nd.n; i++)
			printf("%-16s %-22s %-8s %-8s %s\n", nd.nodes[i].name, nd.nodes[i].roles,
			        nd.nodes[i].dc, nd.nodes[i].state, nd.nodes[i].mgmt);
	}
done:
	hl_client_close(&cl);
	return ex;
fail:
	fprintf(stderr, "hlctl: %s\n", err);
	hl_client_close(&cl);
	return exit_for(rc);
}
