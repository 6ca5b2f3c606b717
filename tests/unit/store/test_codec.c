/*
 * tests/unit/store/test_codec.c - records: json <-> msgpack round trips
 * for every type, what the decoder refuses (and that it says why), and
 * that no garbage or truncation can crash it.
 */
#include <msgpack.h>

#include "store_test.h"

static json_t *roundtrip(json_t *in)
{
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_record_encode(in, &b), PT_OK);
    json_t *out = NULL;
    char *why = NULL;
    int rc = pt_record_decode(b.data, b.len, &out, &why);
    if (rc) fprintf(stderr, "decode: %s\n", why);
    assert_int_equal(rc, PT_OK);
    assert_null(why);
    pt_buf_free(&b);
    return out;
}

static void every_type_round_trips(void **s)
{
    (void)s;
    json_t *in = json_pack("{s:i, s:s, s:s, s:s%, s:I, s:I, s:I, s:I, s:I, s:f, s:f, s:b, s:b, s:n,"
                           " s:[], s:{}, s:[i,s,n,b]}",
                           "_v", 3, "title", "Hello", "utf8", "h\xc3\xa9llo \xe2\x82\xac",
                           "nul", "a\0b", (size_t)3, "big", (json_int_t)INT64_MAX, "small",
                           (json_int_t)INT64_MIN, "neg", (json_int_t)-33, "u32",
                           (json_int_t)4000000000LL, "fix", (json_int_t)127, "pi", 3.25,
                           "tiny", -1e-300, "yes", 1, "no", 0, "none", "empty_a", "empty_o",
                           "mixed", 1, "x", 1);
    json_t *out = roundtrip(in);
    assert_true(json_equal(in, out));
    /* key order is kept (jansson keeps insertion order) */
    assert_string_equal(json_object_iter_key(json_object_iter(out)), "_v");
    assert_int_equal(json_string_length(json_object_get(out, "nul")), 3);
    json_decref(in);
    json_decref(out);
}

static void integers_at_every_width(void **s)
{
    (void)s;
    json_int_t vals[] = {0, 1, 127, 128, 255, 256, 65535, 65536, 4294967295LL, 4294967296LL,
                         -1, -32, -33, -128, -129, -32768, -32769, -2147483648LL,
                         -2147483649LL, INT64_MIN, INT64_MAX};
    for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        json_t *in = json_pack("{s:i, s:I}", "_v", 1, "n", vals[i]);
        json_t *out = roundtrip(in);
        assert_int_equal(json_integer_value(json_object_get(out, "n")), vals[i]);
        json_decref(in);
        json_decref(out);
    }
}

static void nested_maps_round_trip(void **s)
{
    (void)s;
    json_t *in = json_pack("{s:i, s:{s:{s:[{s:s, s:[i,i,{s:b}]}]}, s:s}}", "_v", 2, "a", "b",
                           "c", "d", "e", "f", 1, 2, "g", 1, "h", "i");
    json_t *out = roundtrip(in);
    assert_true(json_equal(in, out));
    json_decref(in);
    json_decref(out);

    /* exactly PT_RECORD_MAX_DEPTH levels works, one more is refused */
    json_t *top = json_pack("{s:i}", "_v", 1), *cur = top;
    for (int d = 1; d < PT_RECORD_MAX_DEPTH; d++) {
        json_t *n = json_object();
        json_object_set_new(cur, "n", n);
        cur = n;
    }
    out = roundtrip(top);
    assert_true(json_equal(top, out));
    json_decref(out);
    json_object_set_new(cur, "n", json_array());
    pt_buf b = PT_BUF_INIT;
    pt_buf_puts(&b, "keep");
    assert_int_equal(pt_record_encode(top, &b), PT_ETOOBIG);
    assert_int_equal(b.len, 4); /* unchanged on error */
    pt_buf_free(&b);
    json_decref(top);
}

