/* driver_shim.h — force-included into the cfg fuzz targets: glibc's <dirent.h> pulls in
 * <linux/limits.h>, whose MAX_INPUT tests/fuzz/driver.c redefines (an error under -Werror).
 * Including <limits.h> first and dropping the macro lets driver.c build unchanged; harmless once
 * driver.c renames its constant. */
#include <limits.h>
#undef MAX_INPUT
