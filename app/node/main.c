/* main.c — the hyperline node: EAL start (hugepage-free by default), node profile, rings,
 * ports, services, traffic lanes, then the control core on the main lcore until SIGINT/SIGTERM;
 * then a drain and an orderly stop. `--demo` runs the built-in all-in-one job. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "hl_err.h"
#include "hl_log.h"
#include "node.h"

struct hl_node hl_node;

int hl_self_check(void);

static char *owned[64]; /* arguments we strdup'ed (EAL may reorder eal_argv): freed at exit */
static int n_owned;

static void
free_owned(void)
{
	for (int i = 0; i < n_owned; i++)
		free(owned[i]);
	n_owned = 0;
}

void
hl_node_request_quit(void)
{
	__atomic_store_n(&hl_node.quit, 1, __ATOMIC_RELAXED);
}

static void
on_signal(int sig)
{
	(void)sig;
	hl_node_request_quit();
}

static void
usage(FILE *f)
{
	fprintf(f,
	        "usage: hyperline [EAL options] -- --profile NODE.ini\n"
	        "       hyperline [EAL options] -- --demo\n"
	        "       hyperline --demo            (default EAL options, no hugepages)\n"
	        "       hyperline [EAL options] -- --self-check\n"
	        "EAL options pass through to DPDK; without --no-huge, --in-memory or "
	        "--huge-unlink the node adds --in-memory so that no hugepage file outlives it.\n");
}

static bool
has_arg(int argc, char **argv, const char *a)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], a) == 0 || strncmp(argv[i], a, strlen(a)) == 0)
			return true;
	}
	return false;
}

/* rte_eal_cleanup, then the runtime directory this primary made under its unique --file-prefix
 * (/var/run/dpdk/<prefix>: config, fbarray files, about 2 MB with --no-huge): DPDK 22.11 leaves
 * it behind, and on a test machine that starts nodes by the thousand it fills /var/run. */
static void
eal_cleanup(void)
{
	char dir[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s", rte_eal_get_runtime_dir());
	rte_eal_cleanup();
	DIR *d = opendir(dir);
	if (d == NULL)
		return;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		char path[PATH_MAX + 256];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (unlink(path) != 0)
			fprintf(stderr, "hyperline: warning: cannot remove %s: %s\n", path,
			        strerror(errno));
	}
	closedir(d);
	if (rmdir(dir) != 0 && errno != ENOENT)
		fprintf(stderr, "hyperline: warning: cannot remove %s: %s\n", dir, strerror(errno));
}

int
main(int argc, char **argv)
{
	static char *eal_argv[64];
	static char prefix[64];
	int eal_argc = 0;
	char err[512];
	int rc = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	atexit(free_owned);
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	/* `hyperline --demo` alone: supply an EAL command line that works on any machine */
	if (argc == 2 && strcmp(argv[1], "--demo") == 0) {
		snprintf(prefix, sizeof(prefix), "hl-demo-%d", (int)getpid());
		const char *d[] = {argv[0], "--no-huge", "-m", "256", "--no-pci", "--file-prefix",
		        prefix, "--lcores", "(0-2)@(0-1)", "--vdev", "net_ring0", "--log-level",
		        "lib.eal:error", "--", "--demo"};
		for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
			eal_argv[eal_argc++] = owned[n_owned++] = strdup(d[i]);
	} else {
		if (argc > 60) {
			fprintf(stderr, "hyperline: too many arguments\n");
			return 2;
		}
		eal_argv[eal_argc++] = argv[0];
		if (!has_arg(argc, argv, "--no-huge") && !has_arg(argc, argv, "--in-memory") &&
		        !has_arg(argc, argv, "--huge-unlink"))
			eal_argv[eal_argc++] = owned[n_owned++] = strdup("--in-memory");
		for (int i = 1; i < argc; i++)
			eal_argv[eal_argc++] = argv[i];
	}
	eal_argv[eal_argc] = NULL;

	int ret = rte_eal_init(eal_argc, eal_argv);
	if (ret < 0) {
		fprintf(stderr, "hyperline: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 2;
	}
	int ac = eal_argc - ret;
	char **av = eal_argv + ret;
	bool demo = false;
	const char *profile = NULL;
	for (int i = 1; i < ac; i++) {
		if (strcmp(av[i], "--demo") == 0)
			demo = true;
		else if (strcmp(av[i], "--self-check") == 0) {
			rc = hl_self_check();
			eal_cleanup();
			return rc;
		} else if (strcmp(av[i], "--profile") == 0 && i + 1 < ac)
			profile = av[++i];
		else {
			fprintf(stderr, "hyperline: unknown option '%s'\n", av[i]);
			usage(stderr);
			eal_cleanup();
			return 2;
		}
	}
	if (!demo && profile == NULL) {
		usage(stderr);
		eal_cleanup();
		return 2;
	}
	hl_node.hz = rte_get_tsc_hz();
	hl_node.main_lcore = rte_get_main_lcore();
	if (demo)
		hl_node_cfg_demo(&hl_node.prof);
	else if ((rc = hl_node_cfg_load(profile, &hl_node.prof, err, sizeof(err))) < 0) {
		fprintf(stderr, "hyperline: %s\n", err);
		eal_cleanup();
		return 2;
	}
	if (hl_node_cfg_check_lcores(&hl_node.prof, err, sizeof(err)) < 0) {
		fprintf(stderr, "hyperline: %s\n", err);
		eal_cleanup();
		return 2;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	int stage = 0;
	if ((rc = hl_rings_create(err, sizeof(err))) < 0)
		goto fail;
	stage = 1;
	if ((rc = hl_ports_start(err, sizeof(err))) < 0)
		goto fail;
	stage = 2;
	if ((rc = hl_services_start(err, sizeof(err))) < 0)
		goto fail;
	stage = 3;
	if ((rc = hl_lanes_launch(err, sizeof(err))) < 0)
		goto fail;
	stage = 4;
	/* both log their failure with its reason; the node runs on without telemetry commands,
	 * or with results kept in memory only */
	if (hl_telemetry_register() < 0)
		fprintf(stderr,
		        "hyperline: warning: /hyperline/* telemetry commands unavailable\n");
	if (!demo && /* the demo keeps nothing: results of a profiled node survive restarts */
	        hl_jobs_restore(hl_node.prof.state_dir) < 0)
		fprintf(stderr, "hyperline: warning: %s: results will not survive a restart\n",
		        hl_node.prof.state_dir);
	printf("hyperline: node %s up (roles %s, dc %s, %u test port(s), %u traffic lane(s), "
	       "%s polling)\n",
	        hl_node.prof.name, hl_node.prof.roles_str, hl_node.prof.dc, hl_node.n_ports,
	        hl_node.prof.n_traffic, hl_node.prof.adaptive ? "adaptive" : "busy");
	rc = hl_control_run(demo);
	goto stop;
fail:
	fprintf(stderr, "hyperline: %s\n", err);
	rc = 2;
stop:
	hl_node_request_quit();
	if (stage >= 4)
		hl_lanes_wait();
	if (stage >= 3) {
		hl_services_stop();
		hl_membership_stop(); /* graceful SWIM leave, once its service lcore stopped */
	}
	if (stage >= 2 || stage == 1)
		hl_ports_stop();
	hl_rings_free();
	eal_cleanup();
	printf("hyperline: node %s stopped\n", hl_node.prof.name);
	return rc;
}
