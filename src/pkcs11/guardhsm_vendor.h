/* guardhsm's vendor interface, offered next to the standard "PKCS 11"
 * ones through C_GetInterfaceList / C_GetInterface:
 *
 *     CK_INTERFACE_PTR interface;
 *     CK_VERSION version = {GUARDHSM_VENDOR_VERSION_MAJOR,
 *                           GUARDHSM_VENDOR_VERSION_MINOR};
 *     C_GetInterface((CK_UTF8CHAR_PTR)GUARDHSM_VENDOR_INTERFACE_NAME,
 *                    &version, &interface, 0);
 *     CK_GUARDHSM_FUNCTION_LIST_PTR vendor = interface->pFunctionList;
 *
 * Include a PKCS#11 header (OASIS pkcs11.h or p11-kit's) first.
 *
 * Batches. By default every token-object change is committed durably
 * (fsync) before its call returns. Between C_GuardhsmBatchBegin and
 * C_GuardhsmBatchEnd the token's changes are instead collected in one
 * transaction and become durable together, at the end: many creates cost
 * one commit instead of one each. What that gives up is the per-call
 * durability: an object whose C_CreateObject / C_GenerateKey(Pair) /
 * C_CopyObject / C_UnwrapKey / C_DeriveKey returned CKR_OK inside a batch
 * is lost if the process dies, or the power fails, before the batch ends.
 *
 *  - Begin needs a read/write session and a logged-in user or SO
 *    (CKR_SESSION_READ_ONLY, CKR_USER_NOT_LOGGED_IN), as token-object
 *    writes do. One batch per token per process: a second begin, from
 *    any session, is CKR_OPERATION_ACTIVE. Begin takes the token file's
 *    write lock: another process's batch or write makes it wait up to 10
 *    seconds, then fail with CKR_DEVICE_ERROR.
 *  - Every token-object change on that token in this process joins the
 *    batch until it ends, whichever session makes it (the sessions share
 *    one database connection). A change that fails undoes only itself.
 *    Other processes see none of the batch until it commits; their own
 *    token writes (and PIN checks) wait meanwhile, up to 10 seconds each,
 *    then fail with CKR_DEVICE_ERROR: keep batches short.
 *  - End, from the session that began it (else, or with no batch,
 *    CKR_OPERATION_NOT_INITIALIZED): commit = CK_TRUE stores every change
 *    of the batch; CK_FALSE undoes them all, other sessions' included,
 *    and the handles of objects created in it become invalid.
 *    CKR_DEVICE_ERROR if the commit failed: then nothing of the batch was
 *    stored.
 *  - Closing the batch's session, C_CloseAllSessions, C_Logout and
 *    C_Finalize commit the open batch first (other sessions' changes in
 *    it were acknowledged with CKR_OK and must not be silently undone).
 *    A process that exits without C_Finalize, or dies, loses it.
 *  - While a batch is open, the PIN functions (C_SetPIN, C_InitPIN,
 *    C_Login with CKU_CONTEXT_SPECIFIC) return CKR_OPERATION_ACTIVE: a
 *    PIN failure counter must reach the disk before the check it counts.
 */
#ifndef GUARDHSM_VENDOR_H
#define GUARDHSM_VENDOR_H

#define GUARDHSM_VENDOR_INTERFACE_NAME "Vendor guardhsm"
#define GUARDHSM_VENDOR_VERSION_MAJOR 1
#define GUARDHSM_VENDOR_VERSION_MINOR 0

typedef CK_RV (*CK_GUARDHSM_BATCH_BEGIN)(CK_SESSION_HANDLE session);
typedef CK_RV (*CK_GUARDHSM_BATCH_END)(CK_SESSION_HANDLE session,
                                       CK_BBOOL commit);

/* Version 1.0. Later minor versions only append functions. */
typedef struct CK_GUARDHSM_FUNCTION_LIST {
	CK_VERSION version;
	CK_GUARDHSM_BATCH_BEGIN C_GuardhsmBatchBegin;
	CK_GUARDHSM_BATCH_END C_GuardhsmBatchEnd;
} CK_GUARDHSM_FUNCTION_LIST;

typedef CK_GUARDHSM_FUNCTION_LIST *CK_GUARDHSM_FUNCTION_LIST_PTR;

#endif /* GUARDHSM_VENDOR_H */
