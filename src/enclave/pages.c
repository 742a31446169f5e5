/* Mappings fenced by guard pages: the one place that talks to mmap, mlock,
 * madvise and memfd_secret. */
#include "config.h"

#include "enclave/internal.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

size_t enc_page_size(void)
{
	static size_t page;
	if (page == 0)
		page = (size_t)sysconf(_SC_PAGESIZE);
	return page;
}

size_t enc_round_to_pages(size_t bytes)
{
	size_t page = enc_page_size();
	return (bytes + page - 1) / page * page;
}

static int secretmem_create(void)
{
#ifdef SYS_memfd_secret
	return (int)syscall(SYS_memfd_secret, 0);
#else
	errno = ENOSYS;
	return -1;
#endif
}

bool enc_secretmem_available(void)
{
	int fd = secretmem_create();
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* Replaces the interior of an already reserved range with memfd_secret
 * pages. Such pages are locked by the kernel and absent from its direct
 * map; MAP_SHARED means a child would share them, hence DONTFORK. */
static enc_status map_secret_interior(enc_region *region)
{
	int fd = secretmem_create();
	if (fd < 0)
		return ENC_ERR_UNSUPPORTED;
	if (ftruncate(fd, (off_t)region->interior_bytes) != 0) {
		close(fd);
		return ENC_ERR_SYSTEM;
	}
	void *mapped =
	        mmap(region->interior, region->interior_bytes,
	             PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	close(fd);
	if (mapped == MAP_FAILED)
		return errno == ENOMEM || errno == EAGAIN ? ENC_ERR_LOCK
		                                          : ENC_ERR_SYSTEM;
	if (madvise(region->interior, region->interior_bytes, MADV_DONTFORK) !=
	    0)
		return ENC_ERR_SYSTEM;
	/* Core dumps already cannot read secret memory; ask anyway. */
	(void)madvise(region->interior, region->interior_bytes, MADV_DONTDUMP);
	region->secret = true;
	region->locked = true;
	return ENC_OK;
}

static enc_status lock_anonymous_interior(enc_region *region)
{
	if (madvise(region->interior, region->interior_bytes, MADV_DONTDUMP) !=
	    0)
		return ENC_ERR_SYSTEM;
	/* A child must never see a parent's plaintext: it gets zero pages. */
	if (madvise(region->interior, region->interior_bytes,
	            MADV_WIPEONFORK) != 0) {
		if (madvise(region->interior, region->interior_bytes,
		            MADV_DONTFORK) != 0)
			return ENC_ERR_SYSTEM;
	}
	if (mlock(region->interior, region->interior_bytes) == 0) {
		region->locked = true;
		return ENC_OK;
	}
	int saved = errno;
	if (!enc_global.config.allow_unlocked) {
		errno = saved;
		return ENC_ERR_LOCK;
	}
	enc_log(ENC_LOG_WARNING,
	        "mlock of %zu bytes failed (%s); continuing UNLOCKED because "
	        "allow_unlocked is set: this memory may be swapped to disk",
	        region->interior_bytes, strerror(saved));
	region->locked = false;
	return ENC_OK;
}

enc_status enc_region_map(size_t interior_bytes, bool use_secretmem,
                          enc_region *region)
{
	size_t page = enc_page_size();
	memset(region, 0, sizeof(*region));
	if (interior_bytes == 0 || interior_bytes % page != 0 ||
	    interior_bytes > SIZE_MAX - 2 * page)
		return ENC_ERR_INVALID;

	size_t total = interior_bytes + 2 * page;
	void *base = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
	                  -1, 0);
	if (base == MAP_FAILED)
		return ENC_ERR_NOMEM;
	region->base = base;
	region->interior = region->base + page;
	region->interior_bytes = interior_bytes;

	enc_status status;
	if (use_secretmem) {
		status = map_secret_interior(region);
	} else {
		status = mprotect(region->interior, interior_bytes,
		                  PROT_READ | PROT_WRITE) == 0
		                 ? lock_anonymous_interior(region)
		                 : ENC_ERR_SYSTEM;
	}
	if (status != ENC_OK) {
		munmap(region->base, total);
		memset(region, 0, sizeof(*region));
	}
	return status;
}

void enc_region_unmap(enc_region *region, bool wipe)
{
	if (region->base == NULL)
		return;
	if (wipe && mprotect(region->interior, region->interior_bytes,
	                     PROT_READ | PROT_WRITE) == 0)
		sodium_memzero(region->interior, region->interior_bytes);
	if (region->locked && !region->secret)
		munlock(region->interior, region->interior_bytes);
	munmap(region->base, region->interior_bytes + 2 * enc_page_size());
	memset(region, 0, sizeof(*region));
}

enc_status enc_region_protect(unsigned char *start, size_t bytes,
                              enc_access access)
{
	int prot = access == ENC_READWRITE  ? PROT_READ | PROT_WRITE
	           : access == ENC_READONLY ? PROT_READ
	                                    : PROT_NONE;
	return mprotect(start, bytes, prot) == 0 ? ENC_OK : ENC_ERR_SYSTEM;
}
