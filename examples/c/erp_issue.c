/*
 * erp_issue: a small ERP invoicing module in C, on the fapiao C API.
 *
 * It plays the three parties of an issue request on the fixture PKI:
 *   1. the ERP signs the order (an issue request, JSON) as the enterprise;
 *   2. the cloud platform countersigns it and encrypts it to the service
 *      platform's certificate;
 *   3. the service platform opens the envelope (decrypt, verify both signers and
 *      their certificate paths against its trust store and CRLs, refuse
 *      replays), validates the order, and seals its answer to the cloud
 *      platform, which opens it.
 * The service platform role is written here with the envelope primitives; the
 * library's ServicePlatform/CloudPlatform roles (device, qualification,
 * hosting modes) get their own C functions when they land.
 *
 * Usage: erp_issue FIXTURES_DIR ORDER_JSON [UNIX_TIME]
 *   FIXTURES_DIR  tests/data of the fapiao repository
 *   ORDER_JSON    an issue request, e.g. examples/requests/valid-blue.json
 *   UNIX_TIME     the time to sign and verify at (0 or absent: now)
 *
 * Exit status: 0 when the order went through and was valid, 1 on any failure,
 * 2 on a usage error or an unreadable file.
 *
 * Build (see README.md, "C API"):
 *   cargo build --release
 *   cc -std=c99 -Wall -Wextra -Iinclude examples/c/erp_issue.c \
 *      target/release/libfapiao.a -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc \
 *      -o erp_issue
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fapiao.h"

#define PASSWORD "fapiao-test-password"

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

/* A file's contents; `data` is NULL when it cannot be read. */
struct file {
    uint8_t *data;
    size_t len;
};

static struct file read_file(const char *dir, const char *name)
{
    struct file file = {NULL, 0};
    char path[4096];
    if (dir != NULL) {
        snprintf(path, sizeof path, "%s/%s", dir, name);
    } else {
        snprintf(path, sizeof path, "%s", name);
    }
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        return file;
    }
    size_t cap = 4096;
    file.data = malloc(cap);
    while (file.data != NULL) {
        size_t n = fread(file.data + file.len, 1, cap - file.len, f);
        file.len += n;
        if (n == 0) {
            break;
        }
        if (file.len == cap) {
            uint8_t *bigger = realloc(file.data, cap * 2);
            if (bigger == NULL) {
                free(file.data);
                file.data = NULL;
                break;
            }
            file.data = bigger;
            cap *= 2;
        }
    }
    if (ferror(f) && file.data != NULL) {
        free(file.data);
        file.data = NULL;
    }
    fclose(f);
    if (file.data == NULL) {
        fprintf(stderr, "cannot read %s\n", path);
    }
    return file;
}

/* `a` followed by `b`: a leaf and its intermediates, as one PEM bundle. */
static struct file concat(struct file a, struct file b)
{
    struct file both = {NULL, 0};
    if (a.data == NULL || b.data == NULL) {
        return both;
    }
    both.data = malloc(a.len + b.len + 1);
    if (both.data != NULL) {
        memcpy(both.data, a.data, a.len);
        memcpy(both.data + a.len, b.data, b.len);
        both.len = a.len + b.len;
    }
    return both;
}

/* Loads credentials from CHAIN + the issuing CA and KEY. */
static fapiao_result load_credentials(const char *dir, const char *leaf, const char *key,
                                      const char *password, fapiao_credentials **out)
{
    struct file leaf_pem = read_file(dir, leaf);
    struct file ca_pem = read_file(dir, "issuing-ca.pem");
    struct file chain = concat(leaf_pem, ca_pem);
    struct file key_pem = read_file(dir, key);
    fapiao_result rc = FAPIAO_NULL_ARGUMENT;
    if (chain.data != NULL && key_pem.data != NULL) {
        rc = fapiao_credentials_new(chain.data, chain.len, key_pem.data, key_pem.len,
                                    (const uint8_t *)password,
                                    password ? strlen(password) : 0, out);
    }
    free(leaf_pem.data);
    free(ca_pem.data);
    free(chain.data);
    free(key_pem.data);
    return rc;
}

