/* cfgtest.h — helpers shared by the lib/cfg unit tests: the source tree's path (HL_SOURCE_ROOT,
 * set by meson), a private temp dir for bad fixtures, and text mutation of a good profile. */
#ifndef CFGTEST_H
#define CFGTEST_H

#include <stddef.h>

/** Path of a file in the source tree ("pmd-config/ixgbe.ini"), in a static buffer. */
const char *cfgtest_src(const char *rel);

/** Whole file as a malloc'd NUL-terminated string (asserts on failure). */
char *cfgtest_read(const char *path);

/** Create the test's temp dir once; returns its path. */
const char *cfgtest_tmpdir(void);

/** Write len bytes to <tmpdir>/<name>; returns the path in a static buffer. */
const char *cfgtest_write(const char *name, const void *data, size_t len);

/** Copy of text with the first occurrence of from replaced by to (asserts that from occurs). */
char *cfgtest_replace(const char *text, const char *from, const char *to);

/** Remove the temp dir and its files. */
void cfgtest_cleanup(void);

#endif
