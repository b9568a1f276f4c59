/*
 * ussd_screens.c: the screens the engine shows of its own (the ID
 * challenge and refusals) beside the menu's (see ussd_internal.h).
 */
#include <string.h>

#include "ussd_internal.h"

#define HOUSEHOLD_ID_MAX	32

/* Screens the engine itself shows: the ID challenge and refusals. */
static struct ussd_screen pseudo[] = {
	{ .id = "_id6", .text = "verify_id6", .input = "_id6",
	  .input_min = 6, .input_max = 6 },
	{ .id = "_hh", .text = "verify_household", .input = "_hh",
	  .input_min = 1, .input_max = HOUSEHOLD_ID_MAX },
	{ .id = "_locked", .text = "locked", .end = true },
	{ .id = "_refused", .text = "not_cadre", .end = true },
	{ .id = "_too_long", .text = "session_too_long", .end = true },
};

const struct ussd_screen *
ussd_screen_in(const struct ussd_menu *m, const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		if (strcmp(pseudo[i].id, id) == 0)
			return &pseudo[i];
	return ussd_menu_screen(m, id);
}

const struct ussd_screen *
ussd_screen_of(const struct engine *e, const char *id)
{
	return ussd_screen_in(e->menu, id);
}
