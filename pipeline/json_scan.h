/*
 * json_scan — private vectorised byte scanners of the JSONL codec (jsonl.c only).
 *
 * json_skip_plain: first byte in [p, end) that ends a plain run inside a JSON string on input:
 *   '"', '\\', a control character (< 0x20) or a non-ASCII byte (>= 0x80, to validate UTF-8).
 * json_skip_noesc: first byte in [p, end) that needs an escape on output: '"', '\\', < 0x20.
 * Both return end when there is none. AVX2 (32 bytes a step) when the compiler targets it,
 * else SSE2 (16), else SWAR on 8-byte words; loads never pass end.
 * json_utf8_run (AVX2 only, JSON_UTF8_SIMD defined): validates UTF-8 from a sequence boundary
 * up to the first '"', '\\', control character or end, 32 bytes a step with the lookup-table
 * method of Keiser & Lemire ("Validating UTF-8 in less than one instruction per byte", 2021);
 * returns where it stopped, or NULL if the bytes before are not valid UTF-8 (the caller then
 * validates them bytewise to find and name the error).
 */
#ifndef WN_JSON_SCAN_H
#define WN_JSON_SCAN_H
#include <stdint.h>
#include <string.h>
#if defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

static inline const char *json_skip_plain(const char *p, const char *end) {
#if defined(__AVX2__)
    const __m256i q = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\');
    const __m256i sp = _mm256_set1_epi8(0x20);
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        /* signed 0x20 > v: bytes 0x00-0x1F and 0x80-0xFF */
        __m256i m = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, q), _mm256_cmpeq_epi8(v, bs)),
                                    _mm256_cmpgt_epi8(sp, v));
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 32;
    }
#endif
#if defined(__SSE2__)
    {
        const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), sp = _mm_set1_epi8(0x20);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)),
                                     _mm_cmpgt_epi8(sp, v));
            uint32_t mask = (uint32_t)_mm_movemask_epi8(m);
            if (mask) return p + __builtin_ctz(mask);
            p += 16;
        }
    }
#else
    while (end - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        const uint64_t ones = 0x0101010101010101ull, high = 0x8080808080808080ull;
        uint64_t xq = w ^ (ones * '"'), xb = w ^ (ones * '\\');
        uint64_t t = ((xq - ones) & ~xq) | ((xb - ones) & ~xb) | (w - ones * 0x20) | w;
        if (t & high) {                 /* maybe something in this word: look bytewise */
            for (int i = 0; i < 8; i++) {
                unsigned char c = (unsigned char)p[i];
                if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p + i;
            }
        }
        p += 8;
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return p;
        p++;
    }
    return p;
}

static inline const char *json_skip_noesc(const char *p, const char *end) {
#if defined(__AVX2__)
    const __m256i q = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\');
    const __m256i c1f = _mm256_set1_epi8(0x1f);
    while (end - p >= 32) {
        __m256i v = _mm256_loadu_si256((const __m256i *)p);
        __m256i ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, c1f), c1f);   /* v <= 0x1f */
        __m256i m = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, q), _mm256_cmpeq_epi8(v, bs)), ctl);
        uint32_t mask = (uint32_t)_mm256_movemask_epi8(m);
        if (mask) return p + __builtin_ctz(mask);
        p += 32;
    }
#endif
#if defined(__SSE2__)
    {
        const __m128i q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\'), c1f = _mm_set1_epi8(0x1f);
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)p);
            __m128i ctl = _mm_cmpeq_epi8(_mm_max_epu8(v, c1f), c1f);
            __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)), ctl);
            uint32_t mask = (uint32_t)_mm_movemask_epi8(m);
            if (mask) return p + __builtin_ctz(mask);
            p += 16;
        }
    }
#endif
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"' || c == '\\' || c < 0x20) return p;
        p++;
    }
    return p;
}

/* Copy n bytes in whole vectors: may read up to 31 bytes past src + n and write up to 31 bytes
 * past dst + n, so both buffers need that much slack (the parser's line copy and store do). */
static inline void json_copy_padded(char *dst, const char *src, size_t n) {
#if defined(__AVX2__)
    for (size_t i = 0; i < n; i += 32)
        _mm256_storeu_si256((__m256i *)(dst + i), _mm256_loadu_si256((const __m256i *)(src + i)));
#elif defined(__SSE2__)
    for (size_t i = 0; i < n; i += 16)
        _mm_storeu_si128((__m128i *)(dst + i), _mm_loadu_si128((const __m128i *)(src + i)));
#else
    memcpy(dst, src, n);
#endif
}

