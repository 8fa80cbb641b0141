#!/bin/sh
# bin/keeper-rotate of the portable bundle: runs libexec/keeper-rotate (the real program, which finds its plugins
# in ../lib/keeper-rotate/plugins relative to itself and its libraries in ../lib).
#
# Why a wrapper: the bundled OpenSSL was built for Debian and looks for the system's trusted CAs under
# /usr/lib/ssl, which Rocky/RHEL 9 and the Gateway image do not have. When the caller names no CA store
# (SSL_CERT_FILE / SSL_CERT_DIR unset), point SSL_CERT_FILE at the distribution's bundle, so TLS verification
# uses exactly the CAs the system trusts. An explicit SSL_CERT_FILE or SSL_CERT_DIR is always left alone.
if [ -z "${SSL_CERT_FILE-}" ] && [ -z "${SSL_CERT_DIR-}" ]; then
  for ca in /etc/pki/tls/certs/ca-bundle.crt /etc/ssl/certs/ca-certificates.crt /etc/ssl/ca-bundle.pem \
            /etc/ssl/cert.pem; do
    if [ -r "$ca" ]; then
      SSL_CERT_FILE=$ca
      export SSL_CERT_FILE
      break
    fi
  done
fi
self=$(readlink -f -- "$0") || exit 1
exec "${self%/*}/../libexec/keeper-rotate" "$@"
