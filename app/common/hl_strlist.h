/* hl_strlist.h — split a comma-separated profile value ("a, b,c") into trimmed items in place. */
#ifndef HL_STRLIST_H
#define HL_STRLIST_H

#include <ctype.h>
#include <errno.h>
#include <string.h>

/** Split s in place into at most max non-empty trimmed items; returns the count or -E2BIG. */
static inline int
hl_strlist_split(char *s, char **items, int max)
{
	int n = 0;
	char *save = NULL;
	for (char *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*t))
			t++;
		char *end = t + strlen(t);
		while (end > t && isspace((unsigned char)end[-1]))
			*--end = '\0';
		if (*t == '\0')
			continue;
		if (n == max)
			return -E2BIG;
		items[n++] = t;
	}
	return n;
}

#endif
