#!/usr/bin/env bash
# Builds the test PKI used by the fapiao test-suite: CA certificates, leaf
# certificates, keys in several formats, deliberately faulty certificates and
# CRLs.  See README.md in this directory for what every file is.
#
# Usage: tests/data/make-fixtures.sh        (from any directory)
#
# Requires the `openssl` command line tool (written against OpenSSL 3.0).
# Everything is first built in a temporary directory and checked (see
# `self_check` below); only if that succeeds are the old outputs in this
# directory removed and replaced.  Keys are freshly generated on every run, so
# the bytes change but the layout, names, subjects, serial numbers, validity
# dates and extensions are always the same.
#
# Test-time convention: tests validate "at" 2027-06-01T00:00:00Z
# (Unix time 1811808000).  Good certificates are valid
# 2026-01-01T00:00:00Z .. 2036-01-01T00:00:00Z.

set -euo pipefail
export LC_ALL=C TZ=UTC

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fapiao-fixtures.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

OUT="$WORK/out"          # staging area, becomes $HERE at the end
DB="$WORK/db"            # openssl ca databases, never committed
CNF="$WORK/openssl.cnf"
mkdir -p "$OUT/faulty" "$OUT/crl" "$DB"

PASSWORD="fapiao-test-password"

# Validity dates (YYYYMMDDHHMMSSZ).
GOOD_FROM=20260101000000Z
GOOD_TO=20360101000000Z
OLD_FROM=20200101000000Z
OLD_TO=20210101000000Z
FUTURE_FROM=20400101000000Z
FUTURE_TO=20410101000000Z
STALE_NEXT=20260601000000Z
TEST_TIME=1811808000     # 2027-06-01T00:00:00Z

# Subjects.
SUBJ_ROOT="/C=CN/O=Fapiao Test/CN=Fapiao Test Root CA"
SUBJ_ISSUING="/C=CN/O=Fapiao Test/CN=Fapiao Test Issuing CA"
SUBJ_ECP="/C=CN/O=Fapiao Test/CN=Fapiao Cloud Platform"
SUBJ_EISP="/C=CN/O=Fapiao Test/CN=Fapiao E-Invoice Service Platform"
SUBJ_ENTERPRISE="/C=CN/O=Xiamen Example Trading Co./CN=Xiamen Example Trading Co./serialNumber=91350200776049653A"
SUBJ_OTHER_ROOT="/C=CN/O=Fapiao Other/CN=Fapiao Other Root CA"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'make-fixtures.sh: %s\n' "$*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl not found"

# ---------------------------------------------------------------------------
# OpenSSL configuration: one `openssl ca` section per issuing key, plus the
# extension profiles.
# ---------------------------------------------------------------------------

# ca_db NAME FIRST_SERIAL_HEX : create an empty CA database.
ca_db() {
    local d="$DB/$1"
    mkdir -p "$d/new"
    : > "$d/index.txt"
    echo "unique_subject = no" > "$d/index.txt.attr"
    echo "$2" > "$d/serial"
    echo "01" > "$d/crlnumber"
}

ca_section() {
    cat <<EOF
[ ca_$1 ]
dir               = $DB/$1
database          = \$dir/index.txt
serial            = \$dir/serial
crlnumber         = \$dir/crlnumber
new_certs_dir     = \$dir/new
default_md        = sha256
policy            = policy_anything
unique_subject    = no
email_in_dn       = no
copy_extensions   = none
crl_extensions    = crl_ext
default_crl_days  = 30

EOF
}

# Distinct serial ranges per issuer so a serial number alone tells who issued it.
ca_db root            1000
ca_db issuing         2000
ca_db ecp_as_ca       3000   # the ordinary leaf ecp-rsa abused as an issuer
ca_db no_kcs          4000   # faulty/ca-no-keycertsign
ca_db sub             5000   # faulty/sub-ca
ca_db other_root      6000   # faulty/other-root
ca_db expired_ca      7000   # faulty/ca-expired
ca_db root_wrong      1000   # root key, separate database for crl/wrong-issuer
echo "10" > "$DB/root_wrong/crlnumber"   # CRL number 16, distinct from root-ca.crl

