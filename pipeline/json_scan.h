/*
 * json_scan — private vectorised byte scanners of the JSONL codec (jsonl.c only).
 *
 * json_skip_plain: first byte in [p, end) that ends a plain run inside a JSON string on input:
 *   '"', '\\', a control character (< 0x20) or a non-ASCII byte (>= 0x80, to validate UTF-8).
 * json_skip_noesc: first byte in [p, end) that needs an escape on output: '"', '\\', < 0x20.
 * Both return end when there is none. AVX2 (32 bytes a step) when the compiler targets it,
 * else SSE2 (16), else SWAR on 8-byte words; loads never pass end.
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

#endif
