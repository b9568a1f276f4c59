/*
 * ussd_screens.c: the screens the engine shows of its own (the ID
 * challenge and refusals) beside the menu's (see ussd_internal.h).
 */
#include <string.h>

#include "ussd_engine.h"
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

void
ussd_screens_each(const struct ussd_menu *m,
    void (*fn)(const char *id, const char *text_key, void *arg), void *arg)
{
	size_t i;

	for (i = 0; m != NULL && i < m->n_screens; i++)
		fn(m->screens[i].id, m->screens[i].text, arg);
	for (i = 0; i < sizeof(pseudo) / sizeof(pseudo[0]); i++)
		fn(pseudo[i].id, pseudo[i].text, arg);
}

struct add_screens {
	struct tplmap_texts	*x;
	const struct templates	*t;
	enum fp_err		 err;
};

static void
add_screen(const char *id, const char *text_key, void *arg)
{
	struct add_screens *a = arg;

	if (a->err == FP_OK)
		a->err = tplmap_texts_add_screen(a->x, a->t, id, text_key);
}

enum fp_err
ussd_outgoing_texts(const struct templates *t, const struct ussd_menu *m,
    struct tplmap_texts **out)
{
	struct add_screens a;
	enum fp_err err;

	err = tplmap_texts_new(t, out);
	if (err != FP_OK)
		return err;
	a = (struct add_screens){ *out, t, FP_OK };
	if (m != NULL)
		ussd_screens_each(m, add_screen, &a);
	if (a.err != FP_OK) {
		tplmap_texts_free(*out);
		*out = NULL;
	}
	return a.err;
}