{
    cat <<'EOF'
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes

[ req_dn ]

[ ca ]
default_ca = ca_issuing

[ policy_anything ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied
serialNumber           = optional
emailAddress           = optional

[ crl_ext ]
authorityKeyIdentifier = keyid:always

# --- CA profiles -----------------------------------------------------------
[ v3_root ]
basicConstraints     = critical,CA:true
keyUsage             = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_issuing ]
basicConstraints       = critical,CA:true,pathlen:0
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_sub_ca ]
basicConstraints       = critical,CA:true
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_ca_no_keycertsign ]
basicConstraints       = critical,CA:true
keyUsage               = critical,digitalSignature,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# --- leaf profiles -----------------------------------------------------------
[ leaf_rsa ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_ec ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation,keyAgreement
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_sign_only ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_ed25519 ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_encipher_only ]
basicConstraints       = CA:false
keyUsage               = critical,keyEncipherment
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_no_key_usage ]
basicConstraints       = CA:false
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_unknown_critical ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.4.1.55555.1.1  = critical,DER:05:00

[ leaf_eku_server_only ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation,keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

EOF
    for ca in root issuing ecp_as_ca no_kcs sub other_root expired_ca root_wrong; do
        ca_section "$ca"
    done
} > "$CNF"

# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------

# genkey ALG OUT.key.pem : fresh private key, PKCS#8 PEM, unencrypted.
genkey() {
    local alg=$1 out=$2
    case $alg in
        rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out" ;;
        rsa1024) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out" ;;
        p256)    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
                     -pkeyopt ec_param_enc:named_curve -out "$out" ;;
        p384)    openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
                     -pkeyopt ec_param_enc:named_curve -out "$out" ;;
        ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$out" ;;
        *) die "unknown key algorithm $alg" ;;
    esac
}

# issue CA_SECTION CA_CERT CA_KEY PROFILE KEY SUBJECT OUT FROM TO [MD]
# Issues a certificate with `openssl ca` (fixed dates, fixed serials).
# CA_CERT "-" means self-signed (KEY signs itself).
issue() {
    local ca=$1 cacert=$2 cakey=$3 profile=$4 key=$5 subj=$6 out=$7 from=$8 to=$9
    local md=${10:-sha256}
    local csr="$WORK/req.csr"
    openssl req -new -config "$CNF" -key "$key" -subj "$subj" -out "$csr"
    local signer=(-cert "$cacert" -keyfile "$cakey")
    if [[ $cacert == - ]]; then
        signer=(-selfsign -keyfile "$cakey")
    fi
    openssl ca -batch -config "$CNF" -name "ca_$ca" "${signer[@]}" \
        -extensions "$profile" -preserveDN -notext -md "$md" \
        -startdate "$from" -enddate "$to" \
        -in "$csr" -out "$out" 2>"$WORK/ca.log" \
        || { cat "$WORK/ca.log" >&2; die "openssl ca failed for $out"; }
    rm -f "$csr"
}

# key_der IN.key.pem OUT.key.der : PKCS#8 DER of the same key.
# (Not `openssl pkey -outform DER`: in 3.0 that writes PKCS#1 / SEC1 DER.)
key_der() { openssl pkcs8 -topk8 -nocrypt -in "$1" -outform DER -out "$2"; }

# pem_body FILE : base64 body of a single-object PEM file -> DER on stdout.
pem_to_der() { sed -e '/^-----/d' "$1" | base64 -d; }

cd "$OUT"

# ---------------------------------------------------------------------------
# CAs
# ---------------------------------------------------------------------------
log "root and issuing CA"
genkey rsa2048 root-ca.key.pem
issue root - root-ca.key.pem v3_root root-ca.key.pem "$SUBJ_ROOT" root-ca.pem "$GOOD_FROM" "$GOOD_TO"
openssl x509 -in root-ca.pem -outform DER -out root-ca.der

genkey rsa2048 issuing-ca.key.pem
issue root root-ca.pem root-ca.key.pem v3_issuing issuing-ca.key.pem "$SUBJ_ISSUING" \
    issuing-ca.pem "$GOOD_FROM" "$GOOD_TO"

cat issuing-ca.pem root-ca.pem > chain.pem

# ---------------------------------------------------------------------------
# Good leaves
# ---------------------------------------------------------------------------
# good_leaf NAME ALG PROFILE SUBJECT
good_leaf() {
    local name=$1 alg=$2 profile=$3 subj=$4
    genkey "$alg" "$name.key.pem"
    key_der "$name.key.pem" "$name.key.der"
    issue issuing issuing-ca.pem issuing-ca.key.pem "$profile" "$name.key.pem" "$subj" \
        "$name.pem" "$GOOD_FROM" "$GOOD_TO"
}

