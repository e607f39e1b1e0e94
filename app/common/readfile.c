/* readfile.c — read a whole (bounded) local file, for clients sending profiles. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "hl_readfile.h"

int
hl_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen)
{
	FILE *f = fopen(path, "rb");
	struct stat sb;
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		fclose(f);
		return -EINVAL;
	}
	if ((size_t)sb.st_size > max) {
		snprintf(err, errlen, "%s: %lld bytes, over the %zu-byte limit", path,
		        (long long)sb.st_size, max);
		fclose(f);
		return -EFBIG;
	}
	char *b = malloc((size_t)sb.st_size + 1);
	if (b == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	size_t n = fread(b, 1, (size_t)sb.st_size, f);
	fclose(f);
	b[n] = '\0';
	*out = b;
	*len = n;
	return 0;
}
