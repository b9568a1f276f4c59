/*
 * menu_outline.h: what the console shows of the USSD and SMS menu
 * (GET /api/v1/templates, SPEC 10, issue 17): its screens, where their
 * options lead, and which ussd/ texts each one shows.  Plain data,
 * made once at start and never changed after, so threads read it
 * together.
 *
 * The menu itself (templates/menu.conf) and its engine are the USSD
 * part's (gateway/ussd/), which the admin API may not use: the USSD
 * part fills an outline (ussd_menu_outline) and gateway/main.c hands it
 * to the API through struct gw.  Nothing here walks a menu or runs one.
 */
#ifndef FP_MENU_OUTLINE_H
#define FP_MENU_OUTLINE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "err.h"

/* Every string below is owned by the outline (menu_outline_free). */
struct menu_outline_option {
	char	*text;		/* ussd/ key of its line */
	char	*go;		/* the screen it leads to */
	char	*set_name;	/* "set = name=value", or NULL */
	char	*set_value;
	bool	 is_hidden;	/* the language menu does not offer it
				 * (menu_outline_hide_language) */
};

struct menu_outline_screen {
	char			*id;
	char			*text;		/* ussd/ key, always */
	char			*need;		/* "household", "cadre" or NULL */
	char			*view;		/* data shown, or NULL */
	char			*list;		/* list source, or NULL */
	char			*item;		/* ussd/ key per list line */
	char			*empty;		/* ussd/ key: empty list */
	char			*input;		/* variable of free text */
	char			*action;	/* what entering it does */
	char			*fail;		/* ussd/ key: action failed */
	char			*go;		/* after input or list choice */
	bool			 end;		/* the session ends here */
	struct menu_outline_option *options;
	size_t			 n_options;
};

struct menu_outline {
	char			*villager_start;	/* screen ids */
	char			*cadre_start;
	struct menu_outline_screen *screens;	/* menu.conf's order */
	size_t			 n_screens;
	/* Every ussd/ key the menu and the engine show, in the order a
	 * caller meets them (the menu's, then the engine's own). */
	char			**texts;
	size_t			 n_texts;
	/* Those the engine shows by itself (navigation lines, the ID
	 * challenge, refusals), a subset of texts. */
	char			**engine_texts;
	size_t			 n_engine_texts;
};

/* Everything, NULL ok. */
void menu_outline_free(struct menu_outline *o);

/*
 * Mark every option that sets lang=<lang> hidden: the language menu no
 * longer offers it (ussd_texts_hide_languages decides, at start).
 */
void menu_outline_hide_language(struct menu_outline *o, const char *lang);

/*
 * True when the language menu offers lang: some option sets lang=<lang>
 * and is not hidden.
 */
bool menu_outline_offers(const struct menu_outline *o, const char *lang);

/*
 * The outline as JSON (caller puts):
 * {"villager_start","cadre_start","screens":[{"id","text","need",
 * "view","list","item","empty","input","action","fail","go","end",
 * "options":[{"text","go","set","hidden"}],"texts":[the ussd/ keys the
 * screen shows]}],"texts":[...],"engine_texts":[...]}; a member the
 * screen lacks is null ("set": "name=value" or null).  NULL when out of
 * memory.
 */
struct json_object *menu_outline_json(const struct menu_outline *o);

#endif
