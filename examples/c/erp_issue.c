/*
 * erp_issue: a small ERP invoicing module in C, on the fapiao C API, with the
 * two platforms it talks to played in the same process (as a C/C++ platform
 * host would run them), on the fixture PKI of the fapiao repository:
 *
 *   1. the ERP checks its order (an issue request, JSON) and signs it as the
 *      enterprise (fapiao_signed_message_sign);
 *   2. the cloud platform countersigns it and seals it to its pinned service
 *      platform (fapiao_cloud_platform_submit);
 *   3. the service platform opens it, verifies both signers, authenticates the
 *      enterprise, validates the order, checks the enterprise's qualification,
 *      has its hosted device issue the invoice and seals the answer
 *      (fapiao_service_platform_handle); the same envelope again is a replay;
 *   4. the cloud platform opens the answer (fapiao_cloud_platform_open_response)
 *      and the ERP prints the invoice, or the refusal;
 *   5. the service platform uploads the issued invoice to the tax authority
 *      through the host's uplink (fapiao_service_platform_drain_outbox with a
 *      fapiao_tax_upload_fn callback; here a stand-in that accepts everything).
 *
 * Before that, what the operators set up out of band: a trust store (root CA and
 * CRL), each platform's store with the other pinned (the certificate exchange),
 * the enterprise in the service platform's qualification registry, and the
 * hosted issuing device with a segment of invoice numbers.
 *
 * Usage: erp_issue FIXTURES_DIR ORDER_JSON [UNIX_TIME]
 *   FIXTURES_DIR  tests/data of the fapiao repository
 *   ORDER_JSON    an issue request, e.g. examples/requests/valid-blue.json
 *   UNIX_TIME     the time everything happens at (0 or absent: now)
 *
 * Exit status: 0 when the invoice was issued, 1 when the order was refused or a
 * call failed, 2 on a usage error or an unreadable file.
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
#define CLOUD_PLATFORM_ID "ECP-1"
#define SERVICE_PLATFORM_ID "EISP-1"

/* The enterprise in the service platform's qualification registry: platform
 * hosted, served through ECP-1, valid 2026-01-01 .. 2036-01-01. */
static const char ENTERPRISE_RECORD[] =
    "{\"tax_id\": \"91350200776049653A\", \"name\": \"Xiamen Example Trading Co.\","
    " \"status\": \"ACTIVE\", \"allowed_invoice_kinds\": [\"DIGITAL_ORDINARY\"],"
    " \"single_invoice_limit_fen\": 100000000, \"monthly_quota_fen\": 1000000000000,"
    " \"valid_from_unix\": 1767225600, \"valid_until_unix\": 2082758400,"
    " \"hosting_mode\": \"PLATFORM_HOSTED\", \"allowed_platforms\": [\"" CLOUD_PLATFORM_ID "\"],"
    " \"bound_certificates\": []}";

/* The hosted device's check-code secret (a real one comes from an HSM). */
static const uint8_t DEVICE_SECRET[32] = {
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a,
};

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

/* A fixture leaf followed by the issuing CA: a chain as one PEM bundle. */
static struct file read_chain(const char *dir, const char *leaf)
{
    struct file chain = {NULL, 0};
    struct file a = read_file(dir, leaf);
    struct file b = read_file(dir, "issuing-ca.pem");
    if (a.data != NULL && b.data != NULL && (chain.data = malloc(a.len + b.len)) != NULL) {
        memcpy(chain.data, a.data, a.len);
        memcpy(chain.data + a.len, b.data, b.len);
        chain.len = a.len + b.len;
    }
    free(a.data);
    free(b.data);
    return chain;
}

/* Loads credentials: a fixture leaf with the issuing CA, and its key. */
static fapiao_result load_credentials(const char *dir, const char *leaf, const char *key,
                                      const char *password, fapiao_credentials **out)
{
    struct file chain = read_chain(dir, leaf);
    struct file key_pem = read_file(dir, key);
    fapiao_result rc = FAPIAO_NULL_ARGUMENT;
    if (chain.data != NULL && key_pem.data != NULL) {
        rc = fapiao_credentials_new(chain.data, chain.len, key_pem.data, key_pem.len,
                                    (const uint8_t *)password,
                                    password ? strlen(password) : 0, out);
    }
    free(chain.data);
    free(key_pem.data);
    return rc;
}

/* Pins the peer `leaf` (with the issuing CA) in `store` after validating it. */
static fapiao_result pin(const char *dir, fapiao_store *store, const fapiao_trust_store *trust,
                         const char *party_id, fapiao_party_role role, const char *leaf,
                         uint64_t now)
{
    struct file chain = read_chain(dir, leaf);
    fapiao_result rc = FAPIAO_NULL_ARGUMENT;
    if (chain.data != NULL) {
        rc = fapiao_store_pin_peer(store, trust, party_id, (uint32_t)role, chain.data, chain.len,
                                   now);
    }
    free(chain.data);
    return rc;
}

