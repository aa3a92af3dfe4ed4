#!/usr/bin/env bash
# Regenerates the SM2 fixtures with the OpenSSL 3 CLI (written against 3.0):
# the SM2 key formats, then a small SM2 PKI (root CA, issuing CA, two
# certificates per party, faulty certificates, a CRL). README.md in this folder
# lists every file. Usage: tests/data/gm/make.sh (from any directory).
#
# Every certificate, request and CRL is signed SM2-with-SM3 under the
# distinguishing ID 1234567812345678 (GM/T 0009), passed explicitly: OpenSSL
# 3.0's default ID is empty. Good certificates are valid 2026-01-01 to
# 2036-01-01; tests validate at 2027-06-01T00:00:00Z (Unix 1811808000).
set -euo pipefail
export LC_ALL=C TZ=UTC

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/fapiao-gm.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
OUT="$WORK/out"
DB="$WORK/db"
CNF="$WORK/openssl.cnf"
mkdir -p "$OUT/faulty" "$OUT/crl" "$OUT/mixed" "$DB"

ID=1234567812345678
SIGN=(-md sm3 -sigopt "distid:$ID")
VFY=(-vfyopt "distid:$ID")
PASSWORD=fapiao-test-password
GOOD_FROM=20260101000000Z
GOOD_TO=20360101000000Z
EXPIRED_TO=20260601000000Z
RSA="$HERE/.."   # the RSA fixture PKI (for the mixed chain)

SUBJ_ROOT="/C=CN/O=Fapiao Test/CN=Fapiao Test SM2 Root CA"
SUBJ_ISSUING="/C=CN/O=Fapiao Test/CN=Fapiao Test SM2 Issuing CA"
SUBJ_ECP="/C=CN/O=Fapiao Test/CN=Fapiao Cloud Platform/serialNumber=91110108MA01ECP00X"
SUBJ_EISP="/C=CN/O=Fapiao Test/CN=Fapiao E-Invoice Service Platform/serialNumber=91110108MA01EISP0Y"
SUBJ_ENTERPRISE="/C=CN/O=Xiamen Example Trading Co./CN=Xiamen Example Trading Co./serialNumber=91350200776049653A"
SUBJ_ERP="/C=CN/O=Guangzhou Example Foods Co./CN=Guangzhou Example Foods Co./serialNumber=91440101MA5CJQ4N59"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'make.sh: %s\n' "$*" >&2; exit 1; }

ca_db() {
    mkdir -p "$DB/$1/new"
    : > "$DB/$1/index.txt"
    echo "unique_subject = no" > "$DB/$1/index.txt.attr"
    echo "$2" > "$DB/$1/serial"
    echo "01" > "$DB/$1/crlnumber"
}
ca_db root 1000
ca_db issuing 2000
ca_db rsa_issuing 2F00   # the RSA issuing CA of tests/data, for mixed/

{
    for ca in root issuing rsa_issuing; do
        cat <<E
[ ca_$ca ]
dir              = $DB/$ca
database         = \$dir/index.txt
serial           = \$dir/serial
crlnumber        = \$dir/crlnumber
new_certs_dir    = \$dir/new
policy           = policy_anything
unique_subject   = no
copy_extensions  = none
crl_extensions   = crl_ext
default_md       = sm3

E
    done
    cat <<'E'
[ req ]
distinguished_name = req_dn
string_mask        = utf8only
utf8               = yes
[ req_dn ]

[ policy_anything ]
countryName            = optional
organizationName       = optional
commonName             = supplied
serialNumber           = optional

[ crl_ext ]
authorityKeyIdentifier = keyid:always

[ v3_root ]
basicConstraints     = critical,CA:true
keyUsage             = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash

[ v3_issuing ]
basicConstraints       = critical,CA:true,pathlen:0
keyUsage               = critical,keyCertSign,cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# 双证书: a signing certificate and an encryption certificate per party.
[ leaf_sign ]
basicConstraints       = CA:false
keyUsage               = critical,digitalSignature,nonRepudiation
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_enc ]
basicConstraints       = CA:false
keyUsage               = critical,keyEncipherment,dataEncipherment,keyAgreement
extendedKeyUsage       = clientAuth,emailProtection
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
E
} > "$CNF"

