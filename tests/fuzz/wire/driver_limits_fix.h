/* driver_limits_fix.h — force-included into the lib/wire fuzz targets ONLY to work around
 * tests/fuzz/driver.c defining MAX_INPUT, which <linux/limits.h> (pulled in by <dirent.h>)
 * already defines: including it first and dropping its MAX_INPUT lets driver.c compile under
 * -Werror. Remove once driver.c renames its macro. */
#include <limits.h>
#undef MAX_INPUT
