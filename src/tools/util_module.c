/* The module, loaded as any client loads it: dlopen, C_GetInterface for
 * the PKCS#11 3.0 function list (C_GetFunctionList for a 2.40 module),
 * C_Initialize. Tokens are found by URI, objects by template. */
#include "config.h"

#include "tools/util.h"

#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef GUARDHSM_INSTALLED_MODULE
#define GUARDHSM_INSTALLED_MODULE "/usr/lib/x86_64-linux-gnu/pkcs11/guardhsm.so"
#endif

typedef CK_RV (*get_interface_fn)(CK_UTF8CHAR_PTR, CK_VERSION_PTR,
                                  CK_INTERFACE_PTR_PTR, CK_FLAGS);

/* Run from the build tree (src/tools/guardhsm-util), the module built
 * with it is src/pkcs11/.libs/guardhsm.so. */
static const char *build_tree_module(void)
{
	static char path[4096];
	char self[4096], resolved[4096];
	ssize_t length = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (length <= 0)
		return NULL;
	self[length] = '\0';
	char *directory = dirname(self);
	int written = snprintf(path, sizeof(path),
	                       "%s/../pkcs11/.libs/guardhsm.so", directory);
	if (written < 0 || (size_t)written >= sizeof(path) ||
	    realpath(path, resolved) == NULL)
		return NULL;
	snprintf(path, sizeof(path), "%s", resolved);
	return path;
}

const char *util_module_path(const char *option, const char **origin)
{
	const char *from_environment = getenv("GUARDHSM_MODULE");
	const char *built;
	if (option != NULL) {
		*origin = "--module";
		return option;
	}
	if (from_environment != NULL && from_environment[0] != '\0') {
		*origin = "GUARDHSM_MODULE";
		return from_environment;
	}
	if (access(GUARDHSM_INSTALLED_MODULE, R_OK) != 0 &&
	    (built = build_tree_module()) != NULL) {
		*origin = "build tree";
		return built;
	}
	*origin = "default";
	return GUARDHSM_INSTALLED_MODULE;
}

static CK_RV load_3_0(util_module *module, get_interface_fn get_interface)
{
	CK_VERSION version = {3, 0};
	CK_INTERFACE *interface = NULL;
	CK_RV rv = get_interface((CK_UTF8CHAR_PTR) "PKCS 11", &version,
	                         &interface, 0);
	if (rv == CKR_OK && interface == NULL)
		rv = CKR_GENERAL_ERROR;
	if (rv != CKR_OK)
		return rv;
	/* The 3.0 list begins with the 2.40 list's members. */
	module->functions = (CK_FUNCTION_LIST *)interface->pFunctionList;
	/* Optional: another module, or an older guardhsm, lacks it. */
	CK_VERSION vendor_version = {GUARDHSM_VENDOR_VERSION_MAJOR,
	                             GUARDHSM_VENDOR_VERSION_MINOR};
	interface = NULL;
	if (get_interface((CK_UTF8CHAR_PTR)GUARDHSM_VENDOR_INTERFACE_NAME,
	                  &vendor_version, &interface, 0) == CKR_OK &&
	    interface != NULL)
		module->vendor = interface->pFunctionList;
	return CKR_OK;
}

static CK_RV load_2_40(util_module *module)
{
	CK_C_GetFunctionList get_list = (CK_C_GetFunctionList)dlsym(
	        module->handle, "C_GetFunctionList");
	if (get_list == NULL)
		return CKR_FUNCTION_NOT_SUPPORTED;
	CK_RV rv = get_list(&module->functions);
	if (rv == CKR_OK && module->functions == NULL)
		rv = CKR_GENERAL_ERROR;
	return rv;
}

