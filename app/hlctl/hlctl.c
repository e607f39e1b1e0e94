/* hlctl.c — the hyperline client: submit job profiles, follow progress, cancel, fetch results
 * (table, JSON, CSV), list nodes. Exit codes are part of the interface (see usage()). */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
	fprintf(f,
	        "usage: hlctl [-s HOST:PORT] COMMAND [ARGS]\n"
	        "  submit JOB.ini [--wait] [--format table|json|csv] [--out FILE]\n"
	        "  watch JOB_ID               follow progress until the job ends\n"
	        "  status [JOB_ID]            job states\n"
	        "  cancel JOB_ID\n"
	        "  results JOB_ID [--format table|json|csv] [--out FILE]\n"
	        "  nodes                      cluster members known to the node\n"
	        "The node is -s, else $HYPERLINE_SERVER, else 127.0.0.1:7400.\n"
	        "Exit codes: 0 ok (job completed), 1 job failed or cancelled, 2 usage, 3 "
	        "connection,\n"
	        "            4 rejected by the node, 5 job not found, 6 result not ready yet.\n");
}

static int
exit_for(int rc)
{
	if (rc == -HL_E_NOT_FOUND)
		return EX_NOTFOUND;
	if (rc == -EAGAIN)
		return EX_NOTREADY;
	if (rc == -ECONNRESET || rc == -ETIMEDOUT || rc == -ECONNREFUSED || rc == -EPIPE ||
	        rc == -HL_E_BAD_CRC || rc == -HL_E_BAD_MAGIC || rc == -HL_E_BAD_VERSION)
		return EX_CONN;
	return EX_REJECTED;
}

static bool tty;

static void
progress(const struct hl_cp_progress *p, void *arg)
{
	(void)arg;
	hl_report_progress(stderr, p, tty);
}

static int
print_result(const struct hl_cp_result *r, const char *format, const char *out)
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
		hl_report_check_ports(f, r);
	}
	if (f != stdout)
		fclose(f);
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
	const char *format = "table", *out = NULL;
	bool wait = false;
	static struct hl_cp_result res;
	static const struct option opts[] = {{"server", required_argument, NULL, 's'},
	        {"wait", no_argument, NULL, 'w'}, {"format", required_argument, NULL, 'f'},
	        {"out", required_argument, NULL, 'o'}, {"help", no_argument, NULL, 'h'},
	        {NULL, 0, NULL, 0}};
	int c;
	while ((c = getopt_long(argc, argv, "+s:wf:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
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
		bool takes = !strcmp(a, "-s") || !strcmp(a, "--server") || !strcmp(a, "-f") ||
		             !strcmp(a, "--format") || !strcmp(a, "-o") || !strcmp(a, "--out");
		if (takes && i + 1 >= argc) {
			fprintf(stderr, "hlctl: %s needs a value\n", a);
			return EX_USAGE;
		}
		if (!strcmp(a, "-s") || !strcmp(a, "--server"))
			server = argv[++i];
		else if (!strcmp(a, "-f") || !strcmp(a, "--format"))
			format = argv[++i];
		else if (!strcmp(a, "-o") || !strcmp(a, "--out"))
			out = argv[++i];
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
	if (server == NULL)
		server = "127.0.0.1:7400";
	tty = isatty(STDERR_FILENO);

	struct hl_client cl;
	char err[600];
	uint64_t id = 0;
	int rc;
	char *text = NULL;
	size_t len = 0;

	if (strcmp(cmd, "submit") == 0) {
		if (nargs != 1) {
			usage(stderr);
			return EX_USAGE;
		}
		if (hl_read_file(args[0], HL_CPROTO_MAX_BODY - 64, &text, &len, err, sizeof(err)) <
		        0) {
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

	if (hl_client_connect(&cl, server, 2000, err, sizeof(err)) < 0) {
		fprintf(stderr, "hlctl: %s\n", err);
		free(text);
		return EX_CONN;
	}
	int ex = EX_OK;
	struct hl_cproto_hdr h;
	const uint8_t *b;
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
		ex = print_result(&res, format, out);
	} else if (strcmp(cmd, "cancel") == 0) {
		int n = hl_cp_enc_job_id(hl_client_scratch(&cl), 64, id);
		if ((rc = hl_client_call(&cl, HL_CP_CANCEL, hl_client_scratch(&cl), (uint32_t)n,
		             HL_CP_OK, 10000, NULL, NULL, &h, &b, err, sizeof(err))) < 0)
			goto fail;
		printf("job %" PRIu64 ": cancel requested\n", id);
	} else if (strcmp(cmd, "status") == 0) {
		static struct hl_cp_status st;
		int n = hl_cp_enc_job_id(hl_client_scratch(&cl), 64, id);
		if ((rc = hl_client_call(&cl, HL_CP_STATUS_REQ, hl_client_scratch(&cl), (uint32_t)n,
		             HL_CP_STATUS, 10000, NULL, NULL, &h, &b, err, sizeof(err))) < 0)
			goto fail;
		if ((rc = hl_cp_dec_status(b, h.body_len, &st)) < 0) {
			snprintf(err, sizeof(err), "malformed STATUS: %s", hl_strerror(rc));
			goto fail;
		}
		printf("%-8s %-20s %-10s %-10s %s\n", "job", "name", "state", "workflows",
		        "result");
		for (uint32_t i = 0; i < st.n; i++)
			printf("%-8" PRIu64 " %-20s %-10s %4u/%-5u %s\n", st.jobs[i].job_id,
			        st.jobs[i].name, hl_job_state_name(st.jobs[i].state),
			        st.jobs[i].wf_done, st.jobs[i].wf_total,
			        st.jobs[i].state < HL_JOB_COMPLETED ? "-"
			        : st.jobs[i].result_fetched         ? "fetched"
			                                            : "ready");
	} else if (strcmp(cmd, "nodes") == 0) {
		static struct hl_cp_nodes nd;
		int n = hl_cp_enc_empty(hl_client_scratch(&cl), 64);
		if ((rc = hl_client_call(&cl, HL_CP_NODES_REQ, hl_client_scratch(&cl), (uint32_t)n,
		             HL_CP_NODES, 10000, NULL, NULL, &h, &b, err, sizeof(err))) < 0)
			goto fail;
		if ((rc = hl_cp_dec_nodes(b, h.body_len, &nd)) < 0) {
			snprintf(err, sizeof(err), "malformed NODES: %s", hl_strerror(rc));
			goto fail;
		}
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
