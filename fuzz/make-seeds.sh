#!/usr/bin/env bash
# Rebuilds the seed corpora in fuzz/seeds/<target>/ from the fixture PKI
# (tests/data), the sample requests (examples/requests) and OpenSSL-made
# envelopes. Rerun after tests/data/make-fixtures.sh (new fixture keys make the
# old envelope seeds undecryptable; tests/cli/fuzz_seeds.rs notices).
#
# The envelopes and exchange messages fapiao itself makes are written by
# tests/cli/fuzz_seeds.rs (FAPIAO_WRITE_FUZZ_SEEDS=1), at the fuzz targets' fixed
# time, so that they open and verify all the way through.
set -euo pipefail
cd "$(dirname "$0")/.."
data=tests/data
seeds=fuzz/seeds
pass=fapiao-test-password
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

rm -rf "$seeds"
mkdir -p "$seeds"/{envelope_open,certificate_parse,private_key_parse,exchange_message,issue_request,service_platform_handle}

# issue_request: every sample request, valid and invalid, but the 320 KB one
# with 2,001 lines (a seed that large would raise libFuzzer's -max_len for all).
cp examples/requests/*.json "$seeds/issue_request/"
rm "$seeds/issue_request/invalid-too-many-lines.json"

# service_platform_handle: payloads (the target signs and seals them): the
# sample requests with the platform-hosted enterprise as seller, a ticket query,
# and a front end's pull and results.
for f in valid-blue valid-red invalid-tax-mismatch; do
    sed -e 's/"tax_id": "91440101MA5CJQ4N59"/"tax_id": "BUYER"/' \
        -e 's/"tax_id": "91350200776049653A"/"tax_id": "91440101MA5CJQ4N59"/' \
        -e 's/"tax_id": "BUYER"/"tax_id": "91350200776049653A"/' \
        "examples/requests/$f.json" >"$seeds/service_platform_handle/$f.json"
done
sed -e 's/"interface_code": "ISSUE"/"interface_code": "QUERY"/' \
    "$seeds/service_platform_handle/valid-blue.json" >"$seeds/service_platform_handle/query.json"
printf '%s' '{"version":"1.0","ticket":"91350200776049653A:ERP-1"}' \
    >"$seeds/service_platform_handle/ticket-query.json"
printf '%s' '{"type":"pull","version":"1.0","limit":10}' \
    >"$seeds/service_platform_handle/pull.json"
printf '%s' '{"type":"results","version":"1.0","results":[{"command_id":"91350200776049653A:ERP-1","outcome":{"status":"FAILED","detail":"paper jam"}}]}' \
    >"$seeds/service_platform_handle/results.json"

# certificate_parse: certificates and CRLs, PEM and DER, single and bundles.
for f in root-ca.der chain.pem ecp-p256.pem ecp-p384.pem enterprise-ed25519.pem \
    enterprise-rsa.pem faulty/unknown-critical-ext.pem faulty/untrusted-root.pem \
    crl/issuing-ca.crl.der crl/issuing-ca.crl.pem crl/root-ca.crl.der; do
    cp "$data/$f" "$seeds/certificate_parse/$(echo "$f" | tr / -)"
done
cat "$data/crl/issuing-ca.crl.der" "$data/crl/root-ca.crl.der" \
    >"$seeds/certificate_parse/crl-bundle.der"
# The SM2 PKI (tests/data/gm): certificates signed SM2-with-SM3, one under
# OpenSSL's empty distinguishing ID, and its CRL.
for f in chain.pem ecp-sign.pem eisp-enc.pem faulty/empty-id.pem crl/issuing-ca.crl.pem; do
    cp "$data/gm/$f" "$seeds/certificate_parse/gm-$(echo "$f" | tr / -)"
done

# private_key_parse: every format; encrypted ones with cheap KDF parameters
# (the fuzz build bounds PBKDF2 at 10,000 iterations and scrypt at 1 MiB).
for f in enterprise-p256.key.der enterprise-p256.key.pem enterprise-rsa.pkcs1.pem \
    enterprise-p256.sec1.pem enterprise-p256.enc.der enterprise-p256.enc.pem \
    enterprise-ed25519.key.der ecp-p384.key.pem; do
    cp "$data/$f" "$seeds/private_key_parse/$f"
done
# SM2 keys: PKCS#8, encrypted PKCS#8, SEC1 and OpenSSL's "SM2 PRIVATE KEY".
for f in enterprise-sign.key.pem enterprise-sign.enc.pem enterprise-sign.sec1.pem \
    enterprise-sign.ec.pem; do
    cp "$data/gm/$f" "$seeds/private_key_parse/gm-$f"
done
openssl pkcs8 -topk8 -scrypt -scrypt_N 1024 -scrypt_r 8 -scrypt_p 1 \
    -in "$data/enterprise-p256.key.pem" -passout "pass:$pass" \
    -out "$seeds/private_key_parse/enterprise-p256.scrypt-1mib.pem"
openssl pkcs8 -topk8 -v2 aes-128-cbc -v2prf hmacWithSHA512 -iter 1000 -outform DER \
    -in "$data/enterprise-p256.key.pem" -passout "pass:$pass" \
    -out "$seeds/private_key_parse/enterprise-p256.sha512-aes128.der"

# envelope_open: OpenSSL-made envelopes (signed now, so at the fuzz time they
# fail the signing-time window, after decryption and signature checks).
printf '%s' '{"serial":"ERP-2026-000042","total_fen":11300}' >"$tmp/payload"
sign() { # sender -> signed DER
    openssl cms -sign -binary -nodetach -in "$tmp/payload" -signer "$data/$1.pem" \
        -inkey "$data/$1.key.pem" -certfile "$data/issuing-ca.pem" -outform DER \
        -out "$tmp/$1.signed.der"
}
sign ecp-rsa
sign ecp-p256
openssl cms -encrypt -binary -aes-256-gcm -in "$tmp/ecp-rsa.signed.der" -outform DER \
    -recip "$data/eisp-rsa.pem" -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 \
    -keyopt rsa_mgf1_md:sha256 -out "$seeds/envelope_open/openssl-rsa-oaep.der"
openssl cms -encrypt -binary -aes-256-gcm -in "$tmp/ecp-p256.signed.der" -outform DER \
    -recip "$data/eisp-p256.pem" -keyopt ecdh_kdf_md:sha256 \
    -out "$seeds/envelope_open/openssl-p256.der"
openssl cms -encrypt -binary -aes-256-gcm -in "$tmp/ecp-p256.signed.der" -outform DER \
    -recip "$data/eisp-p256.pem" -out "$seeds/envelope_open/openssl-p256-sha1-kdf.der"
openssl cms -encrypt -binary -aes-256-cbc -in "$tmp/ecp-rsa.signed.der" -outform DER \
    -recip "$data/eisp-rsa.pem" -out "$seeds/envelope_open/openssl-legacy-cbc.der"
# Legacy AES-CBC with the recipients we read (opened when the policy allows it).
openssl cms -encrypt -binary -aes-256-cbc -in "$tmp/ecp-rsa.signed.der" -outform DER \
    -recip "$data/eisp-rsa.pem" -keyopt rsa_padding_mode:oaep -keyopt rsa_oaep_md:sha256 \
    -keyopt rsa_mgf1_md:sha256 -out "$seeds/envelope_open/openssl-legacy-cbc-oaep.der"
openssl cms -encrypt -binary -aes-256-cbc -in "$tmp/ecp-p256.signed.der" -outform DER \
    -recip "$data/eisp-p256.pem" -keyopt ecdh_kdf_md:sha256 \
    -out "$seeds/envelope_open/openssl-legacy-cbc-p256.der"
cp "$tmp/ecp-p256.signed.der" "$seeds/envelope_open/openssl-signed-only.der"

# The envelopes and exchange messages fapiao makes, at the fuzz time.
FAPIAO_WRITE_FUZZ_SEEDS=1 cargo test --quiet --test cli fuzz_seeds::

du -sh "$seeds"/*
