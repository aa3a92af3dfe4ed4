/*
 * gm_envelope: GM/T 0010 envelopes (SM2/SM3/SM4) through the fapiao C API,
 * between two parties that hold dual certificates (双证书: a signing and an
 * encryption certificate each), on the SM2 fixture PKI of the fapiao
 * repository (tests/data/gm):
 *
 *   1. each party loads its signing pair (fapiao_credentials_new) and adds its
 *      encryption pair (fapiao_credentials_with_encryption);
 *   2. the cloud platform signs a payload with its SM2 signing key and seals
 *      it to the service platform's SM2 encryption certificate
 *      (fapiao_credentials_encryption_certificate, fapiao_seal): SM3/SM2
 *      SignedData, SM2 key transport, SM4-CBC; fapiao_inspect shows it;
 *   3. the service platform opens it with its encryption pair
 *      (fapiao_opener_new, fapiao_opener_open) and prints the payload;
 *   4. the same with SM4-GCM (fapiao_seal_sm4_gcm): refused until the opener
 *      reads SM4-GCM (fapiao_opener_sm4_gcm), then opened;
 *   5. an opener holding the cloud platform's own credentials is not the
 *      recipient: FAPIAO_NOT_FOR_US.
 *
 * Usage: gm_envelope GM_FIXTURES_DIR [UNIX_TIME]
 *   GM_FIXTURES_DIR  tests/data/gm of the fapiao repository
 *   UNIX_TIME        the time everything happens at (0 or absent: now)
 *
 * Exit status: 0 when every step went as described, 1 when a call failed, 2 on
 * a usage error or an unreadable file. Needs the library's `gm` feature (on by
 * default); without it the first call fails with FAPIAO_FEATURE_DISABLED.
 *
 * Build (see README.md, "C API"):
 *   cargo build --release
 *   cc -std=c99 -Wall -Wextra -Iinclude examples/c/gm_envelope.c \
 *      target/release/libfapiao.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc \
 *      -o gm_envelope
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fapiao.h"

/* Prints why `call` failed: the code, its fixed message and the full detail. */
static void report(const char *call, fapiao_result rc)
{
    char message[256];
    char detail[2048];
    size_t written = 0;
    if (fapiao_result_message(rc, message, sizeof message, &written) != FAPIAO_OK) {
        strcpy(message, "(unknown code)");
    }
    if (fapiao_last_error_detail(detail, sizeof detail, &written) != FAPIAO_OK) {
        strcpy(detail, "(detail too long)");
    }
    fprintf(stderr, "%s failed: %u %s\n  detail: %s\n", call, (unsigned)rc, message, detail);
}