#if defined(__AVX2__)
#define JSON_UTF8_SIMD 1
#define JSON_PREV(cur, prev, n) _mm256_alignr_epi8(cur, _mm256_permute2x128_si256(prev, cur, 0x21), 16 - (n))
#define JSON_T16(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p) \
    _mm256_setr_epi8(a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p)

/* error bits of one block given the previous one (0 where valid) */
static inline __m256i json_utf8_block(__m256i in, __m256i prev_in) {
    /* TOO_SHORT 1, TOO_LONG 2, OVERLONG_3 4, TOO_LARGE 8, SURROGATE 16, OVERLONG_2 32,
     * TOO_LARGE_1000 64, OVERLONG_4 64, TWO_CONTS 128; CARRY = TOO_SHORT|TOO_LONG|TWO_CONTS */
    const __m256i t1 = JSON_T16(2, 2, 2, 2, 2, 2, 2, 2, (char)128, (char)128, (char)128, (char)128, 33, 1, 21, 73);
    const __m256i t2 = JSON_T16((char)231, (char)163, (char)131, (char)131, (char)139, (char)203, (char)203, (char)203,
                                (char)203, (char)203, (char)203, (char)203, (char)203, (char)219, (char)203, (char)203);
    const __m256i t3 = JSON_T16(1, 1, 1, 1, 1, 1, 1, 1, (char)230, (char)174, (char)186, (char)186, 1, 1, 1, 1);
    const __m256i lo4 = _mm256_set1_epi8(0x0F);
    __m256i prev1 = JSON_PREV(in, prev_in, 1);
    __m256i b1h = _mm256_shuffle_epi8(t1, _mm256_and_si256(_mm256_srli_epi16(prev1, 4), lo4));
    __m256i b1l = _mm256_shuffle_epi8(t2, _mm256_and_si256(prev1, lo4));
    __m256i b2h = _mm256_shuffle_epi8(t3, _mm256_and_si256(_mm256_srli_epi16(in, 4), lo4));
    __m256i special = _mm256_and_si256(_mm256_and_si256(b1h, b1l), b2h);
    __m256i third = _mm256_subs_epu8(JSON_PREV(in, prev_in, 2), _mm256_set1_epi8((char)(0xE0 - 0x80)));
    __m256i fourth = _mm256_subs_epu8(JSON_PREV(in, prev_in, 3), _mm256_set1_epi8((char)(0xF0 - 0x80)));
    __m256i must23 = _mm256_and_si256(_mm256_or_si256(third, fourth), _mm256_set1_epi8((char)0x80));
    return _mm256_xor_si256(must23, special);
}

static inline const char *json_utf8_run(const char *p, const char *end) {
    static const unsigned char keep_tbl[64] = {
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255,
        255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255 };
    const __m256i q = _mm256_set1_epi8('"'), bs = _mm256_set1_epi8('\\'), c1f = _mm256_set1_epi8(0x1f);
    const __m256i incomplete_max = _mm256_setr_epi8(
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, (char)(0xF0 - 1), (char)(0xE0 - 1), (char)(0xC0 - 1));
    __m256i prev = _mm256_setzero_si256(), err = _mm256_setzero_si256(), prev_inc = _mm256_setzero_si256();
    for (;;) {
        __m256i v;
        if (end - p >= 32) {
            v = _mm256_loadu_si256((const __m256i *)p);
        } else {                                  /* zero padding: a control char, so a stop */
            unsigned char tmp[32] = {0};
            memcpy(tmp, p, (size_t)(end - p));
            v = _mm256_loadu_si256((const __m256i *)tmp);
        }
        __m256i ctl = _mm256_cmpeq_epi8(_mm256_max_epu8(v, c1f), c1f);
        uint32_t stop = (uint32_t)_mm256_movemask_epi8(
            _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v, q), _mm256_cmpeq_epi8(v, bs)), ctl));
        int k = 32;
        if (stop) {                               /* validate only what precedes the stop */
            k = __builtin_ctz(stop);
            v = _mm256_and_si256(v, _mm256_loadu_si256((const __m256i *)(keep_tbl + 32 - k)));
        }
        if (!_mm256_movemask_epi8(v)) {           /* ASCII: the previous block must be complete */
            err = _mm256_or_si256(err, prev_inc);
            prev_inc = _mm256_setzero_si256();
        } else {
            err = _mm256_or_si256(err, json_utf8_block(v, prev));
            prev_inc = _mm256_subs_epu8(v, incomplete_max);
        }
        prev = v;
        if (!_mm256_testz_si256(err, err)) return NULL;
        if (stop) return p + k;
        p += 32;
    }
}
#endif


#endif
