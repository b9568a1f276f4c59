/*
 * http_params.c: query, form and JSON parameters (see http_params.h).
 */
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "charset.h"
#include "http_params.h"
#include "http_server.h"

#define JSON_MAX_DEPTH 8

enum fp_err
http_params_json(const char *body, size_t len, struct json_object **out,
    const char **why)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;

	if (len == 0) {
		*why = "empty JSON body";
		return FP_EINVAL;
	}
	tok = json_tokener_new_ex(JSON_MAX_DEPTH);
	if (tok == NULL)
		return FP_ENOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT |
	    JSON_TOKENER_VALIDATE_UTF8);
	o = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	/* Trailing bytes after the object are garbage too. */
	if (o != NULL && jerr == json_tokener_success &&
	    json_tokener_get_parse_end(tok) < len) {
		json_object_put(o);
		o = NULL;
		jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (o == NULL || jerr != json_tokener_success) {
		json_object_put(o);
		*why = "body: not valid JSON";
		return FP_EINVAL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		*why = "body: must be a JSON object";
		return FP_EINVAL;
	}
	*out = o;
	return FP_OK;
}

struct in_both {
	const struct form	*form;
	struct json_object	*json;
	bool			 found;
};

static enum MHD_Result
query_arg_in_body(void *cls, enum MHD_ValueKind kind, const char *key,
    const char *value)
{
	struct in_both *b = cls;

	(void)kind;
	(void)value;
	if (key == NULL)
		return MHD_YES;
	if ((b->form != NULL && form_get(b->form, key, NULL) != NULL) ||
	    (b->json != NULL && json_object_object_get_ex(b->json, key, NULL))) {
		b->found = true;
		return MHD_NO;
	}
	return MHD_YES;
}

bool
http_params_in_both(struct http_req *req, const struct form *form,
    struct json_object *json)
{
	struct in_both b = { form, json, false };

	if (form == NULL && json == NULL)
		return false;
	MHD_get_connection_values(req->conn, MHD_GET_ARGUMENT_KIND,
	    query_arg_in_body, &b);
	return b.found;
}

enum fp_err
http_params_init(struct http_params *p, struct http_req *req,
    const char **why)
{
	const char *ct = http_req_header(req, "Content-Type");
	enum fp_err err = FP_OK;

	memset(p, 0, sizeof(*p));
	p->req = req;
	if (req->body_len == 0 || ct == NULL)
		return FP_OK;
	if (strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0) {
		err = form_parse(req->body, req->body_len, &p->form);
		if (err == FP_EINVAL)
			*why = "the form body is malformed";
	} else if (strncasecmp(ct, "application/json", 16) == 0) {
		err = http_params_json(req->body, req->body_len, &p->json,
		    why);
	} else {
		p->body_is_text = true;
	}
	/* SPEC 3.1: one source per parameter, on every route; a name in
	 * both would let the unsigned half speak for the signed one. */
	if (err == FP_OK && http_params_in_both(req, p->form, p->json)) {
		*why = "a parameter is given both in the query string and in "
		    "the body";
		err = FP_EINVAL;
	}
	return err;
}

void
http_params_cleanup(struct http_params *p)
{
	form_free(p->form);
	json_object_put(p->json);
	memset(p, 0, sizeof(*p));
}

const char *
http_params_get(struct http_params *p, const char *name, size_t *len)
{
	struct json_object *v;
	const char *s = NULL;
	size_t n = 0;

	if (MHD_lookup_connection_value_n(p->req->conn, MHD_GET_ARGUMENT_KIND,
	    name, strlen(name), &s, &n) == MHD_YES && s != NULL) {
		if (len != NULL)
			*len = n;
		return s;
	}
	if (p->form != NULL) {
		s = form_get(p->form, name, len);
		if (s != NULL)
			return s;
	}
	if (p->json != NULL && json_object_object_get_ex(p->json, name, &v) &&
	    (json_object_is_type(v, json_type_string) ||
	    json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double))) {
		s = json_object_get_string(v);
		if (len != NULL)
			*len = json_object_is_type(v, json_type_string) ?
			    (size_t)json_object_get_string_len(v) : strlen(s);
		return s;
	}
	return NULL;
}

/*
 * The charsets Kannel hands over (any case), as iconv names them; no
 * other name reaches iconv.  UCS-2 is big-endian as on the air.
 */
static const struct {
	const char	*name;
	const char	*iconv;
} known_charsets[] = {
	{ "UTF-8", NULL }, { "UTF8", NULL },
	{ "UTF-16BE", "UTF-16BE" }, { "UTF-16", "UTF-16" },
	{ "UCS-2", "UCS-2BE" }, { "UCS-2BE", "UCS-2BE" },
	{ "ISO-8859-1", "ISO-8859-1" }, { "ISO8859-1", "ISO-8859-1" },
	{ "LATIN1", "ISO-8859-1" },
	{ "WINDOWS-1252", "WINDOWS-1252" }, { "CP1252", "WINDOWS-1252" },
	{ "GB18030", "GB18030" }, { "GBK", "GBK" }, { "GB2312", "GB2312" },
};

enum fp_err
http_params_text(struct http_params *p, const char *raw, size_t len,
    char **out, size_t *out_len, const char **why)
{
	const char *charset = http_params_get(p, "charset", NULL);
	const char *coding = http_params_get(p, "coding", NULL);
	const char *from = NULL;
	size_t i;

	if (charset != NULL && *charset != '\0') {
		for (i = 0; i < sizeof(known_charsets) /
		    sizeof(known_charsets[0]); i++)
			if (strcasecmp(charset, known_charsets[i].name) == 0)
				break;
		if (i == sizeof(known_charsets) / sizeof(known_charsets[0])) {
			*why = "unsupported charset";
			return FP_EINVAL;
		}
		from = known_charsets[i].iconv;
	} else if (coding != NULL && strcmp(coding, "2") == 0)
		from = "UTF-16BE";
	if (from != NULL) {
		if (charset_to_utf8(from, raw, len, out, out_len) != FP_OK) {
			*why = "text cannot be converted from its charset";
			return FP_EINVAL;
		}
		return FP_OK;
	}
	if (!charset_is_utf8(raw, len)) {
		*why = "text is not valid UTF-8 (give charset)";
		return FP_EINVAL;
	}
	*out = malloc(len + 1);
	if (*out == NULL)
		return FP_ENOMEM;
	memcpy(*out, raw, len);
	(*out)[len] = '\0';
	*out_len = len;
	return FP_OK;
}
