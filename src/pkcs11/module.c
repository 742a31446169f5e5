/* Module life cycle: C_Initialize, C_Finalize, C_GetInfo, and the 2.40 and
 * 3.0 function lists and interfaces. */
#include "config.h"

#include "crypto/crypto.h"
#include "enclave/enclave.h"
#include "pkcs11/entry.h"
#include "pkcs11/module.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

p11_module p11_state;

static atomic_bool initialised;
/* Set in a forked child: the parent's state is not ours to use. */
static atomic_bool forked;
static pthread_once_t atfork_once = PTHREAD_ONCE_INIT;
/* Serialises C_Initialize and C_Finalize against each other. */
static pthread_mutex_t lifecycle_lock = PTHREAD_MUTEX_INITIALIZER;

static void mark_forked(void)
{
	if (atomic_load(&initialised))
		atomic_store(&forked, true);
	pthread_mutex_init(&lifecycle_lock, NULL);
}

static void register_atfork(void)
{
	pthread_atfork(NULL, NULL, mark_forked);
}

CK_RV p11_check_initialised(void)
{
	if (!atomic_load(&initialised) || atomic_load(&forked))
		return CKR_CRYPTOKI_NOT_INITIALIZED;
	return CKR_OK;
}

static CK_RV check_init_args(const CK_C_INITIALIZE_ARGS *args)
{
	if (args == NULL)
		return CKR_OK;
	if (args->pReserved != NULL)
		return CKR_ARGUMENTS_BAD;
	return p11_locking_configure(args);
}

/* OpenSSL's secure heap holds private BIGNUMs while a call uses a key.
 * If we set it up, its locked arena comes out of the enclave's budget. */
static CK_RV start_crypto(const p11_config *config, size_t *heap_locked)
{
	bool here = false;
	cry_status status = cry_init(config->secure_heap, &here);
	if (status != CRY_OK) {
		p11_log(P11_LOG_ERROR,
		        "cannot set up OpenSSL's secure heap: %s",
		        cry_strerror(status));
		return CKR_DEVICE_ERROR;
	}
	*heap_locked = here ? config->secure_heap : 0;
	return CKR_OK;
}

static size_t enclave_budget(const p11_config *config, size_t heap_locked)
{
	size_t budget = config->enclave_budget;
	if (budget == 0) {
		struct rlimit limit;
		if (getrlimit(RLIMIT_MEMLOCK, &limit) != 0 ||
		    limit.rlim_cur == RLIM_INFINITY)
			return 0; /* the enclave's own default */
		budget = (size_t)limit.rlim_cur;
	}
	return budget > heap_locked + 65536 ? budget - heap_locked : 65536;
}

static CK_RV start_enclave(const p11_config *config, size_t heap_locked)
{
	enc_config enclave;
	enc_config_default(&enclave);
	enclave.locked_budget = enclave_budget(config, heap_locked);
	enclave.secretmem = config->secretmem;
	enclave.reprotect_delay_ms = config->reprotect_delay_ms;
	enc_status status = enc_init(&enclave);
	if (status == ENC_OK)
		return CKR_OK;
	p11_log(P11_LOG_ERROR, "cannot start the memory enclave: %s",
	        enc_strerror(status));
	return CKR_DEVICE_ERROR;
}

/* In a child after fork: forget the parent's state without touching it
 * (its locks may be held by threads that do not exist here, and its
 * SQLite connections must not be used). The memory is leaked on purpose. */
static void abandon_parent_state(void)
{
	memset(&p11_state, 0, sizeof(p11_state));
	enc_shutdown(); /* the enclave knows it was forked */
	atomic_store(&forked, false);
	atomic_store(&initialised, false);
}

