// mail-gosmtp: Go's net/smtp sending one message, for tools/record_client_hellos.py.
// Usage: mail-gosmtp HOST PORT CAFILE starttls|smtps. The CA file is the only trust; the
// server name is checked as crypto/tls does by default. Exits non-zero with the error.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/smtp"
	"os"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fmt.Fprintln(os.Stderr, "usage: mail-gosmtp HOST PORT CAFILE starttls|smtps")
		os.Exit(2)
	}
	host, port, caFile, mode := os.Args[1], os.Args[2], os.Args[3], os.Args[4]
	pem, err := os.ReadFile(caFile)
	if err != nil {
		fail(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fail(fmt.Errorf("no certificate in %s", caFile))
	}
	config := &tls.Config{ServerName: host, RootCAs: roots}
	address := net.JoinHostPort(host, port)
	var client *smtp.Client
	switch mode {
	case "starttls":
		conn, err := net.DialTimeout("tcp", address, 15*time.Second)
		if err != nil {
			fail(err)
		}
		conn.SetDeadline(time.Now().Add(15 * time.Second))
		if client, err = smtp.NewClient(conn, host); err != nil {
			fail(err)
		}
		if err = client.Hello("client.tlskb.test"); err != nil {
			fail(err)
		}
		if err = client.StartTLS(config); err != nil {
			fail(err)
		}
	case "smtps":
		dialer := &net.Dialer{Timeout: 15 * time.Second, Deadline: time.Now().Add(15 * time.Second)}
		conn, err := tls.DialWithDialer(dialer, "tcp", address, config)
		if err != nil {
			fail(err)
		}
		conn.SetDeadline(time.Now().Add(15 * time.Second))
		if client, err = smtp.NewClient(conn, host); err != nil {
			fail(err)
		}
	default:
		fail(fmt.Errorf("unknown mode %q", mode))
	}
	if err := client.Quit(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mail-gosmtp:", err)
	os.Exit(1)
}
