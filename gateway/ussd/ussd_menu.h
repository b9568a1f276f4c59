/*
 * ussd_menu.h: the menu tree behind USSD and the SMS menu, declared in
 * templates/menu.conf (libconfig), not in C: screens, their options,
 * free-text inputs, lists, confirmations and the actions they lead to.
 * The texts are templates/<lang>/ussd/<key>.txt.  Rewording or
 * reordering a menu needs a restart, never a rebuild.
 *
 * A screen shows `text` (rendered with the session's variables and what
 * its `view` provides), then either numbered `options`, or the numbered
 * items of a `list` (each rendered with `item`; choosing one sets the
 * list's variable and goes to `go`), or waits for free text (`input`,
 * stored in that variable, then `go`).  `action` runs once on entering
 * the screen; `fail` is the text shown when it cannot be done.  `need`
 * ("household" or "cadre") asks for who the caller is first.  `end`
 * closes the session after the screen.
 */
#ifndef FP_USSD_MENU_H
#define FP_USSD_MENU_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define USSD_ID_MAX 32

enum ussd_need {
	USSD_NEED_NONE,
	USSD_NEED_HOUSEHOLD,	/* a registered number, or the ID challenge */
	USSD_NEED_CADRE,	/* a number registered to a cadre */
};

struct ussd_option {
	char	*text;		/* template key */
	char	*go;		/* screen id */
	char	*set_name;	/* "set = name=value": or NULL */
	char	*set_value;
};

struct ussd_screen {
	char			*id;
	char			*text;		/* template key, always */
	char			*view;		/* data shown, or NULL */
	char			*list;		/* list source, or NULL */
	char			*item;		/* template key per list item */
	char			*empty;		/* template key: empty list */
	char			*input;		/* variable for free text */
	int			 input_min;	/* characters */
	int			 input_max;
	char			*action;	/* or NULL */
	char			*fail;		/* template key: action failed */
	char			*param;		/* program code for views */
	char			*go;		/* after input or list choice */
	enum ussd_need		 need;
	bool			 end;
	struct ussd_option	*options;
	size_t			 n_options;
	int			 line;		/* in menu.conf */
};

struct ussd_menu {
	char			*file;
	char			*villager_start;	/* screen ids */
	char			*cadre_start;
	struct ussd_screen	*screens;
	size_t			 n_screens;
};

/*
 * Read and check path (every `go` names a screen, every view, list and
 * action is one the engine knows, ids are unique).  FP_EINVAL with
 * *why (malloc'd, caller frees) "FILE:LINE: message"; FP_ENOTFOUND when
 * the file is missing (also in *why); FP_ENOMEM.
 */
enum fp_err ussd_menu_load(const char *path, struct ussd_menu **out,
    char **why);

void ussd_menu_free(struct ussd_menu *m);

/* The screen with this id, or NULL. */
const struct ussd_screen *ussd_menu_screen(const struct ussd_menu *m,
    const char *id);

/* The names the engine implements (ussd_views.c), NULL-terminated. */
extern const char *const ussd_view_names[];
extern const char *const ussd_list_names[];
extern const char *const ussd_action_names[];

#endif