log "good leaves"
GOOD_LEAVES=(ecp-rsa ecp-p256 eisp-rsa eisp-p256 enterprise-rsa enterprise-p256 enterprise-ed25519 ecp-p384)
good_leaf ecp-rsa            rsa2048 leaf_rsa     "$SUBJ_ECP"
good_leaf ecp-p256           p256    leaf_ec      "$SUBJ_ECP"
good_leaf eisp-rsa           rsa2048 leaf_rsa     "$SUBJ_EISP"
good_leaf eisp-p256          p256    leaf_ec      "$SUBJ_EISP"
good_leaf enterprise-rsa     rsa2048 leaf_rsa     "$SUBJ_ENTERPRISE"
good_leaf enterprise-p256    p256    leaf_ec      "$SUBJ_ENTERPRISE"
good_leaf enterprise-ed25519 ed25519 leaf_ed25519 "$SUBJ_ENTERPRISE"
good_leaf ecp-p384           p384    leaf_ec      "$SUBJ_ECP"

cat ecp-rsa.pem issuing-ca.pem root-ca.pem > bundle.pem

# ---------------------------------------------------------------------------
# Key-format fixtures (all the same key as enterprise-rsa / enterprise-p256)
# ---------------------------------------------------------------------------
log "key formats"
openssl pkey -in enterprise-rsa.key.pem -traditional -out enterprise-rsa.pkcs1.pem
openssl pkey -in enterprise-p256.key.pem -traditional -out enterprise-p256.sec1.pem
for k in enterprise-rsa enterprise-p256; do
    openssl pkcs8 -topk8 -in "$k.key.pem" -v2 aes-256-cbc -v2prf hmacWithSHA256 -iter 2048 \
        -passout "pass:$PASSWORD" -out "$k.enc.pem"
done
pem_to_der enterprise-p256.enc.pem > enterprise-p256.enc.der
openssl pkcs8 -topk8 -in enterprise-p256.key.pem -scrypt \
    -passout "pass:$PASSWORD" -out enterprise-p256.enc-scrypt.pem

# ---------------------------------------------------------------------------
# Faulty certificates.  Each leaf is wrong for exactly one reason.
# EXPECT collects "<file> <reason>" lines for expect.txt.
# ---------------------------------------------------------------------------
log "faulty certificates"
EXPECT=()

# faulty_leaf NAME REASON ALG PROFILE CA_SECTION CA_CERT CA_KEY FROM TO MD CHAIN...
# Writes faulty/NAME.pem, faulty/NAME.key.pem, faulty/NAME.chain.pem
# (the intermediates a peer would send: everything between leaf and root).
faulty_leaf() {
    local name=$1 reason=$2 alg=$3 profile=$4 ca=$5 cacert=$6 cakey=$7 from=$8 to=$9
    local md=${10}
    shift 10
    genkey "$alg" "faulty/$name.key.pem"
    issue "$ca" "$cacert" "$cakey" "$profile" "faulty/$name.key.pem" \
        "/C=CN/O=Fapiao Test/CN=Fapiao Faulty Leaf $name" "faulty/$name.pem" "$from" "$to" "$md"
    cat "$@" > "faulty/$name.chain.pem"
    EXPECT+=("faulty/$name.pem $reason")
}

ISS=(issuing issuing-ca.pem issuing-ca.key.pem)

faulty_leaf expired        expired       rsa2048 leaf_rsa "${ISS[@]}" "$OLD_FROM" "$OLD_TO" sha256 issuing-ca.pem
faulty_leaf not-yet-valid  not-yet-valid rsa2048 leaf_rsa "${ISS[@]}" "$FUTURE_FROM" "$FUTURE_TO" sha256 issuing-ca.pem

# Issued by the key of the ordinary leaf ecp-rsa (CA:false).
faulty_leaf issuer-not-ca issuer-not-ca rsa2048 leaf_rsa ecp_as_ca ecp-rsa.pem ecp-rsa.key.pem \
    "$GOOD_FROM" "$GOOD_TO" sha256 ecp-rsa.pem issuing-ca.pem