# issue CA CA_CERT CA_KEY PROFILE KEY SUBJECT OUT FROM TO [SIGNING OPTIONS...]
# CA_CERT "-" self-signs. The request is signed and checked under the ID.
issue() {
    local ca=$1 cacert=$2 cakey=$3 profile=$4 key=$5 subj=$6 out=$7 from=$8 to=$9
    shift 9
    local sign=("${SIGN[@]}")
    if [[ $# -gt 0 ]]; then sign=("$@"); fi
    local csr="$WORK/req.csr"
    openssl req -new -config "$CNF" -key "$key" -subj "$subj" -sm3 -sigopt "distid:$ID" -out "$csr"
    local signer=(-cert "$cacert" -keyfile "$cakey")
    [[ $cacert == - ]] && signer=(-selfsign -keyfile "$cakey")
    openssl ca -batch -config "$CNF" -name "ca_$ca" "${signer[@]}" -extensions "$profile" \
        -preserveDN -notext "${sign[@]}" "${VFY[@]}" -startdate "$from" -enddate "$to" \
        -in "$csr" -out "$out" 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; die "openssl ca failed for $out"; }
    rm -f "$csr"
}

genkey() { openssl genpkey -algorithm SM2 -out "$1"; }

# check_signature SIGNED(PEM) ISSUER_CERT [ID]: verifies one signature (a
# certificate's or a CRL's) with `pkeyutl -rawin -digest sm3`: the TBS is the
# first element of the outer SEQUENCE, the signature the last (a BIT STRING).
check_signature() {
    local signed=$1 issuer=$2 id=${3:-$ID}
    local der="$WORK/signed.der" tbs="$WORK/tbs.der" sig="$WORK/sig.der" pub="$WORK/pub.pem"
    sed -e '/^-----/d' "$signed" | base64 -d > "$der"
    local lines first last
    lines=$(openssl asn1parse -inform DER -in "$der" | grep ':d=1 ')
    first=$(head -n1 <<<"$lines")
    last=$(tail -n1 <<<"$lines")
    local off hl len
    off=$(sed -E 's/^ *([0-9]+):.*/\1/' <<<"$first")
    hl=$(sed -E 's/.*hl= *([0-9]+).*/\1/' <<<"$first")
    len=$(sed -E 's/.* l= *([0-9]+).*/\1/' <<<"$first")
    tail -c +"$((off + 1))" "$der" | head -c "$((hl + len))" > "$tbs"
    off=$(sed -E 's/^ *([0-9]+):.*/\1/' <<<"$last")
    hl=$(sed -E 's/.*hl= *([0-9]+).*/\1/' <<<"$last")
    len=$(sed -E 's/.* l= *([0-9]+).*/\1/' <<<"$last")
    tail -c +"$((off + hl + 2))" "$der" | head -c "$((len - 1))" > "$sig"
    openssl x509 -in "$issuer" -noout -pubkey > "$pub"
    local idopt=()
    [[ -n $id ]] && idopt=(-pkeyopt "distid:$id")
    openssl pkeyutl -verify -pubin -inkey "$pub" -rawin -digest sm3 "${idopt[@]}" \
        -in "$tbs" -sigfile "$sig" >/dev/null
}

cd "$OUT"

log "SM2 key formats"
genkey sm2.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASSWORD" -in sm2.pem -out sm2.enc.pem
openssl ec -in sm2.pem -out sm2.sec1.pem 2>/dev/null
openssl pkey -in sm2.pem -pubout -out sm2.pub.pem
# OpenSSL 3.0 labels SEC1 SM2 keys `SM2 PRIVATE KEY`; other tools write the
# generic label.
sed 's/SM2 PRIVATE KEY/EC PRIVATE KEY/' sm2.sec1.pem > sm2.ec.pem

log "CAs"
genkey root-ca.key.pem
issue root - root-ca.key.pem v3_root root-ca.key.pem "$SUBJ_ROOT" root-ca.pem "$GOOD_FROM" "$GOOD_TO"
genkey issuing-ca.key.pem
issue root root-ca.pem root-ca.key.pem v3_issuing issuing-ca.key.pem "$SUBJ_ISSUING" \
    issuing-ca.pem "$GOOD_FROM" "$GOOD_TO"
cat issuing-ca.pem root-ca.pem > chain.pem

log "leaves: a signing and an encryption certificate per party, separate keys"
ISS=(issuing issuing-ca.pem issuing-ca.key.pem)
for party in ecp eisp enterprise; do
    case $party in
        ecp) subj=$SUBJ_ECP ;;
        eisp) subj=$SUBJ_EISP ;;
        enterprise) subj=$SUBJ_ENTERPRISE ;;
    esac
    for use in sign enc; do
        genkey "$party-$use.key.pem"
        issue "${ISS[@]}" "leaf_$use" "$party-$use.key.pem" "$subj" "$party-$use.pem" "$GOOD_FROM" "$GOOD_TO"
    done
done
# The platform-hosted enterprise's ERP: a signing certificate only.
genkey erp-sign.key.pem
issue "${ISS[@]}" leaf_sign erp-sign.key.pem "$SUBJ_ERP" erp-sign.pem "$GOOD_FROM" "$GOOD_TO"
# The enterprise's signing key in the other formats Credentials reads.
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout "pass:$PASSWORD" -in enterprise-sign.key.pem \
    -out enterprise-sign.enc.pem
