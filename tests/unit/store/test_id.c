/*
 * tests/unit/store/test_id.c - ids: strictly increasing, unique across
 * many calls, threads and two processes with different seeds; carry the
 * time; the text form round-trips, sorts like the number and refuses junk.
 */
#include <pthread.h>
#include <sys/wait.h>

#include "store_test.h"

#define N 200000

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void monotonic_and_time_sortable(void **s)
{
    (void)s;
    pt_id_seed(3);
    uint64_t before = pt_wall_ms();
    uint64_t prev = 0;
    for (int i = 0; i < N; i++) { /* > 8192 per ms: exercises the borrow */
        uint64_t id = pt_id_new();
        assert_true(id > prev);
        assert_true(id < (UINT64_C(1) << 63));
        prev = id;
    }
    uint64_t after = pt_wall_ms();
    /* borrowing can run a little ahead of the clock, never behind */
    assert_true(pt_id_time_ms(prev) >= before);
    assert_true(pt_id_time_ms(prev) <= after + N / 8192 + 1);
    assert_true(pt_id_from_ms(before) <= prev);
    assert_true(pt_id_time_ms(pt_id_from_ms(before)) == before);
    assert_true(((prev >> 13) & 0xff) == 3); /* worker field */
    pt_id_seed(0x01020300u); /* folded: 1^2^3^0 = 0 */
    assert_true(((pt_id_new() >> 13) & 0xff) == 0);
}

static void *gen(void *arg)
{
    uint64_t *out = arg;
    for (int i = 0; i < N / 4; i++) out[i] = pt_id_new();
    return NULL;
}

static void unique_across_threads(void **s)
{
    (void)s;
    uint64_t *ids = pt_xmalloc(N * sizeof *ids);
    pthread_t th[4];
    for (int i = 0; i < 4; i++) pthread_create(&th[i], NULL, gen, ids + i * (N / 4));
    for (int i = 0; i < 4; i++) pthread_join(th[i], NULL);
    qsort(ids, N, sizeof *ids, cmp_u64);
    for (int i = 1; i < N; i++) assert_true(ids[i] != ids[i - 1]);
    free(ids);
}

/* two processes, seeds 1 and 2, generating at the same time */
static void unique_across_two_seeded_processes(void **s)
{
    (void)s;
    int fds[2][2];
    pid_t pid[2];
    for (int p = 0; p < 2; p++) {
        assert_int_equal(pipe(fds[p]), 0);
        pid[p] = fork();
        assert_true(pid[p] >= 0);
        if (pid[p] == 0) {
            pt_id_seed((uint32_t)p + 1);
            static uint64_t buf[N];
            for (int i = 0; i < N; i++) buf[i] = pt_id_new();
            size_t off = 0, len = sizeof buf;
            while (off < len) {
                ssize_t w = write(fds[p][1], (char *)buf + off, len - off);
                if (w <= 0) _exit(1);
                off += (size_t)w;
            }
            _exit(0);
        }
        close(fds[p][1]);
    }
    uint64_t *all = pt_xmalloc(2 * N * sizeof *all);
    for (int p = 0; p < 2; p++) {
        size_t off = 0, len = N * sizeof *all;
        char *dst = (char *)(all + p * N);
        ssize_t r;
        while (off < len && (r = read(fds[p][0], dst + off, len - off)) > 0) off += (size_t)r;
        assert_int_equal(off, len);
        close(fds[p][0]);
        int st;
        waitpid(pid[p], &st, 0);
        assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    qsort(all, 2 * N, sizeof *all, cmp_u64);
    for (int i = 1; i < 2 * N; i++) assert_true(all[i] != all[i - 1]);
    free(all);
}

static void text_form(void **s)
{
    (void)s;
    char a[PT_ID_STRLEN], b[PT_ID_STRLEN];
    uint64_t x = pt_id_new(), y = pt_id_new(), back;
    pt_id_to_str(x, a);
    pt_id_to_str(y, b);
    assert_int_equal(strlen(a), 13);
    assert_true(strcmp(a, b) < 0); /* text order == numeric order */
    assert_int_equal(pt_id_parse(a, &back), PT_OK);
    assert_true(back == x);
    for (char *p = a; *p; p++) *p = (char)((*p >= 'a' && *p <= 'z') ? *p - 32 : *p);
    assert_int_equal(pt_id_parse(a, &back), PT_OK); /* upper case accepted */
    assert_true(back == x);
    assert_string_equal(pt_id_to_str(1, a), "0000000000001");
    assert_string_equal(pt_id_to_str((UINT64_C(1) << 63) - 1, a), "7zzzzzzzzzzzz");
    assert_int_equal(pt_id_parse("7zzzzzzzzzzzz", &back), PT_OK);
    assert_int_equal(pt_id_parse("8000000000000", &back), PT_EINVAL); /* >= 2^63 */
    assert_int_equal(pt_id_parse("0000000000000", &back), PT_EINVAL); /* 0 */
    assert_int_equal(pt_id_parse("000000000001", &back), PT_EINVAL);  /* short */
    assert_int_equal(pt_id_parse("00000000000001", &back), PT_EINVAL); /* long */
    assert_int_equal(pt_id_parse("000000000000u", &back), PT_EINVAL);  /* not in alphabet */
    assert_int_equal(pt_id_parse("00000000000-1", &back), PT_EINVAL);
    assert_int_equal(pt_id_parse("", &back), PT_EINVAL);
    assert_int_equal(pt_id_parse(NULL, &back), PT_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(monotonic_and_time_sortable),
        cmocka_unit_test(unique_across_threads),
        cmocka_unit_test(unique_across_two_seeded_processes),
        cmocka_unit_test(text_form),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