# Intermediate CA whose keyUsage lacks keyCertSign.
genkey rsa2048 faulty/ca-no-keycertsign.key.pem
issue root root-ca.pem root-ca.key.pem v3_ca_no_keycertsign faulty/ca-no-keycertsign.key.pem \
    "/C=CN/O=Fapiao Test/CN=Fapiao Faulty CA without keyCertSign" faulty/ca-no-keycertsign.pem \
    "$GOOD_FROM" "$GOOD_TO"
faulty_leaf issuer-no-keycertsign issuer-no-keycertsign rsa2048 leaf_rsa \
    no_kcs faulty/ca-no-keycertsign.pem faulty/ca-no-keycertsign.key.pem \
    "$GOOD_FROM" "$GOOD_TO" sha256 faulty/ca-no-keycertsign.pem

# Sub-CA under issuing-ca (pathlen:0) -> path length exceeded.
genkey rsa2048 faulty/sub-ca.key.pem
issue issuing issuing-ca.pem issuing-ca.key.pem v3_sub_ca faulty/sub-ca.key.pem \
    "/C=CN/O=Fapiao Test/CN=Fapiao Faulty Sub CA below pathlen 0" faulty/sub-ca.pem \
    "$GOOD_FROM" "$GOOD_TO"
faulty_leaf path-len-exceeded path-len-exceeded rsa2048 leaf_rsa \
    sub faulty/sub-ca.pem faulty/sub-ca.key.pem \
    "$GOOD_FROM" "$GOOD_TO" sha256 faulty/sub-ca.pem issuing-ca.pem

faulty_leaf wrong-key-usage-sign       wrong-key-usage-sign    rsa2048 leaf_encipher_only "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf wrong-key-usage-encrypt    wrong-key-usage-encrypt rsa2048 leaf_sign_only     "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf wrong-key-usage-encrypt-ec wrong-key-usage-encrypt p256    leaf_sign_only     "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf no-key-usage               no-key-usage            rsa2048 leaf_no_key_usage  "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf unknown-critical-ext       unknown-critical-ext    rsa2048 leaf_unknown_critical "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf sha1-signature             sha1-signature          rsa2048 leaf_rsa "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha1 issuing-ca.pem

# MD5: OpenSSL 3.0's default provider still signs with MD5; skip if a build refuses.
MD5_SKIPPED=no
if ! faulty_leaf md5-signature md5-signature rsa2048 leaf_rsa "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" md5 issuing-ca.pem; then
    log "WARNING: this OpenSSL refuses MD5 signatures; faulty/md5-signature.pem skipped"
    rm -f faulty/md5-signature.*
    MD5_SKIPPED=yes
fi

faulty_leaf rsa-1024 rsa-1024 rsa1024 leaf_rsa "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
faulty_leaf revoked  revoked  rsa2048 leaf_rsa "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem

# A different self-signed root, not in the trust store.
genkey rsa2048 faulty/other-root.key.pem
issue other_root - faulty/other-root.key.pem v3_root faulty/other-root.key.pem "$SUBJ_OTHER_ROOT" \
    faulty/other-root.pem "$GOOD_FROM" "$GOOD_TO"
faulty_leaf untrusted-root untrusted-root rsa2048 leaf_rsa \
    other_root faulty/other-root.pem faulty/other-root.key.pem \
    "$GOOD_FROM" "$GOOD_TO" sha256 faulty/other-root.pem

# A valid leaf, then one bit of its signature value flipped.
faulty_leaf broken-signature broken-signature rsa2048 leaf_rsa "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem
openssl x509 -in faulty/broken-signature.pem -outform DER -out "$WORK/broken.der"
size=$(stat -c %s "$WORK/broken.der")
pos=$((size - 8))          # inside the 256-byte RSA signature value at the very end
byte=$(od -An -tu1 -j "$pos" -N1 "$WORK/broken.der" | tr -d ' ')
printf "$(printf '\\%03o' $((byte ^ 0x01)))" \
    | dd of="$WORK/broken.der" bs=1 seek="$pos" conv=notrunc status=none
openssl x509 -inform DER -in "$WORK/broken.der" -out faulty/broken-signature.pem

# Expired intermediate CA (2020-2021) with a leaf (2026-2036) below it.
genkey rsa2048 faulty/ca-expired.key.pem
issue root root-ca.pem root-ca.key.pem v3_sub_ca faulty/ca-expired.key.pem \
    "/C=CN/O=Fapiao Test/CN=Fapiao Faulty Expired CA" faulty/ca-expired.pem "$OLD_FROM" "$OLD_TO"
