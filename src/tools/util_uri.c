/* PKCS#11 URIs (RFC 7512), parsed and matched by p11-kit. */
#include "config.h"

#include "tools/util.h"

#include <p11-kit/uri.h>
#include <string.h>

int util_uri_parse(const char *text, P11KitUri **out)
{
	*out = p11_kit_uri_new();
	if (*out == NULL)
		return util_error(UTIL_EXIT_FAILED, "out of memory");
	if (text == NULL)
		return UTIL_EXIT_OK; /* matches everything */
	int result = p11_kit_uri_parse(text, P11_KIT_URI_FOR_ANY, *out);
	if (result != P11_KIT_URI_OK) {
		p11_kit_uri_free(*out);
		*out = NULL;
		return util_usage_error("bad PKCS#11 URI '%s': %s (expected "
		                        "e.g. pkcs11:token=NAME or "
		                        "pkcs11:token=NAME;object=LABEL)",
		                        text, p11_kit_uri_message(result));
	}
	if (p11_kit_uri_any_unrecognized(*out)) {
		p11_kit_uri_free(*out);
		*out = NULL;
		return util_usage_error("the PKCS#11 URI '%s' has attributes "
		                        "this tool does not know",
		                        text);
	}
	return UTIL_EXIT_OK;
}

void util_uri_free(P11KitUri *uri)
{
	if (uri != NULL)
		p11_kit_uri_free(uri);
}

bool util_uri_match_token(P11KitUri *uri, const CK_TOKEN_INFO *info)
{
	return p11_kit_uri_match_token_info(uri, info) == 1;
}

CK_ATTRIBUTE *util_uri_attributes(P11KitUri *uri, CK_ULONG *count)
{
	return p11_kit_uri_get_attributes(uri, count);
}

bool util_uri_is_token_only(P11KitUri *uri)
{
	CK_ULONG count = 0;
	p11_kit_uri_get_attributes(uri, &count);
	return count == 0;
}
