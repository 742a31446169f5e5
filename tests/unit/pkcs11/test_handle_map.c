/* The handle map: put/get/remove, growth past many entries, tombstones
 * reused, iteration sees each live entry once. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "pkcs11/handle_map.h"

static void test_empty_map(void **state)
{
	(void)state;
	p11_handle_map map;
	p11_map_init(&map);
	assert_null(p11_map_get(&map, 1));
	assert_null(p11_map_remove(&map, 1));
	size_t cursor = 0;
	uint64_t key;
	void *value;
	assert_false(p11_map_next(&map, &cursor, &key, &value));
	p11_map_clear(&map);
}

static void test_put_get_remove(void **state)
{
	(void)state;
	p11_handle_map map;
	p11_map_init(&map);
	int a = 1, b = 2;
	assert_true(p11_map_put(&map, 10, &a));
	assert_true(p11_map_put(&map, 20, &b));
	assert_ptr_equal(p11_map_get(&map, 10), &a);
	assert_ptr_equal(p11_map_get(&map, 20), &b);
	assert_true(p11_map_put(&map, 10, &b)); /* replaces */
	assert_ptr_equal(p11_map_get(&map, 10), &b);
	assert_int_equal(map.count, 2);
	assert_ptr_equal(p11_map_remove(&map, 10), &b);
	assert_null(p11_map_get(&map, 10));
	assert_ptr_equal(p11_map_get(&map, 20), &b);
	assert_int_equal(map.count, 1);
	p11_map_clear(&map);
}

static void test_reserved_keys_refused(void **state)
{
	(void)state;
	p11_handle_map map;
	p11_map_init(&map);
	int a = 1;
	assert_false(p11_map_put(&map, 0, &a));
	assert_false(p11_map_put(&map, UINT64_MAX, &a));
	assert_null(p11_map_get(&map, 0));
	p11_map_clear(&map);
}

static void test_many_entries_and_churn(void **state)
{
	(void)state;
	enum { COUNT = 100000 };
	p11_handle_map map;
	p11_map_init(&map);
	for (uint64_t k = 1; k <= COUNT; k++)
		assert_true(p11_map_put(&map, k, (void *)(uintptr_t)(k * 3)));
	for (uint64_t k = 1; k <= COUNT; k += 2)
		assert_ptr_equal(p11_map_remove(&map, k),
		                 (void *)(uintptr_t)(k * 3));
	/* Reinsert over tombstones, with other keys. */
	for (uint64_t k = COUNT + 1; k <= COUNT + COUNT / 2; k++)
		assert_true(p11_map_put(&map, k, (void *)(uintptr_t)(k * 3)));
	for (uint64_t k = 1; k <= COUNT + COUNT / 2; k++) {
		void *expected = (k <= COUNT && k % 2 == 1)
		                         ? NULL
		                         : (void *)(uintptr_t)(k * 3);
		assert_ptr_equal(p11_map_get(&map, k), expected);
	}
	/* Iteration visits each live entry exactly once. */
	size_t seen = 0, cursor = 0;
	uint64_t key;
	void *value;
	while (p11_map_next(&map, &cursor, &key, &value)) {
		assert_ptr_equal(value, (void *)(uintptr_t)(key * 3));
		seen++;
	}
	assert_int_equal(seen, map.count);
	assert_int_equal(map.count, COUNT / 2 + COUNT / 2);
	p11_map_clear(&map);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	        cmocka_unit_test(test_empty_map),
	        cmocka_unit_test(test_put_get_remove),
	        cmocka_unit_test(test_reserved_keys_refused),
	        cmocka_unit_test(test_many_entries_and_churn),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
