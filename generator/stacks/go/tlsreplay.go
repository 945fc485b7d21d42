// tlsreplay: tlskb's Go crypto/tls replayer. It hands recorded ClientHellos to Go's own
// tls.Server, in memory, and reports what the server wrote.
//
// One long-lived process (replay.py starts it). Requests on stdin, each a 4-byte big-endian
// length and that many bytes; the first byte names the operation:
//
//	'V'                                 -> {"ok":true,"go":"go1.19.8","goos":...,"goarch":...}
//	'K' + JSON {id,chain_pem,key_pem}    -> {"ok":true,"id":...}      load one key type
//	'H' + len(id) + id + hello bytes     -> {"ok":true,"flight":hex,"keylog":[...],
//	                                         "waiting":bool,"error":text|null,"timed_out":bool}
//
// `tlsreplay live MILLISECONDS` serves real sockets instead (tlslive.go, built into the same program).
//
// Every answer is exactly one JSON line on stdout. Nothing listens on a socket: the server
// reads the hello from an in-memory net.Conn whose Read returns errWaiting once the bytes are
// used up (the server has written its flight and wants the client's next one), and every
// byte it writes is kept. The server is a zero tls.Config with one certificate and
// SessionTicketsDisabled; the key log (NSS format) lets the caller open TLS 1.3 records.
// Standard library only: the build needs no module.
package main

import (
	"bufio"
	"crypto/tls"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

const maxRequest = 1 << 20 // no ClientHello flight is larger
const maxFlight = 4 << 20  // a server flight is far smaller
const handshakeTimeout = 10 * time.Second

var errWaiting = errors.New("tlsreplay: waiting for the client's next flight")
var errClosed = errors.New("tlsreplay: connection closed")

type memAddr struct{}

func (memAddr) Network() string { return "memory" }
func (memAddr) String() string  { return "memory" }

// memConn is the in-memory net.Conn the server runs on.
type memConn struct {
	mu       sync.Mutex
	in       []byte
	consumed int
	out      []byte
	closed   bool
}

func (c *memConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errClosed
	}
	if c.consumed >= len(c.in) {
		return 0, errWaiting
	}
	n := copy(p, c.in[c.consumed:])
	c.consumed += n
	return n, nil
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, errClosed
	}
	if len(c.out)+len(p) > maxFlight {
		return 0, errors.New("tlsreplay: the server wrote more than 4 MiB")
	}
	c.out = append(c.out, p...)
	return len(p), nil
}

func (c *memConn) Close() error {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	return nil
}
func (c *memConn) LocalAddr() net.Addr                { return memAddr{} }
func (c *memConn) RemoteAddr() net.Addr               { return memAddr{} }
func (c *memConn) SetDeadline(t time.Time) error      { return nil }
func (c *memConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *memConn) SetWriteDeadline(t time.Time) error { return nil }

// keyLog collects the NSS key log lines of one handshake.
type keyLog struct {
	mu    sync.Mutex
	lines []string
}

func (k *keyLog) Write(p []byte) (int, error) {
	k.mu.Lock()
	k.lines = append(k.lines, strings.TrimSpace(string(p)))
	k.mu.Unlock()
	return len(p), nil
}

var configs = map[string]*tls.Config{}

func loadKey(payload []byte) map[string]any {
	var req struct {
		ID       string `json:"id"`
		ChainPEM string `json:"chain_pem"`
		KeyPEM   string `json:"key_pem"`
	}
	if err := json.Unmarshal(payload, &req); err != nil {
		return map[string]any{"ok": false, "error": "bad key request: " + err.Error()}
	}
	cert, err := tls.X509KeyPair([]byte(req.ChainPEM), []byte(req.KeyPEM))
	if err != nil {
		return map[string]any{"ok": false, "error": "X509KeyPair: " + err.Error()}
	}
	// The server: a zero tls.Config with one certificate, tickets off; Go's defaults for
	// everything else (versions, suites, curves, signature schemes, no ALPN).
	configs[req.ID] = &tls.Config{Certificates: []tls.Certificate{cert}, SessionTicketsDisabled: true}
	return map[string]any{"ok": true, "id": req.ID, "chain_length": len(cert.Certificate)}
}