faulty_leaf leaf-under-expired-ca ca-expired rsa2048 leaf_rsa \
    expired_ca faulty/ca-expired.pem faulty/ca-expired.key.pem \
    "$GOOD_FROM" "$GOOD_TO" sha256 faulty/ca-expired.pem

faulty_leaf eku-server-only eku-server-only rsa2048 leaf_eku_server_only "${ISS[@]}" "$GOOD_FROM" "$GOOD_TO" sha256 issuing-ca.pem

printf '%s\n' "${EXPECT[@]}" > expect.txt

# ---------------------------------------------------------------------------
# CRLs
# ---------------------------------------------------------------------------
log "CRLs"
# Revoke faulty/revoked.pem, with a fixed revocation date (2026-01-01) instead
# of "now" so the CRL bytes do not depend on when the script ran.
openssl ca -config "$CNF" -name ca_issuing -cert issuing-ca.pem -keyfile issuing-ca.key.pem \
    -revoke faulty/revoked.pem -crl_reason keyCompromise 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; die "revoke failed"; }
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "R" { $3 = "260101000000Z,keyCompromise" } { print }' \
    "$DB/issuing/index.txt" > "$WORK/index.tmp"
mv "$WORK/index.tmp" "$DB/issuing/index.txt"

# gencrl CA_SECTION CA_CERT CA_KEY LAST NEXT OUT_BASENAME
gencrl() {
    openssl ca -config "$CNF" -name "ca_$1" -cert "$2" -keyfile "$3" -gencrl -md sha256 \
        -crl_lastupdate "$4" -crl_nextupdate "$5" -out "crl/$6.crl.pem" 2>"$WORK/ca.log" \
        || { cat "$WORK/ca.log" >&2; die "gencrl failed for $6"; }
    openssl crl -in "crl/$6.crl.pem" -outform DER -out "crl/$6.crl.der"
}

# crlNumber 1: stale (nextUpdate 2026-06-01), crlNumber 2: fresh.
gencrl issuing issuing-ca.pem issuing-ca.key.pem "$GOOD_FROM" "$STALE_NEXT" issuing-ca-stale
gencrl issuing issuing-ca.pem issuing-ca.key.pem "$GOOD_FROM" "$GOOD_TO"    issuing-ca
gencrl root    root-ca.pem    root-ca.key.pem    "$GOOD_FROM" "$GOOD_TO"    root-ca

# The root's CRL, but listing the serial number of ecp-rsa (which the *issuing*
# CA issued).  Only an implementation that ignores the CRL issuer would treat
# ecp-rsa as revoked by it.
ecp_serial=$(openssl x509 -in ecp-rsa.pem -noout -serial | cut -d= -f2)
printf 'R\t360101000000Z\t260101000000Z,keyCompromise\t%s\tunknown\t%s\n' \
    "$ecp_serial" "/C=CN/O=Fapiao Test/CN=Fapiao Cloud Platform" > "$DB/root_wrong/index.txt"
gencrl root_wrong root-ca.pem root-ca.key.pem "$GOOD_FROM" "$GOOD_TO" wrong-issuer

# ---------------------------------------------------------------------------
# Self-check: every fixture behaves as documented with `openssl`.
# ---------------------------------------------------------------------------
log "self-check"
FAILS=0
fail() { printf 'SELF-CHECK FAILED: %s\n' "$*" >&2; FAILS=$((FAILS + 1)); }

# verify_expect LEAF CHAIN WANT [extra openssl verify args...]
# WANT is "OK" or CODE@DEPTH: openssl must report X509_V_ERR code CODE for the
# certificate at chain depth DEPTH (0 = the leaf) among its errors.
verify_expect() {
    local leaf=$1 chain=$2 want=$3
    shift 3
    local untrusted=()
    [[ -s $chain ]] && untrusted=(-untrusted "$chain")
    local out
    out=$(openssl verify -attime "$TEST_TIME" -CAfile root-ca.pem "${untrusted[@]}" "$@" "$leaf" 2>&1) || true
    if [[ $want == OK ]]; then
        [[ $out == "$leaf: OK" ]] || fail "$leaf: expected OK, got: $out"
    else
        grep -q "^error ${want%@*} at ${want#*@} depth" <<<"$out" || fail "$leaf: expected error $want, got: $out"
    fi
}