/* The host's uplink to the tax authority (a stand-in: it accepts every invoice
 * and numbers its receipts; a real one sends the JSON and waits for the answer). */
static uint32_t upload_to_tax_authority(void *user_data, const uint8_t *invoice_json,
                                        size_t invoice_json_len, fapiao_upload_answer *answer)
{
    unsigned *receipts = (unsigned *)user_data;
    (void)invoice_json;
    printf("tax authority: received an invoice of %zu bytes of JSON\n", invoice_json_len);
    *receipts += 1;
    snprintf(answer->receipt_id, sizeof answer->receipt_id, "RCPT-%u", *receipts);
    return FAPIAO_UPLOAD_ACCEPTED;
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
    struct file roots = read_file(dir, "root-ca.pem");
    struct file crls = read_file(dir, "crl/issuing-ca.crl.pem");
    fapiao_trust_store *trust = NULL;
    fapiao_credentials *enterprise = NULL;
    fapiao_credentials *cloud_credentials = NULL;
    fapiao_credentials *service_credentials = NULL;
    fapiao_store *cloud_store = NULL;
    fapiao_store *service_store = NULL;
    fapiao_software_device *device = NULL;
    fapiao_service_platform *service = NULL;
    fapiao_cloud_platform *cloud = NULL;
    fapiao_bytes *violations = NULL;
    fapiao_signed_message *signed_order = NULL;
    fapiao_bytes *request = NULL;
    fapiao_bytes *summary = NULL;
    fapiao_bytes *answer = NULL;
    fapiao_bytes *replayed = NULL;
    fapiao_issue_response *response = NULL;
    char text[512];
    size_t written = 0;
    fapiao_result rc;

    if (order.data == NULL || roots.data == NULL || crls.data == NULL) {
        status = 2;
        goto done;
    }
    printf("fapiao %s (%s)\n", fapiao_version(), fapiao_crypto_provider_name());

    /* 0. Set up by the operators, out of band. */
    CHECK(fapiao_trust_store_new(roots.data, roots.len, &trust));
    CHECK(fapiao_trust_store_add_crls(trust, crls.data, crls.len));
    CHECK(fapiao_store_open(NULL, &cloud_store)); /* NULL: in memory; a path in production */
    CHECK(fapiao_store_open(NULL, &service_store));
    CHECK(pin(dir, cloud_store, trust, SERVICE_PLATFORM_ID, FAPIAO_ROLE_SERVICE_PLATFORM,
              "eisp-rsa.pem", now));
    CHECK(pin(dir, service_store, trust, CLOUD_PLATFORM_ID, FAPIAO_ROLE_CLOUD_PLATFORM,
              "ecp-p256.pem", now));
    CHECK(fapiao_store_add_enterprise(service_store, (const uint8_t *)ENTERPRISE_RECORD,
                                      strlen(ENTERPRISE_RECORD)));
    CHECK(load_credentials(dir, "eisp-rsa.pem", "eisp-rsa.key.pem", NULL,
                           &service_credentials));
    CHECK(fapiao_software_device_new("EISP-DEV-1", service_credentials, DEVICE_SECRET,
                                     sizeof DEVICE_SECRET, service_store, &device));
    CHECK(fapiao_software_device_add_segment(device, "eisp-2026", "DIGITAL_ORDINARY", "26350", 1,
                                             999999999999999ULL));
    CHECK(fapiao_service_platform_new(service_credentials, trust, service_store, device,
                                      &service));
    CHECK(load_credentials(dir, "ecp-p256.pem", "ecp-p256.key.pem", NULL, &cloud_credentials));
    CHECK(fapiao_cloud_platform_new(cloud_credentials, trust, cloud_store, SERVICE_PLATFORM_ID,
                                    &cloud));
    printf("setup: %s and %s pinned each other; enterprise registered; device EISP-DEV-1 "
           "ready\n", CLOUD_PLATFORM_ID, SERVICE_PLATFORM_ID);

    /* 1. ERP: check the order, sign it with the enterprise's certificate. */
    size_t violation_count = 0;
    CHECK(fapiao_request_validate(order.data, order.len, 0, &violations, &violation_count));
    printf("erp: order of %zu bytes, %zu violation(s) found locally: %.*s\n", order.len,
           violation_count, (int)fapiao_bytes_len(violations),
           (const char *)fapiao_bytes_data(violations));
    CHECK(load_credentials(dir, "enterprise-rsa.pem", "enterprise-rsa.enc.pem", PASSWORD,
                           &enterprise));
    CHECK(fapiao_credentials_subject(enterprise, text, sizeof text, &written));
    printf("erp: signing as %s\n", text);
    CHECK(fapiao_signed_message_sign(enterprise, order.data, order.len, now, &signed_order));

    /* 2. Cloud platform: countersign, seal to the service platform. */
    CHECK(fapiao_cloud_platform_submit(cloud, signed_order, now, &request));
    CHECK(fapiao_inspect(fapiao_bytes_data(request), fapiao_bytes_len(request), &summary));
    printf("cloud platform: sealed a %zu-byte envelope: %.*s\n", fapiao_bytes_len(request),
           (int)fapiao_bytes_len(summary), (const char *)fapiao_bytes_data(summary));

    /* 3. Service platform: open, verify, authenticate, validate, issue, seal. */
    CHECK(fapiao_service_platform_handle(service, fapiao_bytes_data(request),
                                         fapiao_bytes_len(request), now, &answer));
    printf("service platform: answered with a %zu-byte envelope\n", fapiao_bytes_len(answer));
    rc = fapiao_service_platform_handle(service, fapiao_bytes_data(request),
                                        fapiao_bytes_len(request), now, &replayed);
    if (fapiao_result_message(rc, text, sizeof text, &written) != FAPIAO_OK) {
        strcpy(text, "?");
    }
    printf("service platform: the same envelope again: %u %s\n", (unsigned)rc, text);
    if (rc != FAPIAO_REPLAY) {
        fprintf(stderr, "a replay was not refused\n");
        goto done;
    }

    /* 4. Cloud platform: open the answer; the ERP prints the outcome. */
    uint32_t outcome = 0;
    CHECK(fapiao_cloud_platform_open_response(cloud, fapiao_bytes_data(answer),
                                              fapiao_bytes_len(answer), now, &response));
    CHECK(fapiao_issue_response_outcome(response, &outcome));
    CHECK(fapiao_issue_response_serial_number(response, text, sizeof text, &written));
    printf("erp: order %s: ", text);
    if (outcome == FAPIAO_OUTCOME_ISSUED) {
        char number[64];
        char check_code[64];
        int64_t total_fen = 0;
        CHECK(fapiao_issue_response_invoice_number(response, number, sizeof number, &written));
        CHECK(fapiao_issue_response_check_code(response, check_code, sizeof check_code,
                                               &written));
        CHECK(fapiao_issue_response_total_fen(response, &total_fen));
        printf("invoice %s issued, check code %s, total %" PRId64 ".%02d yuan\n", number,
               check_code, total_fen / 100, (int)(total_fen % 100));

        /* 5. Service platform: upload what is due in its tax outbox. */
        unsigned receipts = 0;
        fapiao_drain_report drained;
        CHECK(fapiao_service_platform_drain_outbox(service, upload_to_tax_authority, &receipts,
                                                   now, &drained));
        printf("service platform: %zu due, %zu uploaded, %zu retried, %zu parked\n",
               drained.due, drained.uploaded, drained.retried, drained.parked);
        if (drained.uploaded != 1) {
            fprintf(stderr, "the invoice was not uploaded\n");
            goto done;
        }
        status = 0;
    } else if (outcome == FAPIAO_OUTCOME_ACCEPTED_PENDING) {
        CHECK(fapiao_issue_response_ticket(response, text, sizeof text, &written));
        printf("accepted, ticket %s\n", text);
    } else {
        CHECK(fapiao_issue_response_failure_code(response, text, sizeof text, &written));
        printf("refused: %s\n", text);
    }
    const uint8_t *json = NULL;
    size_t json_len = 0;
    CHECK(fapiao_issue_response_json(response, &json, &json_len));
    printf("erp: response %.*s\n", (int)json_len, (const char *)json);

done:
    fapiao_issue_response_free(response);
    fapiao_bytes_free(replayed);
    fapiao_bytes_free(answer);
    fapiao_bytes_free(summary);
    fapiao_bytes_free(request);
    fapiao_signed_message_free(signed_order);
    fapiao_bytes_free(violations);
    fapiao_cloud_platform_free(cloud);
    fapiao_service_platform_free(service);
    fapiao_software_device_free(device);
    fapiao_store_free(service_store);
    fapiao_store_free(cloud_store);
    fapiao_credentials_free(cloud_credentials);
    fapiao_credentials_free(service_credentials);
    fapiao_credentials_free(enterprise);
    fapiao_trust_store_free(trust);
    free(order.data);
    free(roots.data);
    free(crls.data);
    return status;
}