int util_module_load(const char *option, util_module *module)
{
	memset(module, 0, sizeof(*module));
	const char *origin;
	const char *path = util_module_path(option, &origin);
	snprintf(module->path, sizeof(module->path), "%s", path);
	if (access(path, R_OK) != 0)
		return util_error(
		        UTIL_EXIT_NOT_FOUND,
		        "no module at %s (%s): %s; give --module PATH "
		        "or set GUARDHSM_MODULE",
		        path, origin, strerror(errno));
	module->handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (module->handle == NULL)
		return util_error(UTIL_EXIT_FAILED, "cannot load %s: %s", path,
		                  dlerror());
	get_interface_fn get_interface =
	        (get_interface_fn)dlsym(module->handle, "C_GetInterface");
	CK_RV rv = get_interface != NULL ? load_3_0(module, get_interface)
	                                 : load_2_40(module);
	if (rv != CKR_OK) {
		util_module_unload(module);
		return util_rv_error(rv,
		                     get_interface != NULL
		                             ? "C_GetInterface (PKCS 11, 3.0)"
		                             : "C_GetFunctionList");
	}
	CK_C_INITIALIZE_ARGS arguments = {0};
	arguments.flags = CKF_OS_LOCKING_OK;
	rv = module->functions->C_Initialize(&arguments);
	if (rv != CKR_OK) {
		util_module_unload(module);
		return util_rv_error(rv, "C_Initialize");
	}
	module->initialised = true;
	return UTIL_EXIT_OK;
}

void util_module_unload(util_module *module)
{
	if (module->initialised)
		module->functions->C_Finalize(NULL);
	module->initialised = false;
	if (module->handle != NULL)
		dlclose(module->handle);
	module->handle = NULL;
	module->functions = NULL;
	module->vendor = NULL;
}

void util_padded_string(const CK_UTF8CHAR *field, size_t size, char *out)
{
	size_t length = size;
	while (length > 0 &&
	       (field[length - 1] == ' ' || field[length - 1] == 0))
		length--;
	memcpy(out, field, length);
	out[length] = '\0';
}

static int slot_list(util_module *module, CK_SLOT_ID **slots, CK_ULONG *count)
{
	*slots = NULL;
	CK_RV rv = module->functions->C_GetSlotList(CK_TRUE, NULL, count);
	if (rv == CKR_OK) {
		*slots = calloc(*count ? *count : 1, sizeof(**slots));
		if (*slots == NULL)
			return util_error(UTIL_EXIT_FAILED, "out of memory");
		rv = module->functions->C_GetSlotList(CK_TRUE, *slots, count);
	}
	if (rv != CKR_OK) {
		free(*slots);
		*slots = NULL;
		return util_rv_error(rv, "C_GetSlotList");
	}
	return UTIL_EXIT_OK;
}

int util_token_find(util_module *module, P11KitUri *uri, util_token *out)
{
	CK_SLOT_ID *slots;
	CK_ULONG count;
	int status = slot_list(module, &slots, &count);
	if (status != UTIL_EXIT_OK)
		return status;
	size_t matches = 0, unreadable = 0;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		CK_RV rv = module->functions->C_GetTokenInfo(slots[i], &info);
		if (rv == CKR_TOKEN_NOT_RECOGNIZED)
			unreadable++;
		if (rv != CKR_OK || !(info.flags & CKF_TOKEN_INITIALIZED) ||
		    !util_uri_match_token(uri, &info))
			continue;
		if (matches++ == 0) {
			out->slot = slots[i];
			out->info = info;
		}
	}
	free(slots);
	if (matches == 0) {
		if (unreadable > 0)
			util_warning("%zu token file(s) could not be read "
			             "(guardhsm-util check --file PATH "
			             "examines one)",
			             unreadable);
		return util_error(UTIL_EXIT_NOT_FOUND,
		                  "no initialised token matches the URI "
		                  "(guardhsm-util list shows the tokens)");
	}
	if (matches > 1)
		return util_usage_error("%zu tokens match the URI: name one "
		                        "(pkcs11:serial=...)",
		                        matches);
	return UTIL_EXIT_OK;
}

int util_empty_slot(util_module *module, CK_SLOT_ID *slot)
{
	CK_SLOT_ID *slots;
	CK_ULONG count;
	int status = slot_list(module, &slots, &count);
	if (status != UTIL_EXIT_OK)
		return status;
	status = UTIL_EXIT_FAILED;
	for (CK_ULONG i = 0; i < count; i++) {
		CK_TOKEN_INFO info;
		if (module->functions->C_GetTokenInfo(slots[i], &info) ==
		            CKR_OK &&
		    !(info.flags & CKF_TOKEN_INITIALIZED)) {
			*slot = slots[i];
			status = UTIL_EXIT_OK;
			break;
		}
	}
	free(slots);
	if (status != UTIL_EXIT_OK)
		return util_error(status, "the module offers no slot with an "
		                          "uninitialised token");
	return status;
}

