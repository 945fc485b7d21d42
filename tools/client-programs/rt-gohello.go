// A Go crypto/tls client (standard library only): connects, verifies the chain against CAFILE
// and the host name, completes the handshake and closes.
//
//	rt-gohello [-tls12] [-curves P256[,P384...]] [-fips-like] HOST PORT CAFILE
//
// -tls12 pins TLS 1.2; -curves sets CurvePreferences; -fips-like configures what a FIPS-minded
// service sets in Go: TLS 1.2 only, ECDHE with AES-GCM suites, curves P-256 and P-384.
package main

import (
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

var curveNames = map[string]tls.CurveID{
	"X25519": tls.X25519, "P256": tls.CurveP256, "P384": tls.CurveP384, "P521": tls.CurveP521,
}

func main() {
	tls12 := flag.Bool("tls12", false, "TLS 1.2 only")
	curves := flag.String("curves", "", "comma-separated curve preferences (X25519,P256,P384,P521)")
	fipsLike := flag.Bool("fips-like", false, "TLS 1.2, ECDHE+AES-GCM suites, P-256/P-384")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: rt-gohello [-tls12] [-curves LIST] [-fips-like] HOST PORT CAFILE")
		os.Exit(2)
	}
	host, port, cafile := flag.Arg(0), flag.Arg(1), flag.Arg(2)
	pem, err := os.ReadFile(cafile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pem) {
		fmt.Fprintln(os.Stderr, "no certificates in", cafile)
		os.Exit(1)
	}
	config := &tls.Config{RootCAs: roots, ServerName: host}
	if *tls12 {
		config.MinVersion, config.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
	}
	if *curves != "" {
		for _, name := range strings.Split(*curves, ",") {
			id, ok := curveNames[name]
			if !ok {
				fmt.Fprintln(os.Stderr, "unknown curve", name)
				os.Exit(2)
			}
			config.CurvePreferences = append(config.CurvePreferences, id)
		}
	}
	if *fipsLike {
		config.MinVersion, config.MaxVersion = tls.VersionTLS12, tls.VersionTLS12
		config.CipherSuites = []uint16{
			tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
			tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		}
		config.CurvePreferences = []tls.CurveID{tls.CurveP256, tls.CurveP384}
	}
	dialer := &net.Dialer{Timeout: 15 * time.Second}
	conn, err := tls.DialWithDialer(dialer, "tcp", net.JoinHostPort(host, port), config)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	state := conn.ConnectionState()
	fmt.Printf("handshake completed: %x %s\n", state.Version, tls.CipherSuiteName(state.CipherSuite))
	conn.Close()
}