func handshake(id string, hello []byte) (result map[string]any, fatal bool) {
	base, ok := configs[id]
	if !ok {
		return map[string]any{"ok": false, "error": "unknown key type " + id}, false
	}
	config := base.Clone()
	log := &keyLog{}
	config.KeyLogWriter = log
	conn := &memConn{in: hello}
	server := tls.Server(conn, config)

	type outcome struct {
		err      error
		panicked string
	}
	done := make(chan outcome, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				done <- outcome{panicked: fmt.Sprint(r)}
			}
		}()
		done <- outcome{err: server.Handshake()}
	}()
	var got outcome
	timedOut := false
	timer := time.NewTimer(handshakeTimeout)
	select {
	case got = <-done:
		timer.Stop()
	case <-timer.C:
		timedOut = true
		conn.Close()
	}

	conn.mu.Lock()
	flight := append([]byte(nil), conn.out...)
	conn.mu.Unlock()
	log.mu.Lock()
	lines := append([]string(nil), log.lines...)
	log.mu.Unlock()

	result = map[string]any{"ok": true, "flight": hex.EncodeToString(flight), "keylog": lines,
		"waiting": false, "error": nil, "timed_out": timedOut}
	switch {
	case timedOut:
		result["error"] = fmt.Sprintf("the handshake did not finish within %v", handshakeTimeout)
		return result, true // its goroutine may still run: exit, the caller restarts us
	case got.panicked != "":
		result["error"] = "panic: " + got.panicked
	case got.err == nil:
		result["error"] = "the handshake completed without a client flight"
	case errors.Is(got.err, errWaiting):
		result["waiting"] = true
	default:
		result["error"] = got.err.Error()
	}
	return result, false
}

func writeJSON(w *bufio.Writer, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		data, _ = json.Marshal(map[string]any{"ok": false, "error": "marshal: " + err.Error()})
	}
	w.Write(data)
	w.WriteByte('\n')
	w.Flush()
}

// versionInfo answers 'V' (both modes): the Go release and the GODEBUG in force.
func versionInfo() map[string]any {
	godebug := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, setting := range info.Settings {
			if setting.Key == "DefaultGODEBUG" {
				godebug = setting.Value
			}
		}
	}
	return map[string]any{"ok": true, "go": runtime.Version(), "goos": runtime.GOOS,
		"goarch": runtime.GOARCH, "default_godebug": godebug, "godebug": os.Getenv("GODEBUG")}
}

func main() {
	if len(os.Args) == 3 && os.Args[1] == "live" {
		liveMain(os.Args[2]) // tlslive.go: the same server on real sockets
		return
	}
	in := bufio.NewReaderSize(os.Stdin, 1<<16)
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	var header [4]byte
	for {
		if _, err := io.ReadFull(in, header[:]); err != nil {
			return // stdin closed: exit quietly
		}
		n := binary.BigEndian.Uint32(header[:])
		if n == 0 || n > maxRequest {
			writeJSON(out, map[string]any{"ok": false, "error": fmt.Sprintf("bad request length %d", n)})
			return // out of step: stop, the caller restarts us
		}
		payload := make([]byte, n)
		if _, err := io.ReadFull(in, payload); err != nil {
			return
		}
		switch payload[0] {
		case 'V':
			writeJSON(out, versionInfo())
		case 'K':
			writeJSON(out, loadKey(payload[1:]))
		case 'H':
			if len(payload) < 2 || len(payload) < 2+int(payload[1]) {
				writeJSON(out, map[string]any{"ok": false, "error": "bad hello request"})
				continue
			}
			idLen := int(payload[1])
			result, fatal := handshake(string(payload[2:2+idLen]), payload[2+idLen:])
			writeJSON(out, result)
			if fatal {
				os.Exit(3)
			}
		default:
			writeJSON(out, map[string]any{"ok": false, "error": fmt.Sprintf("unknown operation %q", payload[0])})
		}
	}
}