openssl ec -in enterprise-sign.key.pem -out enterprise-sign.sec1.pem 2>/dev/null
sed 's/SM2 PRIVATE KEY/EC PRIVATE KEY/' enterprise-sign.sec1.pem > enterprise-sign.ec.pem

log "faulty leaves"
genkey faulty/empty-id.key.pem
# No -sigopt: OpenSSL 3.0 signs with an empty distinguishing ID.
issue "${ISS[@]}" leaf_sign faulty/empty-id.key.pem "/C=CN/O=Fapiao Test/CN=Fapiao SM2 Faulty Leaf empty-id" \
    faulty/empty-id.pem "$GOOD_FROM" "$GOOD_TO" -md sm3
genkey faulty/expired.key.pem
issue "${ISS[@]}" leaf_sign faulty/expired.key.pem "/C=CN/O=Fapiao Test/CN=Fapiao SM2 Faulty Leaf expired" \
    faulty/expired.pem "$GOOD_FROM" "$EXPIRED_TO"
genkey faulty/revoked.key.pem
issue "${ISS[@]}" leaf_sign faulty/revoked.key.pem "/C=CN/O=Fapiao Test/CN=Fapiao SM2 Faulty Leaf revoked" \
    faulty/revoked.pem "$GOOD_FROM" "$GOOD_TO"

log "mixed: an SM2 signing certificate issued by the RSA issuing CA"
issue rsa_issuing "$RSA/issuing-ca.pem" "$RSA/issuing-ca.key.pem" leaf_sign enterprise-sign.key.pem \
    "$SUBJ_ENTERPRISE" mixed/sm2-under-rsa.pem "$GOOD_FROM" "$GOOD_TO" -md sha256

log "CRL"
openssl ca -config "$CNF" -name ca_issuing -cert issuing-ca.pem -keyfile issuing-ca.key.pem \
    -revoke faulty/revoked.pem -crl_reason keyCompromise 2>"$WORK/ca.log" \
    || { cat "$WORK/ca.log" >&2; die "revoke failed"; }
awk -F'\t' 'BEGIN { OFS = "\t" } $1 == "R" { $3 = "260101000000Z,keyCompromise" } { print }' \
    "$DB/issuing/index.txt" > "$WORK/index.tmp"
mv "$WORK/index.tmp" "$DB/issuing/index.txt"
openssl ca -config "$CNF" -name ca_issuing -cert issuing-ca.pem -keyfile issuing-ca.key.pem -gencrl \
    "${SIGN[@]}" -crl_lastupdate "$GOOD_FROM" -crl_nextupdate "$GOOD_TO" \
    -out crl/issuing-ca.crl.pem 2>"$WORK/ca.log" || { cat "$WORK/ca.log" >&2; die "gencrl failed"; }

log "self-check: every link under the ID; the empty-ID leaf only under the empty ID"
check_signature root-ca.pem root-ca.pem
check_signature issuing-ca.pem root-ca.pem
for f in ecp-sign ecp-enc eisp-sign eisp-enc enterprise-sign enterprise-enc erp-sign faulty/expired faulty/revoked; do
    check_signature "$f.pem" issuing-ca.pem
    # And OpenSSL's own chain check, one link at a time (3.0 does not apply
    # -vfyopt to the trust anchor's self-signature).
    openssl verify -no_check_time "${VFY[@]}" -partial_chain -CAfile issuing-ca.pem "$f.pem" >/dev/null
done
openssl verify "${VFY[@]}" -CAfile root-ca.pem issuing-ca.pem >/dev/null
check_signature crl/issuing-ca.crl.pem issuing-ca.pem
# OpenSSL's own verdicts: good without -vfyopt (its empty default), bad with it.
openssl verify -no_check_time -partial_chain -CAfile issuing-ca.pem faulty/empty-id.pem >/dev/null \
    || die "empty-id.pem is not signed under the empty ID"
if check_signature faulty/empty-id.pem issuing-ca.pem 2>/dev/null \
    || openssl verify "${VFY[@]}" -partial_chain -CAfile issuing-ca.pem faulty/empty-id.pem >/dev/null 2>&1; then
    die "empty-id.pem verifies under $ID"
fi
openssl verify -CAfile "$RSA/root-ca.pem" -untrusted "$RSA/issuing-ca.pem" mixed/sm2-under-rsa.pem >/dev/null
openssl crl -in crl/issuing-ca.crl.pem -noout -text | grep -q "Serial Number: $(openssl x509 -in faulty/revoked.pem -noout -serial | cut -d= -f2)" \
    || die "the CRL does not list faulty/revoked.pem"

log "installing into $HERE"
rm -rf "$HERE/faulty" "$HERE/crl" "$HERE/mixed"
cp -r "$OUT"/. "$HERE"/
log "done"