for l in "${GOOD_LEAVES[@]}"; do
    verify_expect "$l.pem" issuing-ca.pem OK
    verify_expect "$l.pem" issuing-ca.pem OK -purpose smimesign
    verify_expect "$l.pem" issuing-ca.pem OK -x509_strict -auth_level 2
    # with the CRLs of both CAs
    verify_expect "$l.pem" issuing-ca.pem OK -crl_check_all \
        -CRLfile crl/issuing-ca.crl.pem -CRLfile crl/root-ca.crl.pem
done
verify_expect issuing-ca.pem /dev/null OK
verify_expect root-ca.pem /dev/null OK

# X509_V_ERR codes (OpenSSL 3.0):
#  3 unable to get certificate CRL     7 certificate signature failure
#  9 certificate is not yet valid      10 certificate has expired
# 12 CRL has expired                   19 self-signed certificate in chain
# 20 unable to get local issuer cert   23 certificate revoked
# 25 path length constraint exceeded   26 unsupported certificate purpose
# 32 key usage does not include certificate signing
# 34 unhandled critical extension      66 EE key too small
# 68 CA signature digest algorithm too weak   79 invalid CA certificate
F=faulty
verify_expect $F/expired.pem               $F/expired.chain.pem 10@0
verify_expect $F/not-yet-valid.pem         $F/not-yet-valid.chain.pem 9@0
verify_expect $F/issuer-not-ca.pem         $F/issuer-not-ca.chain.pem 79@1
verify_expect $F/issuer-no-keycertsign.pem $F/issuer-no-keycertsign.chain.pem 32@1
verify_expect $F/path-len-exceeded.pem     $F/path-len-exceeded.chain.pem 25@2
verify_expect $F/unknown-critical-ext.pem  $F/unknown-critical-ext.chain.pem 34@0
# `openssl verify` applies no security level unless -auth_level is given, so
# SHA-1 and even MD5 signatures verify "OK" by default: the signature is valid,
# only the digest is weak.
verify_expect $F/sha1-signature.pem        $F/sha1-signature.chain.pem OK
verify_expect $F/sha1-signature.pem        $F/sha1-signature.chain.pem 68@0 -auth_level 1
if [[ $MD5_SKIPPED == no ]]; then
    verify_expect $F/md5-signature.pem     $F/md5-signature.chain.pem OK
    verify_expect $F/md5-signature.pem     $F/md5-signature.chain.pem 68@0 -auth_level 1
fi
verify_expect $F/rsa-1024.pem              $F/rsa-1024.chain.pem OK
verify_expect $F/rsa-1024.pem              $F/rsa-1024.chain.pem 66@0 -auth_level 2
verify_expect $F/revoked.pem               $F/revoked.chain.pem OK
verify_expect $F/revoked.pem               $F/revoked.chain.pem 23@0 -crl_check -CRLfile crl/issuing-ca.crl.pem
verify_expect $F/untrusted-root.pem        $F/untrusted-root.chain.pem 19@1
verify_expect $F/untrusted-root.pem        /dev/null 20@0
verify_expect $F/broken-signature.pem      $F/broken-signature.chain.pem 7@0
verify_expect $F/leaf-under-expired-ca.pem $F/leaf-under-expired-ca.chain.pem 10@1
verify_expect $F/eku-server-only.pem       $F/eku-server-only.chain.pem OK
verify_expect $F/eku-server-only.pem       $F/eku-server-only.chain.pem 26@0 -purpose smimesign
verify_expect $F/eku-server-only.pem       $F/eku-server-only.chain.pem 26@0 -purpose sslclient
# Key-usage fixtures: path validation passes, the keyUsage is what is wrong.
for n in wrong-key-usage-sign wrong-key-usage-encrypt wrong-key-usage-encrypt-ec no-key-usage; do
    verify_expect "$F/$n.pem" "$F/$n.chain.pem" OK
