/* err.c — names and strings for hyperline error codes (table in hl_err.h). */
#include <string.h>
#include <stdlib.h>

#include "hl_err.h"

static const char *const err_strings[] = {
#define HL_ERR_STR(n, s) s,
        HL_ERR_TABLE(HL_ERR_STR)
#undef HL_ERR_STR
};

static const char *const err_names[] = {
#define HL_ERR_NAME(n, s) "HL_E_" #n,
        HL_ERR_TABLE(HL_ERR_NAME)
#undef HL_ERR_NAME
};

const char *
hl_strerror(int err)
{
	int e = abs(err);

	if (e == 0)
		return "success";
	if (e >= HL_E_BASE && e < HL_E_LAST_)
		return err_strings[e - HL_E_BASE];
	return strerror(e);
}

const char *
hl_errname(int err)
{
	int e = abs(err);

	if (e == 0)
		return "OK";
	if (e >= HL_E_BASE && e < HL_E_LAST_)
		return err_names[e - HL_E_BASE];
	const char *n = strerrorname_np(e);
	return n != NULL ? n : "E?";
}
