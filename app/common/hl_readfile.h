/* hl_readfile.h — read a whole local file of bounded size (job profiles sent by clients). */
#ifndef HL_READFILE_H
#define HL_READFILE_H

#include <stddef.h>

/** Read a regular file of at most max bytes into a malloc'ed NUL-terminated buffer. Returns 0 or
 * a negative errno (-EFBIG over max) with "path: reason" in err. */
int hl_read_file(const char *path, size_t max, char **out, size_t *len, char *err, size_t errlen);

#endif