done
verify_expect $F/wrong-key-usage-sign.pem  $F/wrong-key-usage-sign.chain.pem 26@0 -purpose smimesign
check_ku() {
    local got
    got=$(openssl x509 -in "$1" -noout -ext keyUsage 2>/dev/null | sed -n '2p' | sed 's/^ *//')
    [[ $got == "$2" ]] || fail "$1: keyUsage '$got', expected '$2'"
}
check_ku $F/wrong-key-usage-sign.pem       "Key Encipherment"
check_ku $F/wrong-key-usage-encrypt.pem    "Digital Signature"
check_ku $F/wrong-key-usage-encrypt-ec.pem "Digital Signature"
check_ku $F/no-key-usage.pem               ""
check_ku ecp-rsa.pem  "Digital Signature, Non Repudiation, Key Encipherment"
check_ku ecp-p256.pem "Digital Signature, Non Repudiation, Key Agreement"

# The one thing wrong with these is the digest / the bit flip.
openssl x509 -in $F/sha1-signature.pem -noout -text | grep -q 'Signature Algorithm: sha1WithRSAEncryption' \
    || fail "sha1-signature.pem is not sha1WithRSAEncryption"
[[ $MD5_SKIPPED == yes ]] || openssl x509 -in $F/md5-signature.pem -noout -text \
    | grep -q 'Signature Algorithm: md5WithRSAEncryption' || fail "md5-signature.pem is not md5WithRSAEncryption"
openssl x509 -in $F/broken-signature.pem -noout -text >/dev/null || fail "broken-signature.pem does not parse"

# CRLs at the test time: the stale one has expired, the root's CRL cannot
# stand in for the issuing CA's (error 3 = unable to get certificate CRL).
verify_expect ecp-rsa.pem issuing-ca.pem 12@0 -crl_check -CRLfile crl/issuing-ca-stale.crl.pem
verify_expect ecp-rsa.pem issuing-ca.pem 3@0  -crl_check -CRLfile crl/wrong-issuer.crl.pem
verify_expect ecp-rsa.pem issuing-ca.pem 3@0  -crl_check_all \
    -CRLfile crl/wrong-issuer.crl.pem -CRLfile crl/root-ca.crl.pem
verify_expect $F/revoked.pem $F/revoked.chain.pem 23@0 -crl_check_all \
    -CRLfile crl/issuing-ca.crl.pem -CRLfile crl/root-ca.crl.pem
# ... while at 2026-03-01 the stale CRL was still current.
out=$(openssl verify -attime 1772323200 -CAfile root-ca.pem -untrusted issuing-ca.pem \
      -crl_check -CRLfile crl/issuing-ca-stale.crl.pem $F/revoked.pem 2>&1) || true
grep -q '^error 23 at 0 depth' <<<"$out" || fail "stale CRL at 2026-03-01: expected revoked, got: $out"
for c in crl/*.crl.pem; do
    openssl crl -in "$c" -noout -verify -CAfile chain.pem 2>/dev/null || fail "$c: signature does not verify"
done

# CMS signatures (S/MIME signing purpose, default for `openssl cms -verify`).
printf 'fapiao fixture self-check\n' > "$WORK/msg.txt"
# OpenSSL 3.0 cannot make CMS signatures with Ed25519 ("no default digest"),
# so enterprise-ed25519 is skipped here.
for l in "${GOOD_LEAVES[@]}"; do
    [[ $l == *ed25519 ]] && continue
    # The intermediate travels inside the SignedData (-certfile at signing time):
    # in OpenSSL 3.0, `cms -verify -certfile` only helps find the signer's own
    # certificate and is not used to build the chain.
    if ! openssl cms -sign -in "$WORK/msg.txt" -signer "$l.pem" -inkey "$l.key.pem" \
            -certfile issuing-ca.pem -binary -nodetach \
            -outform DER -out "$WORK/msg.p7s" 2>"$WORK/cms.log"; then
        fail "$l: cms -sign failed: $(cat "$WORK/cms.log")"; continue
    fi
    openssl cms -verify -inform DER -in "$WORK/msg.p7s" -CAfile root-ca.pem -certfile issuing-ca.pem \
        -binary -attime "$TEST_TIME" -out "$WORK/msg.out" 2>"$WORK/cms.log" \
        || fail "$l: cms -verify failed: $(cat "$WORK/cms.log")"
    cmp -s "$WORK/msg.txt" "$WORK/msg.out" || fail "$l: cms -verify output differs"
    # Intermediate not in the message: it must then be trusted (chain.pem).
    openssl cms -sign -in "$WORK/msg.txt" -signer "$l.pem" -inkey "$l.key.pem" -binary -nodetach \
        -outform DER -out "$WORK/msg2.p7s"
    openssl cms -verify -inform DER -in "$WORK/msg2.p7s" -CAfile chain.pem \
        -binary -attime "$TEST_TIME" -out /dev/null 2>"$WORK/cms.log" \
        || fail "$l: cms -verify (CAfile chain.pem) failed: $(cat "$WORK/cms.log")"
done

# Keys: every *.key.pem is PKCS#8 PEM, every *.key.der is PKCS#8 DER
# (PrivateKeyInfo: SEQUENCE { INTEGER 0, AlgorithmIdentifier, OCTET STRING }).
for k in *.key.pem faulty/*.key.pem; do
    head -1 "$k" | grep -qx -- '-----BEGIN PRIVATE KEY-----' || fail "$k is not PKCS#8 PEM"
done
for k in *.key.der; do
    a=$(openssl asn1parse -inform DER -in "$k")
    [[ $(sed -n 2p <<<"$a") == *"prim: INTEGER"*":00" && $(sed -n 3p <<<"$a") == *"cons: SEQUENCE"* ]] \
        || fail "$k is not PKCS#8 DER"
    cmp -s <(openssl pkey -inform DER -in "$k" -pubout) <(openssl pkey -in "${k%.der}.pem" -pubout) \
        || fail "$k is not the same key as ${k%.der}.pem"
done
for l in "${GOOD_LEAVES[@]}" $(sed 's/ .*//; s/\.pem$//' expect.txt); do
    cmp -s <(openssl pkey -in "$l.key.pem" -pubout) <(openssl x509 -in "$l.pem" -noout -pubkey) \
        || fail "$l.key.pem does not match $l.pem"