CK_RV C_Initialize(CK_VOID_PTR init_args)
{
	pthread_once(&atfork_once, register_atfork);
	pthread_mutex_lock(&lifecycle_lock);
	if (atomic_load(&forked))
		abandon_parent_state();
	CK_RV rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
	if (atomic_load(&initialised))
		goto out;
	rv = check_init_args(init_args);
	if (rv != CKR_OK)
		goto out;

	char error[P11_CONFIG_PATH_MAX + 256];
	p11_config config;
	if (p11_config_load(&config, error, sizeof(error)) != 0) {
		p11_log(P11_LOG_ERROR, "configuration: %s", error);
		rv = CKR_GENERAL_ERROR;
		goto out;
	}
	if (p11_log_open(config.log_level,
	                 config.log_file[0] ? config.log_file : NULL) != 0)
		p11_log(P11_LOG_WARNING,
		        "cannot open log file %s; using stderr",
		        config.log_file);
	size_t heap_locked = 0;
	rv = start_crypto(&config, &heap_locked);
	if (rv == CKR_OK)
		rv = start_enclave(&config, heap_locked);
	if (rv != CKR_OK)
		goto out;

	memset(&p11_state, 0, sizeof(p11_state));
	p11_state.config = config;
	p11_state.lock = p11_mutex_new();
	p11_map_init(&p11_state.sessions);
	p11_state.next_session = 1;
	if (p11_state.lock == NULL) {
		rv = CKR_HOST_MEMORY;
	} else {
		p11_mutex_lock(p11_state.lock);
		rv = p11_slots_load();
		p11_mutex_unlock(p11_state.lock);
	}
	if (rv != CKR_OK) {
		p11_slots_free();
		p11_mutex_free(p11_state.lock);
		enc_shutdown();
		goto out;
	}
	p11_log(P11_LOG_INFO, "initialised; store %s", config.store_path);
	atomic_store(&initialised, true);
out:
	if (rv != CKR_OK && rv != CKR_CRYPTOKI_ALREADY_INITIALIZED)
		p11_locking_reset();
	pthread_mutex_unlock(&lifecycle_lock);
	return rv;
}

CK_RV C_Finalize(CK_VOID_PTR reserved)
{
	if (reserved != NULL)
		return CKR_ARGUMENTS_BAD;
	pthread_mutex_lock(&lifecycle_lock);
	CK_RV rv = p11_check_initialised();
	if (rv == CKR_OK) {
		atomic_store(&initialised, false);
		p11_mutex_lock(p11_state.lock);
		p11_sessions_free_all();
		p11_slots_free();
		p11_mutex_unlock(p11_state.lock);
		p11_mutex_free(p11_state.lock);
		p11_state.lock = NULL;
		/* Wipes every key still open and replaces the sealing key. */
		enc_purge();
		enc_shutdown();
		p11_log(P11_LOG_INFO, "finalised");
		p11_log_close();
		p11_locking_reset();
	}
	pthread_mutex_unlock(&lifecycle_lock);
	return rv;
}

static CK_RV fill_info(CK_INFO_PTR info, CK_BYTE major, CK_BYTE minor)
{
	CK_RV rv = p11_check_initialised();
	if (rv != CKR_OK)
		return rv;
	if (info == NULL)
		return CKR_ARGUMENTS_BAD;
	memset(info, 0, sizeof(*info));
	info->cryptokiVersion.major = major;
	info->cryptokiVersion.minor = minor;
	p11_copy_padded(info->manufacturerID, sizeof(info->manufacturerID),
	                P11_MANUFACTURER, strlen(P11_MANUFACTURER));
	p11_copy_padded(
	        info->libraryDescription, sizeof(info->libraryDescription),
	        P11_LIBRARY_DESCRIPTION, strlen(P11_LIBRARY_DESCRIPTION));
	info->libraryVersion.major = P11_VERSION_MAJOR;
	info->libraryVersion.minor = P11_VERSION_MINOR;
	return CKR_OK;
}

CK_RV C_GetInfo(CK_INFO_PTR info)
{
	return fill_info(info, 3, 0);
}

CK_RV p11_get_info_2_40(CK_INFO_PTR info)
{
	return fill_info(info, 2, 40);
}