/* Runs a fapiao call; on failure reports it and jumps to `done`. */
#define CHECK(call)                                                                 \
    do {                                                                            \
        fapiao_result rc_ = (call);                                                 \
        if (rc_ != FAPIAO_OK) {                                                     \
            report(#call, rc_);                                                     \
            goto done;                                                              \
        }                                                                           \
    } while (0)

/* Runs a fapiao call that must fail with `expected`; jumps to `done` if not. */
#define EXPECT(expected, call)                                                      \
    do {                                                                            \
        fapiao_result rc_ = (call);                                                 \
        if (rc_ != (expected)) {                                                    \
            report(#call " (expected " #expected ")", rc_);                         \
            goto done;                                                              \
        }                                                                           \
        char message_[256];                                                         \
        size_t written_ = 0;                                                        \
        fapiao_result_message(rc_, message_, sizeof message_, &written_);           \
        printf("refused as expected: %u %s\n", (unsigned)rc_, message_);            \
    } while (0)

/* A file's contents (or several files one after the other); `data` is NULL
 * when one cannot be read. */
struct file {
    uint8_t *data;
    size_t len;
};

/* Appends the file DIR/NAME to `file`; returns 0 when it cannot be read. */
static int append_file(struct file *file, const char *dir, const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    int ok = 1;
    char chunk[4096];
    size_t n;
    while (ok && (n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        uint8_t *bigger = realloc(file->data, file->len + n);
        if (bigger == NULL) {
            ok = 0;
            break;
        }
        file->data = bigger;
        memcpy(file->data + file->len, chunk, n);
        file->len += n;
    }
    if (ferror(f)) {
        ok = 0;
    }
    fclose(f);
    if (!ok) {
        fprintf(stderr, "cannot read %s\n", path);
    }
    return ok;
}

/* DIR/FIRST followed by DIR/SECOND (SECOND may be NULL); NULL data on error. */
static struct file read_files(const char *dir, const char *first, const char *second)
{
    struct file file = {NULL, 0};
    if (!append_file(&file, dir, first) || (second != NULL && !append_file(&file, dir, second))) {
        free(file.data);
        file.data = NULL;
        file.len = 0;
    }
    return file;
}

/* A party's dual credentials: PARTY-sign.pem (+ the issuing CA) with its key,
 * and PARTY-enc.pem (+ the issuing CA) with its key. Returns 2 when a file
 * cannot be read, 1 when a call fails, 0 with `*out` set. */
static int load_dual(const char *dir, const char *party, struct fapiao_credentials **out)
{
    char sign[64], sign_key[64], enc[64], enc_key[64];
    snprintf(sign, sizeof sign, "%s-sign.pem", party);
    snprintf(sign_key, sizeof sign_key, "%s-sign.key.pem", party);
    snprintf(enc, sizeof enc, "%s-enc.pem", party);
    snprintf(enc_key, sizeof enc_key, "%s-enc.key.pem", party);
    struct file files[4] = {
        read_files(dir, sign, "issuing-ca.pem"),
        read_files(dir, sign_key, NULL),
        read_files(dir, enc, "issuing-ca.pem"),
        read_files(dir, enc_key, NULL),
    };
    struct fapiao_credentials *signing = NULL;
    int status = 2;
    for (int i = 0; i < 4; i++) {
        if (files[i].data == NULL) {
            goto done;
        }
    }
    status = 1;
    CHECK(fapiao_credentials_new(files[0].data, files[0].len, files[1].data, files[1].len,
                                 NULL, 0, &signing));
    CHECK(fapiao_credentials_with_encryption(signing, files[2].data, files[2].len,
                                             files[3].data, files[3].len, NULL, 0, out));
    status = 0;
done:
    fapiao_credentials_free(signing);
    for (int i = 0; i < 4; i++) {
        free(files[i].data);
    }
    return status;
}

/* Opens `envelope` with `opener` and prints the payload. */
static fapiao_result open_and_print(const struct fapiao_opener *opener,
                                    const struct fapiao_bytes *envelope, uint64_t now,
                                    const char *what)
{
    struct fapiao_opened *opened = NULL;
    fapiao_result rc = fapiao_opener_open(opener, fapiao_bytes_data(envelope),
                                          fapiao_bytes_len(envelope), now, &opened);
    if (rc != FAPIAO_OK) {
        return rc;
    }
    const uint8_t *data = NULL;
    size_t len = 0;
    rc = fapiao_opened_payload(opened, &data, &len);
    if (rc == FAPIAO_OK) {
        printf("service platform: opened the %s envelope: %.*s\n", what, (int)len,
               (const char *)data);
    }
    fapiao_opened_free(opened);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s GM_FIXTURES_DIR [UNIX_TIME]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    uint64_t now = argc == 3 ? strtoull(argv[2], NULL, 10) : 0;
    static const char payload[] = "{\"serial\":\"GM-20270601-000001\",\"buyer\":\"\xe5\x8e\xa6\xe9\x97\xa8\"}";

    int status = 1;
    struct fapiao_credentials *cloud = NULL, *service = NULL;
    struct fapiao_trust_store *roots = NULL;
    struct fapiao_bytes *to = NULL, *cbc = NULL, *gcm = NULL, *summary = NULL;
    struct fapiao_opener *opener = NULL, *wrong = NULL;
    struct file root = read_files(dir, "root-ca.pem", NULL);
    if (root.data == NULL) {
        return 2;
    }
    int loaded = load_dual(dir, "ecp", &cloud);
    if (loaded == 0) {
        loaded = load_dual(dir, "eisp", &service);
    }
    if (loaded != 0) {
        status = loaded;
        goto done;
    }
    CHECK(fapiao_trust_store_new(root.data, root.len, &roots));
    printf("setup: dual SM2 credentials for the cloud and the service platform\n");

    /* Sealed to the service platform's encryption certificate. */
    CHECK(fapiao_credentials_encryption_certificate(service, &to));
    CHECK(fapiao_seal(cloud, (const uint8_t *)payload, strlen(payload), fapiao_bytes_data(to),
                      fapiao_bytes_len(to), now, &cbc));
    CHECK(fapiao_inspect(fapiao_bytes_data(cbc), fapiao_bytes_len(cbc), &summary));
    printf("cloud platform: sealed a %zu-byte GM/T 0010 envelope: %.*s\n", fapiao_bytes_len(cbc),
           (int)fapiao_bytes_len(summary), (const char *)fapiao_bytes_data(summary));

    CHECK(fapiao_opener_new(service, roots, &opener));
    CHECK(open_and_print(opener, cbc, now, "SM4-CBC"));

    /* SM4-GCM: both sides set it. */
    CHECK(fapiao_seal_sm4_gcm(cloud, (const uint8_t *)payload, strlen(payload),
                              fapiao_bytes_data(to), fapiao_bytes_len(to), now, &gcm));
    EXPECT(FAPIAO_UNSUPPORTED_ALGORITHM, open_and_print(opener, gcm, now, "SM4-GCM"));
    CHECK(fapiao_opener_sm4_gcm(opener, 1));
    CHECK(open_and_print(opener, gcm, now, "SM4-GCM"));
    EXPECT(FAPIAO_REPLAY, open_and_print(opener, gcm, now, "SM4-GCM"));

    /* The sender's own credentials are not the recipient's. */
    CHECK(fapiao_opener_new(cloud, roots, &wrong));
    EXPECT(FAPIAO_NOT_FOR_US, open_and_print(wrong, cbc, now, "SM4-CBC"));
    status = 0;

done:
    fapiao_opener_free(wrong);
    fapiao_opener_free(opener);
    fapiao_bytes_free(summary);
    fapiao_bytes_free(gcm);
    fapiao_bytes_free(cbc);
    fapiao_bytes_free(to);
    fapiao_trust_store_free(roots);
    fapiao_credentials_free(service);
    fapiao_credentials_free(cloud);
    free(root.data);
    return status;
}
