/* A wolfSSL client as Debian's libwolfssl builds it: wolfSSLv23_client_method (the highest
 * version both support), the CA file as the only trust, peer verification and the host name
 * checked inside the handshake (wolfSSL_check_domain_name), SNI set (wolfSSL_UseSNI).
 *
 *     rt-wolfssl HOST PORT CAFILE [--tls12]
 *     rt-wolfssl --version
 *
 * --tls12 uses wolfTLSv1_2_client_method. Exits 0 once the handshake is done, 1 otherwise. */
#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int connect_to(const char *host, const char *port) {
    struct addrinfo hints = {0}, *found, *each;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, port, &hints, &found) != 0) return -1;
    int fd = -1;
    for (each = found; each != NULL; each = each->ai_next) {
        fd = socket(each->ai_family, each->ai_socktype, each->ai_protocol);
        if (fd < 0) continue;
        struct timeval limit = {15, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        if (connect(fd, each->ai_addr, each->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("wolfSSL %s\n", wolfSSL_lib_version());
        return 0;
    }
    if (argc < 4 || argc > 5 || (argc == 5 && strcmp(argv[4], "--tls12") != 0)) {
        fprintf(stderr, "usage: rt-wolfssl HOST PORT CAFILE [--tls12]\n");
        return 2;
    }
    const char *host = argv[1];
    wolfSSL_Init();
    WOLFSSL_CTX *ctx = wolfSSL_CTX_new(argc == 5 ? wolfTLSv1_2_client_method()
                                                 : wolfSSLv23_client_method());
    if (ctx == NULL) { fprintf(stderr, "wolfSSL_CTX_new failed\n"); return 1; }
    if (wolfSSL_CTX_load_verify_locations(ctx, argv[3], NULL) != WOLFSSL_SUCCESS) {
        fprintf(stderr, "cannot load %s\n", argv[3]);
        return 1;
    }
    wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_PEER, NULL);
    int fd = connect_to(host, argv[2]);
    if (fd < 0) { fprintf(stderr, "cannot connect to %s:%s\n", host, argv[2]); return 1; }
    WOLFSSL *ssl = wolfSSL_new(ctx);
    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, host, (unsigned short)strlen(host));
    wolfSSL_check_domain_name(ssl, host);
    wolfSSL_set_fd(ssl, fd);
    if (wolfSSL_connect(ssl) != WOLFSSL_SUCCESS) {
        char text[WOLFSSL_MAX_ERROR_SZ];
        int error = wolfSSL_get_error(ssl, 0);
        fprintf(stderr, "handshake failed: %d %s\n", error, wolfSSL_ERR_error_string(error, text));
        return 1;
    }
    printf("handshake completed: %s %s\n", wolfSSL_get_version(ssl),
           wolfSSL_get_cipher_name(ssl));
    wolfSSL_shutdown(ssl);
    wolfSSL_free(ssl);
    close(fd);
    wolfSSL_CTX_free(ctx);
    wolfSSL_Cleanup();
    return 0;
}
