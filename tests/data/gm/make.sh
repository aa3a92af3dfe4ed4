#!/bin/sh
# Regenerates the SM2 key fixtures with the OpenSSL 3 CLI (run from this folder).
set -e
openssl genpkey -algorithm SM2 -out sm2.pem
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:fapiao-test-password -in sm2.pem -out sm2.enc.pem
openssl ec -in sm2.pem -out sm2.sec1.pem
openssl pkey -in sm2.pem -pubout -out sm2.pub.pem
# OpenSSL 3.0 labels SEC1 SM2 keys `SM2 PRIVATE KEY`; other tools write the
# generic label.
sed 's/SM2 PRIVATE KEY/EC PRIVATE KEY/' sm2.sec1.pem > sm2.ec.pem