int util_session_open(util_module *module, const util_token *token, bool rw,
                      CK_SESSION_HANDLE *session)
{
	CK_FLAGS flags = CKF_SERIAL_SESSION | (rw ? CKF_RW_SESSION : 0);
	CK_RV rv = module->functions->C_OpenSession(token->slot, flags, NULL,
	                                            NULL, session);
	return rv == CKR_OK ? UTIL_EXIT_OK : util_rv_error(rv, "C_OpenSession");
}

int util_login(util_module *module, CK_SESSION_HANDLE session,
               CK_USER_TYPE user, const util_secret *pin)
{
	CK_RV rv = module->functions->C_Login(
	        session, user, (CK_UTF8CHAR_PTR)util_secret_data(pin),
	        (CK_ULONG)pin->length);
	if (rv == CKR_OK)
		return UTIL_EXIT_OK;
	return util_rv_error(rv, user == CKU_SO ? "SO login" : "login");
}

int util_objects_find(util_module *module, CK_SESSION_HANDLE session,
                      CK_ATTRIBUTE *template, CK_ULONG count,
                      CK_OBJECT_HANDLE **objects, CK_ULONG *found)
{
	*objects = NULL;
	*found = 0;
	CK_RV rv =
	        module->functions->C_FindObjectsInit(session, template, count);
	if (rv != CKR_OK)
		return util_rv_error(rv, "C_FindObjectsInit");
	size_t capacity = 0;
	for (;;) {
		if (*found == capacity) {
			size_t grown = capacity ? capacity * 2 : 64;
			CK_OBJECT_HANDLE *bigger =
			        realloc(*objects, grown * sizeof(**objects));
			if (bigger == NULL) {
				rv = CKR_HOST_MEMORY;
				break;
			}
			*objects = bigger;
			capacity = grown;
		}
		CK_ULONG got = 0;
		rv = module->functions->C_FindObjects(
		        session, *objects + *found, capacity - *found, &got);
		if (rv != CKR_OK || got == 0)
			break;
		*found += got;
	}
	CK_RV final = module->functions->C_FindObjectsFinal(session);
	if (rv == CKR_OK)
		rv = final;
	if (rv != CKR_OK) {
		free(*objects);
		*objects = NULL;
		*found = 0;
		return util_rv_error(rv, "C_FindObjects");
	}
	return UTIL_EXIT_OK;
}

CK_RV util_attribute_get(util_module *module, CK_SESSION_HANDLE session,
                         CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                         unsigned char **value, CK_ULONG *length)
{
	*value = NULL;
	*length = 0;
	CK_ATTRIBUTE attribute = {type, NULL, 0};
	CK_RV rv = module->functions->C_GetAttributeValue(session, object,
	                                                  &attribute, 1);
	if (rv == CKR_ATTRIBUTE_TYPE_INVALID || rv == CKR_ATTRIBUTE_SENSITIVE)
		return CKR_OK;
	if (rv != CKR_OK)
		return rv;
	if (attribute.ulValueLen == CK_UNAVAILABLE_INFORMATION ||
	    attribute.ulValueLen == 0)
		return CKR_OK;
	attribute.pValue = malloc(attribute.ulValueLen);
	if (attribute.pValue == NULL)
		return CKR_HOST_MEMORY;
	rv = module->functions->C_GetAttributeValue(session, object, &attribute,
	                                            1);
	if (rv != CKR_OK) {
		free(attribute.pValue);
		return rv;
	}
	*value = attribute.pValue;
	*length = attribute.ulValueLen;
	return CKR_OK;
}

bool util_attribute_ulong(util_module *module, CK_SESSION_HANDLE session,
                          CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                          CK_ULONG *value)
{
	CK_ATTRIBUTE attribute = {type, value, sizeof(*value)};
	return module->functions->C_GetAttributeValue(
	               session, object, &attribute, 1) == CKR_OK &&
	       attribute.ulValueLen == sizeof(*value);
}

bool util_attribute_bool(util_module *module, CK_SESSION_HANDLE session,
                         CK_OBJECT_HANDLE object, CK_ATTRIBUTE_TYPE type,
                         bool *value)
{
	CK_BBOOL flag = CK_FALSE;
	CK_ATTRIBUTE attribute = {type, &flag, sizeof(flag)};
	if (module->functions->C_GetAttributeValue(session, object, &attribute,
	                                           1) != CKR_OK ||
	    attribute.ulValueLen != sizeof(flag))
		return false;
	*value = flag == CK_TRUE;
	return true;
}