#define COMMON_FUNCTIONS(get_info)                                             \
	C_Initialize, C_Finalize, get_info, C_GetFunctionList, C_GetSlotList,  \
	        C_GetSlotInfo, C_GetTokenInfo, C_GetMechanismList,             \
	        C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN,          \
	        C_OpenSession, C_CloseSession, C_CloseAllSessions,             \
	        C_GetSessionInfo, C_GetOperationState, C_SetOperationState,    \
	        C_Login, C_Logout, C_CreateObject, C_CopyObject,               \
	        C_DestroyObject, C_GetObjectSize, C_GetAttributeValue,         \
	        C_SetAttributeValue, C_FindObjectsInit, C_FindObjects,         \
	        C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate, \
	        C_EncryptFinal, C_DecryptInit, C_Decrypt, C_DecryptUpdate,     \
	        C_DecryptFinal, C_DigestInit, C_Digest, C_DigestUpdate,        \
	        C_DigestKey, C_DigestFinal, C_SignInit, C_Sign, C_SignUpdate,  \
	        C_SignFinal, C_SignRecoverInit, C_SignRecover, C_VerifyInit,   \
	        C_Verify, C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit,  \
	        C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate, \
	        C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey,     \
	        C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey,        \
	        C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus,           \
	        C_CancelFunction, C_WaitForSlotEvent

static CK_FUNCTION_LIST function_list_2_40 = {
        {2, 40}, COMMON_FUNCTIONS(p11_get_info_2_40)};

static CK_FUNCTION_LIST_3_0 function_list_3_0 = {
        {3, 0},
        COMMON_FUNCTIONS(C_GetInfo),
        C_GetInterfaceList,
        C_GetInterface,
        C_LoginUser,
        C_SessionCancel,
        C_MessageEncryptInit,
        C_EncryptMessage,
        p11_encrypt_message_begin,
        p11_encrypt_message_next,
        C_MessageEncryptFinal,
        C_MessageDecryptInit,
        C_DecryptMessage,
        p11_encrypt_message_begin,
        p11_encrypt_message_next,
        C_MessageDecryptFinal,
        p11_message_encrypt_init,
        p11_sign_message,
        p11_message_begin,
        p11_sign_message_next,
        p11_message_final,
        p11_message_encrypt_init,
        p11_verify_message,
        p11_message_begin,
        p11_verify_message_next,
        p11_message_final,
};

static CK_CHAR interface_name[] = "PKCS 11";
static CK_CHAR vendor_name[] = GUARDHSM_VENDOR_INTERFACE_NAME;

/* The default (a NULL name) is the first: the 3.0 list. */
static CK_INTERFACE interfaces[] = {
        {interface_name, &function_list_3_0, 0},
        {interface_name, &function_list_2_40, 0},
        {vendor_name, &p11_vendor_functions, 0},
};
#define INTERFACE_COUNT (sizeof(interfaces) / sizeof(interfaces[0]))

CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR list)
{
	if (list == NULL)
		return CKR_ARGUMENTS_BAD;
	*list = &function_list_2_40;
	return CKR_OK;
}

CK_RV C_GetInterfaceList(CK_INTERFACE_PTR list, CK_ULONG_PTR count)
{
	if (count == NULL)
		return CKR_ARGUMENTS_BAD;
	if (list == NULL) {
		*count = INTERFACE_COUNT;
		return CKR_OK;
	}
	if (*count < INTERFACE_COUNT) {
		*count = INTERFACE_COUNT;
		return CKR_BUFFER_TOO_SMALL;
	}
	memcpy(list, interfaces, sizeof(interfaces));
	*count = INTERFACE_COUNT;
	return CKR_OK;
}

static CK_VERSION interface_version(const CK_INTERFACE *interface)
{
	return *(const CK_VERSION *)interface->pFunctionList;
}

CK_RV C_GetInterface(CK_UTF8CHAR_PTR name, CK_VERSION_PTR version,
                     CK_INTERFACE_PTR_PTR interface, CK_FLAGS flags)
{
	if (interface == NULL)
		return CKR_ARGUMENTS_BAD;
	for (size_t i = 0; i < INTERFACE_COUNT; i++) {
		CK_INTERFACE *candidate = &interfaces[i];
		if (name != NULL &&
		    strcmp((const char *)name,
		           (const char *)candidate->pInterfaceName) != 0)
			continue;
		CK_VERSION offered = interface_version(candidate);
		if (version != NULL && (version->major != offered.major ||
		                        version->minor != offered.minor))
			continue;
		if ((candidate->flags & flags) != flags)
			continue;
		*interface = candidate;
		return CKR_OK;
	}
	return CKR_ARGUMENTS_BAD;
}
