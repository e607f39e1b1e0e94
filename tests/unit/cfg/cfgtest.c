/* cfgtest.c — helpers for the lib/cfg unit tests (see cfgtest.h). */
#include <dirent.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cfgtest.h"

static char tmpdir[256];

const char *
cfgtest_src(const char *rel)
{
	static char path[512];
	const char *root = getenv("HL_SOURCE_ROOT");
	assert_non_null(root);
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	return path;
}

char *
cfgtest_read(const char *path)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	assert_true(n >= 0);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

const char *
cfgtest_tmpdir(void)
{
	if (tmpdir[0] == '\0') {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/hl_cfgtest.XXXXXX");
		assert_non_null(mkdtemp(tmpdir));
	}
	return tmpdir;
}

const char *
cfgtest_write(const char *name, const void *data, size_t len)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", cfgtest_tmpdir(), name);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
	return path;
}

char *
cfgtest_replace(const char *text, const char *from, const char *to)
{
	const char *at = strstr(text, from);
	if (at == NULL)
		fail_msg("fixture text '%s' not found", from);
	size_t a = (size_t)(at - text), fl = strlen(from), tl = strlen(to), n = strlen(text);
	char *out = malloc(n - fl + tl + 1);
	assert_non_null(out);
	memcpy(out, text, a);
	memcpy(out + a, to, tl);
	memcpy(out + a + tl, at + fl, n - a - fl + 1);
	return out;
}

void
cfgtest_cleanup(void)
{
	if (tmpdir[0] == '\0')
		return;
	DIR *d = opendir(tmpdir);
	if (d != NULL) {
		struct dirent *e;
		char path[600];
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}
