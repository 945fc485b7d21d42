// A Botan 2 TLS client (Debian's libbotan-2) with one of Botan's built-in policies, the CA file
// as its only trust (no revocation data required, see below), and Botan's own certificate check: the default
// TLS::Callbacks::tls_verify_cert_chain validates the path and the host name (from
// Server_Information, also sent as SNI) and aborts the handshake with an alert on failure.
//
//     rt-botan HOST PORT CAFILE [default|bsi|suiteb_128|strict]
//     rt-botan --version
//
// Exits 0 once the handshake is done, 1 otherwise.
#include <botan/auto_rng.h>
#include <botan/certstor.h>
#include <botan/data_src.h>
#include <botan/tls_client.h>
#include <botan/tls_policy.h>
#include <botan/version.h>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <iostream>
#include <memory>
#include <string>

namespace {

int connect_to(const std::string &host, const std::string &port) {
    addrinfo hints{}, *found = nullptr;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), port.c_str(), &hints, &found) != 0) return -1;
    int fd = -1;
    for (addrinfo *each = found; each != nullptr; each = each->ai_next) {
        fd = socket(each->ai_family, each->ai_socktype, each->ai_protocol);
        if (fd < 0) continue;
        timeval limit{15, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        if (connect(fd, each->ai_addr, each->ai_addrlen) == 0) break;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(found);
    return fd;
}

class Callbacks : public Botan::TLS::Callbacks {
  public:
    explicit Callbacks(int fd) : fd_(fd) {}
    void tls_emit_data(const uint8_t data[], size_t size) override {
        while (size > 0) {
            ssize_t sent = send(fd_, data, size, MSG_NOSIGNAL);
            if (sent <= 0) throw std::runtime_error("send failed");
            data += sent;
            size -= static_cast<size_t>(sent);
        }
    }
    void tls_record_received(uint64_t, const uint8_t[], size_t) override {}
    void tls_alert(Botan::TLS::Alert alert) override {
        if (alert.is_fatal()) std::cerr << "alert received: " << alert.type_string() << "\n";
    }
    bool tls_session_established(const Botan::TLS::Session &) override { return false; }

  private:
    int fd_;
};

class Credentials : public Botan::Credentials_Manager {
  public:
    explicit Credentials(const std::string &cafile) {
        Botan::DataSource_Stream source(cafile);
        while (!source.end_of_data()) {
            try {
                store_.add_certificate(Botan::X509_Certificate(source));
            } catch (const Botan::Decoding_Error &) {
                break;  // trailing text after the last certificate
            }
        }
    }
    std::vector<Botan::Certificate_Store *> trusted_certificate_authorities(
            const std::string &, const std::string &) override {
        return {&store_};
    }

  private:
    Botan::Certificate_Store_In_Memory store_;
};

// Botan 2's policies require revocation data (OCSP or CRL) for every certificate by default;
// a private CA has none, so the client asks for none, as applications with a private CA do.
// Observed with 2.19.3: this changes nothing in the ClientHello (status_request stays).
template <class Base>
class Without_Revocation : public Base {
  public:
    bool require_cert_revocation_info() const override { return false; }
};

std::unique_ptr<Botan::TLS::Policy> policy_named(const std::string &name) {
    if (name == "default") return std::make_unique<Without_Revocation<Botan::TLS::Policy>>();
    if (name == "bsi") return std::make_unique<Without_Revocation<Botan::TLS::BSI_TR_02102_2>>();
    if (name == "suiteb_128")
        return std::make_unique<Without_Revocation<Botan::TLS::NSA_Suite_B_128>>();
    if (name == "strict") return std::make_unique<Without_Revocation<Botan::TLS::Strict_Policy>>();
    return nullptr;
}

}  // namespace

int main(int argc, char **argv) {
    if (argc == 2 && std::string(argv[1]) == "--version") {
        std::cout << "Botan " << Botan::short_version_string() << "\n";
        return 0;
    }
    std::unique_ptr<Botan::TLS::Policy> policy = policy_named(argc == 5 ? argv[4] : "default");
    if ((argc != 4 && argc != 5) || !policy) {
        std::cerr << "usage: rt-botan HOST PORT CAFILE [default|bsi|suiteb_128|strict]\n";
        return 2;
    }
    const std::string host = argv[1];
    try {
        Credentials credentials(argv[3]);
        int fd = connect_to(host, argv[2]);
        if (fd < 0) throw std::runtime_error("cannot connect to " + host + ":" + argv[2]);
        Callbacks callbacks(fd);
        Botan::AutoSeeded_RNG rng;
        Botan::TLS::Session_Manager_Noop sessions;
        Botan::TLS::Client client(callbacks, sessions, credentials, *policy, rng,
                                  Botan::TLS::Server_Information(host, std::stoi(argv[2])));
        uint8_t buffer[16384];
        while (!client.is_active() && !client.is_closed()) {
            ssize_t got = recv(fd, buffer, sizeof buffer, 0);
            if (got <= 0) throw std::runtime_error("connection closed during the handshake");
            client.received_data(buffer, static_cast<size_t>(got));
        }
        if (!client.is_active()) throw std::runtime_error("handshake did not complete");
        std::cout << "handshake completed\n";
        client.close();
        close(fd);
    } catch (const std::exception &error) {
        std::cerr << "handshake failed: " << error.what() << "\n";
        return 1;
    }
    return 0;
}
