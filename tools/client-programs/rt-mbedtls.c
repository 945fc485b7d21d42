/* An mbed TLS 2.28 client (Debian's libmbedtls) as its ssl_client1 example writes one, with
 * the library's defaults (mbedtls_ssl_config_defaults, TRANSPORT_STREAM, PRESET_DEFAULT), the
 * CA file as the only trust, VERIFY_REQUIRED and the host name set with mbedtls_ssl_set_hostname
 * (SNI and the certificate's name check, inside the handshake).
 *
 *     rt-mbedtls HOST PORT CAFILE [--suiteb]
 *     rt-mbedtls --version
 *
 * --suiteb uses MBEDTLS_SSL_PRESET_SUITEB (RFC 6460: ECDHE-ECDSA AES-GCM, P-256/P-384).
 * 2.28 speaks TLS 1.2 at most by default (its TLS 1.3 is experimental and off in Debian).
 * Exits 0 once the handshake is done, 1 otherwise. */
#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509_crt.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what, int code) {
    char text[200];
    mbedtls_strerror(code, text, sizeof text);
    fprintf(stderr, "%s failed: -0x%04x %s\n", what, (unsigned)-code, text);
    return 1;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        char version[18];
        mbedtls_version_get_string(version);
        printf("mbedTLS %s\n", version);
        return 0;
    }
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "--suiteb") != 0)) {
        fprintf(stderr, "usage: rt-mbedtls HOST PORT CAFILE [--suiteb]\n");
        return 2;
    }
    const char *host = argv[1];
    mbedtls_net_context server;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    mbedtls_net_init(&server);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_x509_crt_init(&ca);
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_entropy_init(&entropy);
    int ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                                    (const unsigned char *)"rt-mbedtls", 10);
    if (ret != 0) return fail("mbedtls_ctr_drbg_seed", ret);
    ret = mbedtls_x509_crt_parse_file(&ca, argv[3]);
    if (ret != 0) return fail("mbedtls_x509_crt_parse_file", ret);
    ret = mbedtls_net_connect(&server, host, argv[2], MBEDTLS_NET_PROTO_TCP);
    if (ret != 0) return fail("mbedtls_net_connect", ret);
    ret = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                      argc == 5 ? MBEDTLS_SSL_PRESET_SUITEB
                                                : MBEDTLS_SSL_PRESET_DEFAULT);
    if (ret != 0) return fail("mbedtls_ssl_config_defaults", ret);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(&conf, &ca, NULL);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    mbedtls_ssl_conf_read_timeout(&conf, 15000);
    ret = mbedtls_ssl_setup(&ssl, &conf);
    if (ret != 0) return fail("mbedtls_ssl_setup", ret);
    ret = mbedtls_ssl_set_hostname(&ssl, host);
    if (ret != 0) return fail("mbedtls_ssl_set_hostname", ret);
    mbedtls_ssl_set_bio(&ssl, &server, mbedtls_net_send, NULL, mbedtls_net_recv_timeout);
    while ((ret = mbedtls_ssl_handshake(&ssl)) != 0) {
        if (ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
            uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
            if (flags != 0 && flags != (uint32_t)-1) {
                char info[512];
                mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);
                fprintf(stderr, "certificate refused: %s", info);
            }
            return fail("mbedtls_ssl_handshake", ret);
        }
    }
    printf("handshake completed: %s %s\n", mbedtls_ssl_get_version(&ssl),
           mbedtls_ssl_get_ciphersuite(&ssl));
    mbedtls_ssl_close_notify(&ssl);
    mbedtls_net_free(&server);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_x509_crt_free(&ca);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    return 0;
}