static void encode_refuses_bad_records(void **s)
{
    (void)s;
    pt_buf b = PT_BUF_INIT;
    json_t *no_v = json_pack("{s:s}", "a", "b");
    assert_int_equal(pt_record_encode(no_v, &b), PT_EINVAL);
    assert_non_null(strstr(pt_store_last_error(), "_v"));
    json_t *str_v = json_pack("{s:s}", "_v", "1");
    assert_int_equal(pt_record_encode(str_v, &b), PT_EINVAL);
    json_t *arr = json_pack("[i]", 1);
    assert_int_equal(pt_record_encode(arr, &b), PT_EINVAL);
    json_t *nulkey = json_pack("{s:i}", "_v", 1);
    json_object_setn_new(nulkey, "a\0b", 3, json_true());
    assert_int_equal(pt_record_encode(nulkey, &b), PT_EINVAL);
    assert_int_equal(b.len, 0);
    json_decref(no_v);
    json_decref(str_v);
    json_decref(arr);
    json_decref(nulkey);
    pt_buf_free(&b);
}

/* decode bytes, expect PT_EDECODE and a reason containing `want` */
static void expect_bad(const void *p, size_t n, const char *want)
{
    json_t *out = (json_t *)1;
    char *why = NULL;
    assert_int_equal(pt_record_decode(p, n, &out, &why), PT_EDECODE);
    assert_null(out);
    assert_non_null(why);
    if (want && !strstr(why, want)) fail_msg("reason \"%s\" lacks \"%s\"", why, want);
    free(why);
}

static void pack_with(void (*fn)(msgpack_packer *), msgpack_sbuffer *sb)
{
    msgpack_sbuffer_init(sb);
    msgpack_packer pk;
    msgpack_packer_init(&pk, sb, msgpack_sbuffer_write);
    fn(&pk);
}

static void pk_key(msgpack_packer *pk, const char *k)
{
    msgpack_pack_str(pk, strlen(k));
    msgpack_pack_str_body(pk, k, strlen(k));
}

static void m_bin(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "blob"); msgpack_pack_bin(pk, 3); msgpack_pack_bin_body(pk, "abc", 3);
}
static void m_bigu(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "n"); msgpack_pack_uint64(pk, UINT64_MAX);
}
static void m_intkey(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    msgpack_pack_int(pk, 7); msgpack_pack_nil(pk);
}
static void m_dup(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 2);
}
static void m_badutf8(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "s"); msgpack_pack_str(pk, 2); msgpack_pack_str_body(pk, "\xc3\x28", 2);
}
static void m_nov(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 1);
    pk_key(pk, "a"); msgpack_pack_true(pk);
}
static void m_float32(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "f"); msgpack_pack_float(pk, 1.5f);
}
static void m_ext(msgpack_packer *pk)
{
    msgpack_pack_map(pk, 2);
    pk_key(pk, "_v"); msgpack_pack_int(pk, 1);
    pk_key(pk, "x"); msgpack_pack_ext(pk, 1, 5); msgpack_pack_ext_body(pk, "z", 1);
}
static void m_array_top(msgpack_packer *pk)
{
    msgpack_pack_array(pk, 1);
    msgpack_pack_int(pk, 1);
}