done
for k in enterprise-rsa.enc.pem enterprise-p256.enc.pem enterprise-p256.enc-scrypt.pem; do
    openssl pkey -in "$k" -passin "pass:$PASSWORD" -noout || fail "$k does not decrypt"
done
openssl pkey -inform DER -in enterprise-p256.enc.der -passin "pass:$PASSWORD" -noout \
    || fail "enterprise-p256.enc.der does not decrypt"
for k in enterprise-rsa.enc.pem enterprise-p256.enc.pem; do
    a=$(openssl asn1parse -in "$k")
    for want in PBES2 PBKDF2 hmacWithSHA256 aes-256-cbc; do
        grep -q ":$want" <<<"$a" || fail "$k: asn1parse lacks $want"
    done
done
grep -q ':scrypt' <<<"$(openssl asn1parse -in enterprise-p256.enc-scrypt.pem)" \
    || fail "enterprise-p256.enc-scrypt.pem is not scrypt"
head -1 enterprise-rsa.pkcs1.pem | grep -q 'BEGIN RSA PRIVATE KEY' || fail "pkcs1 header"
head -1 enterprise-p256.sec1.pem | grep -q 'BEGIN EC PRIVATE KEY' || fail "sec1 header"
cmp -s <(openssl pkey -in enterprise-rsa.pkcs1.pem -pubout) <(openssl x509 -in enterprise-rsa.pem -noout -pubkey) \
    || fail "pkcs1 key does not match enterprise-rsa.pem"
cmp -s <(openssl pkey -in enterprise-p256.sec1.pem -pubout) <(openssl x509 -in enterprise-p256.pem -noout -pubkey) \
    || fail "sec1 key does not match enterprise-p256.pem"

[[ $FAILS -eq 0 ]] || die "$FAILS self-check failure(s); outputs left untouched"

# ---------------------------------------------------------------------------
# Install: remove the previous outputs (only files this script makes) and
# move the new ones in.  make-fixtures.sh and README.md are never touched.
# ---------------------------------------------------------------------------
log "installing into $HERE"
rm -rf "$HERE/faulty" "$HERE/crl"
rm -f "$HERE"/root-ca.* "$HERE"/issuing-ca.* "$HERE"/chain.pem "$HERE"/bundle.pem \
      "$HERE"/expect.txt "$HERE"/ecp-*.pem "$HERE"/ecp-*.der "$HERE"/eisp-*.pem "$HERE"/eisp-*.der \
      "$HERE"/enterprise-*.pem "$HERE"/enterprise-*.der
cp -R "$OUT"/. "$HERE"/
log "done"
