/* job_slice.c — the profile of one workflow of a job: what a worker runs for one slice. The job
 * leader manager cuts it out of the job's profile text and sends it in the dispatch (the
 * workflow_dispatch `spec`, at most HL_WIRE_WF_SPEC_MAX bytes), so a worker needs nothing else
 * of the job. Canonical form: one "key=value" line per key, no comments, no blank lines. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hl_err.h"
#include "hl_ini.h"
#include "hl_job_profile.h"

struct out {
	char *p;
	size_t cap, len;
	bool over;
};

static void
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	size_t room = o->len < o->cap ? o->cap - o->len : 0;
	int n = vsnprintf(room > 0 ? o->p + o->len : NULL, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		o->over = true;
	o->len += n > 0 ? (size_t)n : 0;
}

/* Section kind from its name: 'j' [job], 'w' [workflow ...], 's' [stream ...], 0 other. */
static char
kind(const char *s)
{
	size_t tl = strcspn(s, " \t.");
	if (strcmp(s, "job") == 0)
		return 'j';
	if (tl == 8 && strncmp(s, "workflow", 8) == 0)
		return 'w';
	if (tl == 6 && strncmp(s, "stream", 6) == 0)
		return 's';
	return 0;
}

int
hl_job_profile_slice(const struct hl_job_spec *js, const void *text, size_t len, unsigned wf,
        char *buf, size_t cap, size_t *outlen, char *err, size_t errlen)
{
	struct hl_ini *ini = NULL;
	struct out o = {buf, cap, 0, false};
	bool want_st[HL_JOB_MAX_STREAMS] = {false};
	int rc;

	if (wf >= js->n_workflows) {
		snprintf(err, errlen, "job has %u workflows, no workflow #%u", js->n_workflows, wf);
		return -ENOENT;
	}
	for (unsigned i = 0; i < js->workflows[wf].n_streams; i++)
		want_st[js->workflows[wf].streams[i]] = true;
	if ((rc = hl_ini_load_buf(&ini, "job profile", text, len, err, errlen)) < 0)
		return rc;
	put(&o, "[job]\nname=%s\n", js->name);
	unsigned nwf = 0, nst = 0;
	for (unsigned s = 0; s < hl_ini_num_sections(ini); s++) {
		const char *name = hl_ini_section(ini, s);
		char k = kind(name);
		bool keep = false;
		unsigned st = nst;
		if (k == 'w')
			keep = nwf++ == wf;
		else if (k == 's')
			keep = nst++ < HL_JOB_MAX_STREAMS && want_st[st];
		if (!keep)
			continue;
		put(&o, "[%s]\n", name);
		/* A stream's default id is its position in the job's file, which the slice does
		 * not keep: state every id, or the slice's streams would be renumbered (and could
		 * collide with another stream's explicit id). */
		if (k == 's')
			put(&o, "id=%u\n", (unsigned)js->streams[st].spec.id);
		for (unsigned i = 0; i < hl_ini_num_keys(ini, s); i++) {
			const char *key = hl_ini_key(ini, s, i);
			if (k == 'w' && strcmp(key, "depends_on") == 0)
				continue; /* the job leader ran the dependencies already */
			if (k == 's' && strcmp(key, "id") == 0)
				continue; /* stated above */
			put(&o, "%s=%s\n", key, hl_ini_key_value(ini, s, i));
		}
	}
	hl_ini_free(ini);
	if (nwf != js->n_workflows || nst != js->n_streams) {
		snprintf(err, errlen,
		        "profile text does not match its parsed job (%u/%u workflows, "
		        "%u/%u streams)",
		        nwf, js->n_workflows, nst, js->n_streams);
		return -EINVAL;
	}
	if (o.over) {
		snprintf(err, errlen,
		        "workflow %s: its profile is %zu bytes, over the %zu a dispatch "
		        "carries",
		        js->workflows[wf].name, o.len, cap > 0 ? cap - 1 : 0);
		return -EMSGSIZE;
	}
	*outlen = o.len;
	return 0;
}