static void decode_refuses_with_reasons(void **s)
{
    (void)s;
    msgpack_sbuffer sb;
    pack_with(m_bin, &sb);
    expect_bad(sb.data, sb.size, "bin at .blob");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_bigu, &sb);
    expect_bad(sb.data, sb.size, "integer out of range at .n");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_intkey, &sb);
    expect_bad(sb.data, sb.size, "map key is not a string");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_dup, &sb);
    expect_bad(sb.data, sb.size, "duplicate key");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_badutf8, &sb);
    expect_bad(sb.data, sb.size, "UTF-8");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_nov, &sb);
    expect_bad(sb.data, sb.size, "_v");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_ext, &sb);
    expect_bad(sb.data, sb.size, "ext");
    msgpack_sbuffer_destroy(&sb);
    pack_with(m_array_top, &sb);
    expect_bad(sb.data, sb.size, "expected map at top level");
    msgpack_sbuffer_destroy(&sb);

    /* float32 written by someone else is read as a real */
    pack_with(m_float32, &sb);
    json_t *out;
    assert_int_equal(pt_record_decode(sb.data, sb.size, &out, NULL), PT_OK);
    assert_true(json_real_value(json_object_get(out, "f")) == 1.5);
    json_decref(out);
    msgpack_sbuffer_destroy(&sb);

    expect_bad("", 0, "empty");
    expect_bad("\x81", 1, "truncated");
    expect_bad("\xc1", 1, "expected map");
    /* map32 claiming 4 billion entries in 5 bytes: refused, nothing huge allocated */
    expect_bad("\xdf\xff\xff\xff\xff", 5, "truncated map");
    /* array32 claiming 4 billion elements inside a map */
    expect_bad("\x82\xa2_v\x01\xa1" "a\xdd\xff\xff\xff\xff", 11, "truncated array");
    /* str32 claiming 4 GiB */
    expect_bad("\x81\xa1" "a\xdb\xff\xff\xff\xff", 8, "truncated str");
    /* trailing bytes after the map */
    expect_bad("\x81\xa2_v\x01\x00", 6, "trailing");
    /* deep nesting of arrays: refused by depth, not by the stack */
    uint8_t deep[4096];
    memcpy(deep, "\x81\xa1x", 3);
    memset(deep + 3, 0x91, sizeof deep - 4);
    deep[sizeof deep - 1] = 0x01;
    expect_bad(deep, sizeof deep, "nested deeper");
}

static void truncations_and_garbage_never_crash(void **s)
{
    (void)s;
    json_t *in = json_pack("{s:i, s:s, s:[i,I,f,{s:s}], s:{s:b, s:n}}", "_v", 1, "title",
                           "a fairly long string for str8 encoding .....................",
                           "list", 1, (json_int_t)1 << 40, 2.5, "k", "v", "m", "t", 1, "z");
    pt_buf b = PT_BUF_INIT;
    assert_int_equal(pt_record_encode(in, &b), PT_OK);
    for (size_t n = 0; n < b.len; n++) { /* every proper prefix is refused */
        json_t *out = NULL;
        assert_int_equal(pt_record_decode(b.data, n, &out, NULL), PT_EDECODE);
        assert_null(out);
    }
    /* random mutations: any answer is fine, as long as it is OK or EDECODE */
    srand(12345);
    uint8_t *m = pt_xmalloc(b.len);
    for (int round = 0; round < 20000; round++) {
        memcpy(m, b.data, b.len);
        int flips = 1 + rand() % 4;
        for (int i = 0; i < flips; i++) m[rand() % b.len] = (uint8_t)rand();
        json_t *out = NULL;
        char *why = NULL;
        int rc = pt_record_decode(m, b.len - (size_t)(rand() % 3), &out, &why);
        assert_true(rc == PT_OK || rc == PT_EDECODE);
        if (rc == PT_OK) {
            assert_non_null(out);
            json_decref(out);
        } else {
            assert_non_null(why);
        }
        free(why);
    }
    /* pure random bytes */
    uint8_t r[64];
    for (int round = 0; round < 20000; round++) {
        size_t n = (size_t)(rand() % 64);
        for (size_t i = 0; i < n; i++) r[i] = (uint8_t)rand();
        if (n && round % 2) r[0] = 0x80 | (r[0] & 0x0f); /* often start with a fixmap */
        json_t *out = NULL;
        int rc = pt_record_decode(r, n, &out, NULL);
        assert_true(rc == PT_OK || rc == PT_EDECODE);
        json_decref(out);
    }
    free(m);
    pt_buf_free(&b);
    json_decref(in);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_type_round_trips),
        cmocka_unit_test(integers_at_every_width),
        cmocka_unit_test(nested_maps_round_trip),
        cmocka_unit_test(encode_refuses_bad_records),
        cmocka_unit_test(decode_refuses_with_reasons),
        cmocka_unit_test(truncations_and_garbage_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