/* Prints every signer of an opened message. */
static fapiao_result print_signers(const char *who, const fapiao_opened *opened)
{
    size_t count = 0;
    fapiao_result rc = fapiao_opened_signer_count(opened, &count);
    if (rc != FAPIAO_OK) {
        return rc;
    }
    for (size_t i = 0; i < count; i++) {
        char subject[512];
        char serial[128];
        char fingerprint[80];
        uint64_t signed_at = 0;
        size_t written = 0;
        rc = fapiao_opened_signer_subject(opened, i, subject, sizeof subject, &written);
        if (rc != FAPIAO_OK) {
            return rc;
        }
        rc = fapiao_opened_signer_serial_number(opened, i, serial, sizeof serial, &written);
        if (rc == FAPIAO_NOT_FOUND) {
            strcpy(serial, "-");
        } else if (rc != FAPIAO_OK) {
            return rc;
        }
        rc = fapiao_opened_signer_fingerprint(opened, i, fingerprint, sizeof fingerprint,
                                              &written);
        if (rc != FAPIAO_OK) {
            return rc;
        }
        rc = fapiao_opened_signer_signing_time(opened, i, &signed_at);
        if (rc != FAPIAO_OK) {
            return rc;
        }
        printf("%s: verified signer %zu: %s (credit code %s, spki %.16s..., signed at %" PRIu64
               ")\n",
               who, i, subject, serial, fingerprint, signed_at);
    }
    return FAPIAO_OK;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s FIXTURES_DIR ORDER_JSON [UNIX_TIME]\n", argv[0]);
        return 2;
    }
    const char *dir = argv[1];
    uint64_t now = argc == 4 ? (uint64_t)strtoull(argv[3], NULL, 10) : 0;

    int status = 1;
    struct file order = read_file(NULL, argv[2]);
    struct file eisp_cert = read_file(dir, "eisp-rsa.pem");
    struct file ecp_cert = read_file(dir, "ecp-p256.pem");
    struct file roots = read_file(dir, "root-ca.pem");
    struct file crls = read_file(dir, "crl/issuing-ca.crl.pem");
    fapiao_credentials *enterprise = NULL;
    fapiao_credentials *cloud = NULL;
    fapiao_credentials *service = NULL;
    fapiao_trust_store *trust = NULL;
    fapiao_signed_message *message = NULL;
    fapiao_bytes *envelope = NULL;
    fapiao_bytes *summary = NULL;
    fapiao_opener *service_opener = NULL;
    fapiao_opener *cloud_opener = NULL;
    fapiao_opened *request = NULL;
    fapiao_opened *replayed = NULL;
    fapiao_bytes *violations = NULL;
    fapiao_bytes *answer_envelope = NULL;
    fapiao_opened *answer = NULL;
    char *answer_json = NULL;

    if (order.data == NULL || eisp_cert.data == NULL || ecp_cert.data == NULL ||
        roots.data == NULL || crls.data == NULL) {
        status = 2;
        goto done;
    }
    printf("fapiao %s (%s)\n", fapiao_version(), fapiao_crypto_provider_name());

    /* 1. ERP: the enterprise signs its order with its certificate. */
    char subject[512];
    char credit_code[64];
    size_t written = 0;
    CHECK(load_credentials(dir, "enterprise-rsa.pem", "enterprise-rsa.enc.pem", PASSWORD,
                           &enterprise));
    CHECK(fapiao_credentials_subject(enterprise, subject, sizeof subject, &written));
    CHECK(fapiao_credentials_subject_serial_number(enterprise, credit_code, sizeof credit_code,
                                                   &written));
    printf("erp: enterprise %s (credit code %s)\n", subject, credit_code);
    CHECK(fapiao_signed_message_sign(enterprise, order.data, order.len, now, &message));
    printf("erp: signed a %zu-byte order\n", order.len);

    /* 2. Cloud platform: countersign, encrypt to the service platform. */
    CHECK(load_credentials(dir, "ecp-p256.pem", "ecp-p256.key.pem", NULL, &cloud));
    CHECK(fapiao_signed_message_add_signer(message, cloud, now));
    CHECK(fapiao_signed_message_encrypt(message, eisp_cert.data, eisp_cert.len, &envelope));
    printf("cloud platform: sealed a %zu-byte envelope to the service platform\n",
           fapiao_bytes_len(envelope));
    CHECK(fapiao_inspect(fapiao_bytes_data(envelope), fapiao_bytes_len(envelope), &summary));
    printf("cloud platform: envelope %.*s\n", (int)fapiao_bytes_len(summary),
           (const char *)fapiao_bytes_data(summary));

    /* 3. Service platform: open, verify, validate. */
    CHECK(load_credentials(dir, "eisp-rsa.pem", "eisp-rsa.key.pem", NULL, &service));
    CHECK(fapiao_trust_store_new(roots.data, roots.len, &trust));
    CHECK(fapiao_trust_store_add_crls(trust, crls.data, crls.len));
    CHECK(fapiao_opener_new(service, trust, &service_opener));
    CHECK(fapiao_opener_open(service_opener, fapiao_bytes_data(envelope),
                             fapiao_bytes_len(envelope), now, &request));
    CHECK(print_signers("service platform", request));
    char message_id[140];
    CHECK(fapiao_opened_message_id(request, message_id, sizeof message_id, &written));
    printf("service platform: message id %s\n", message_id);

    fapiao_result rc = fapiao_opener_open(service_opener, fapiao_bytes_data(envelope),
                                          fapiao_bytes_len(envelope), now, &replayed);
    char text[256];
    if (fapiao_result_message(rc, text, sizeof text, &written) != FAPIAO_OK) {
        strcpy(text, "?");
    }
    printf("service platform: the same envelope again: %u %s\n", (unsigned)rc, text);
    if (rc != FAPIAO_REPLAY) {
        fprintf(stderr, "a replay was not refused\n");
        goto done;
    }

    const uint8_t *payload = NULL;
    size_t payload_len = 0;
    size_t violation_count = 0;
    CHECK(fapiao_opened_payload(request, &payload, &payload_len));
    CHECK(fapiao_request_validate(payload, payload_len, 0, &violations, &violation_count));
    printf("service platform: order of %zu bytes, %zu violation(s): %.*s\n", payload_len,
           violation_count, (int)fapiao_bytes_len(violations),
           (const char *)fapiao_bytes_data(violations));

    /* The service platform answers the cloud platform, signed and encrypted. */
    size_t answer_cap = 64 + fapiao_bytes_len(violations);
    answer_json = malloc(answer_cap);
    if (answer_json == NULL) {
        goto done;
    }
    int answer_len = snprintf(answer_json, answer_cap, "{\"message_id\":\"%.32s\",\"violations\":%.*s}",
                              message_id, (int)fapiao_bytes_len(violations),
                              (const char *)fapiao_bytes_data(violations));
    if (answer_len < 0 || (size_t)answer_len >= answer_cap) {
        goto done;
    }
    CHECK(fapiao_seal(service, (const uint8_t *)answer_json, (size_t)answer_len, ecp_cert.data,
                      ecp_cert.len, now, &answer_envelope));
    CHECK(fapiao_opener_new(cloud, trust, &cloud_opener));
    CHECK(fapiao_opener_open(cloud_opener, fapiao_bytes_data(answer_envelope),
                             fapiao_bytes_len(answer_envelope), now, &answer));
    CHECK(print_signers("cloud platform", answer));
    CHECK(fapiao_opened_payload(answer, &payload, &payload_len));
    printf("cloud platform: answer %.*s\n", (int)payload_len, (const char *)payload);

    status = violation_count == 0 ? 0 : 1;
    printf("%s\n", status == 0 ? "order accepted" : "order refused");

done:
    fapiao_opened_free(answer);
    fapiao_bytes_free(answer_envelope);
    fapiao_opener_free(cloud_opener);
    fapiao_bytes_free(violations);
    fapiao_opened_free(replayed);
    fapiao_opened_free(request);
    fapiao_opener_free(service_opener);
    fapiao_bytes_free(summary);
    fapiao_bytes_free(envelope);
    fapiao_signed_message_free(message);
    fapiao_trust_store_free(trust);
    fapiao_credentials_free(service);
    fapiao_credentials_free(cloud);
    fapiao_credentials_free(enterprise);
    free(answer_json);
    free(order.data);
    free(eisp_cert.data);
    free(ecp_cert.data);
    free(roots.data);
    free(crls.data);
    return status;
}
